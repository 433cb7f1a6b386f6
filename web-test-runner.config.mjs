// Element tests: real Debian Chromium with fake media devices, TypeScript via esbuild.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter } from '@web/test-runner';
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromiumArgs as sharedArgs, chromiumPath } from './scripts/chromium.mjs';

export { chromiumPath };
// wtr's launcher needs the headless flag spelled out; playwright adds its own.
export const chromiumArgs = ['--headless=new', ...sharedArgs];

/** Writes the pass/fail counts for scripts/test.mjs, which sums all suites into one line. */
function summaryReporter(file = '.tmp/wtr-summary.json') {
  const count = (suite, totals) => {
    for (const t of suite?.tests ?? []) {
      if (t.skipped) totals.skipped += 1;
      else if (t.passed) totals.passed += 1;
      else totals.failed += 1;
    }
    for (const child of suite?.suites ?? []) count(child, totals);
    return totals;
  };
  return {
    onTestRunFinished({ sessions }) {
      const totals = { passed: 0, failed: 0, skipped: 0 };
      for (const session of sessions) {
        count(session.testResults, totals);
        // A file that failed to load or threw outside a test has no failing test to count.
        if (!session.passed && (session.errors?.length ?? 0) > 0) totals.failed += 1;
      }
      mkdirSync('.tmp', { recursive: true });
      writeFileSync(file, JSON.stringify(totals));
    },
  };
}

export default {
  reporters: [defaultReporter(), summaryReporter()],
  files: ['test/elements/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'development'] },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [chromeLauncher({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } })],
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 300000,
};
