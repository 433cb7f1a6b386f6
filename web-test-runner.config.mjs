// Element tests: real Debian Chromium with fake media devices, TypeScript via esbuild.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter } from '@web/test-runner';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
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

/**
 * React ships CommonJS only, which the dev server cannot serve to a browser. `react` and `react-dom/client`
 * resolve here to ES-module facades over one esbuild bundle of both, so there is a single React instance
 * (videoconsult/react's browser test).
 */
function reactAsModules() {
  const facades = { react: { path: '/__react/react.js', key: 'React' }, 'react-dom/client': { path: '/__react/client.js', key: 'Client' } };
  const bundlePath = '/__react/bundle.js';
  let bundle;
  const facade = (specifier, key) => {
    // Read in a child process: React's development build patches the console, which wtr has replaced.
    const script = `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)}))))`;
    const names = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).filter(
      (name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default',
    );
    return `import { ${key} as m } from '${bundlePath}';\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`;
  };
  return {
    name: 'react-as-modules',
    resolveImport({ source }) {
      return facades[source]?.path;
    },
    async serve(context) {
      if (context.path === bundlePath) {
        bundle ??= build({
          stdin: { contents: "export * as React from 'react'; export * as Client from 'react-dom/client';", resolveDir: process.cwd() },
          bundle: true,
          format: 'esm',
          write: false,
          define: { 'process.env.NODE_ENV': '"development"' },
        }).then((result) => result.outputFiles[0].text);
        return { body: await bundle, type: 'js' };
      }
      for (const [specifier, { path, key }] of Object.entries(facades))
        if (context.path === path) return { body: facade(specifier, key), type: 'js' };
      return undefined;
    },
  };
}

/**
 * The background blur asks for MediaPipe's files beside its module (`new URL('./mediapipe/…', import.meta.url)`);
 * the build copies them there, and this serves them from the package for tests running on the sources.
 */
function mediapipeAssets() {
  const types = { js: 'js', wasm: 'application/wasm' };
  return {
    name: 'mediapipe-assets',
    serve(context) {
      const name = /^\/src\/session\/effects\/mediapipe\/([\w-]+\.(js|wasm|tflite|binarypb|data))$/.exec(context.path);
      const file = name && `node_modules/@mediapipe/selfie_segmentation/${name[1]}`;
      if (!file || !existsSync(file)) return undefined;
      return { body: readFileSync(file), type: types[name[2]] ?? 'application/octet-stream' };
    },
  };
}

export default {
  reporters: [defaultReporter(), summaryReporter()],
  files: ['test/elements/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'development'] },
  plugins: [reactAsModules(), mediapipeAssets(), esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [chromeLauncher({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } })],
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 300000,
};
