// `npm test`: every suite in order, then one plain summary line `N passed, N failed`.
//   node scripts/test.mjs                 all stages
//   node scripts/test.mjs server e2e      only those stages (lint | typecheck | server | elements | e2e | bench)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SetupError, ensureLivekitServer } from './livekit.mjs';

import { chromiumPath as chromium } from './chromium.mjs';
import { ensureDebianPackages } from './setup.mjs';
const summaryFile = '.tmp/wtr-summary.json';

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        output += chunk;
        process.stdout.write(chunk);
      });
    }
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

// Element tests run in a fresh network namespace where only loopback exists (when we are root and `unshare`
// works), so nothing they do can leave the machine. End-to-end tests cannot: with loopback as its only
// interface Chromium gathers no ICE candidates and WebRTC fails. They stay on loopback by construction
// instead: the SFU binds and advertises 127.0.0.1 only, no STUN or TURN is configured, and Chromium runs
// with background networking off. VC_NETNS=0 disables the namespace.
let netnsChecked;
async function loopbackOnly(command, args) {
  if (process.env.VC_NETNS === '0' || process.getuid?.() !== 0) return [command, args];
  netnsChecked ??= (await run('unshare', ['-n', 'ip', 'link', 'set', 'lo', 'up'])).code === 0;
  if (!netnsChecked) return [command, args];
  const quoted = [command, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return ['unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${quoted}`]];
}

const testFiles = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => join(dir, f))
    : [];

function nodeTestCounts({ code, output }) {
  const pass = Number(/^ℹ pass (\d+)/m.exec(output)?.[1] ?? 0);
  const fail = Number(/^ℹ fail (\d+)/m.exec(output)?.[1] ?? 0);
  const cancelled = Number(/^ℹ cancelled (\d+)/m.exec(output)?.[1] ?? 0);
  // A crash before the summary still counts as a failure.
  return { passed: pass, failed: fail + cancelled + (code !== 0 && fail + cancelled === 0 ? 1 : 0) };
}

/** The end-to-end tests load dist/: rebuild it when any source file is newer (or it is missing). */
function distIsStale() {
  if (!existsSync('dist/videoconsult.js')) return true;
  const built = statSync('dist/videoconsult.js').mtimeMs;
  const newer = (dir) => readdirSync(dir, { recursive: true }).some((f) => statSync(join(dir, String(f))).mtimeMs > built);
  return newer('src') || statSync('rollup.config.mjs').mtimeMs > built || statSync('package-lock.json').mtimeMs > built;
}

function requireChromium() {
  if (!existsSync(chromium)) {
    throw new SetupError(
      `Chromium was not found at ${chromium}. Install Debian's Chromium (\`apt-get install -y chromium\`) ` +
        'or set CHROMIUM_BIN to a Chromium or Chrome binary. Nothing here downloads a browser.',
    );
  }
}

const stages = {
  /** ESLint (eslint.config.mjs) and Prettier (.prettierrc.json): two checks, each failed by any file it names. */
  async lint() {
    console.log('\n── eslint .');
    const eslint = await run('node_modules/.bin/eslint', ['--max-warnings', '0', '.']);
    console.log('\n── prettier --check .');
    const prettier = await run('node_modules/.bin/prettier', ['--check', '--log-level', 'warn', '.']);
    const failed = [eslint, prettier].filter((r) => r.code !== 0).length;
    return { passed: 2 - failed, failed, label: 'lint checks' };
  },
  async typecheck() {
    const results = [];
    for (const project of [
      'tsconfig.json',
      'tsconfig.test.json',
      'tsconfig.server.json',
      'tsconfig.check.json',
      'demo/react/tsconfig.json',
    ]) {
      if (!existsSync(project)) continue;
      console.log(`\n── tsc -p ${project} --noEmit`);
      results.push(await run('node_modules/.bin/tsc', ['-p', project, '--noEmit']));
    }
    const failed = results.filter((r) => r.code !== 0).length;
    return { passed: results.length - failed, failed, label: 'type checks' };
  },
  async server() {
    const files = testFiles('test/server');
    if (files.length === 0) return { passed: 0, failed: 0 };
    ensureLivekitServer();
    return nodeTestCounts(await run('node', ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files]));
  },
  async elements() {
    if (testFiles('test/elements').length === 0) return { passed: 0, failed: 0 };
    requireChromium();
    rmSync(summaryFile, { force: true });
    const result = await run(
      ...(await loopbackOnly('node_modules/.bin/wtr', ['--config', 'web-test-runner.config.mjs', '--static-logging'])),
    );
    if (!existsSync(summaryFile)) return { passed: 0, failed: 1 };
    const { passed, failed } = JSON.parse(readFileSync(summaryFile, 'utf8'));
    return { passed, failed: failed + (result.code !== 0 && failed === 0 ? 1 : 0) };
  },
  async e2e() {
    const files = testFiles('test/e2e');
    if (files.length === 0) return { passed: 0, failed: 0 };
    requireChromium();
    ensureLivekitServer();
    if (distIsStale()) {
      console.log('\n── building dist/ for the end-to-end tests');
      const build = await run('node_modules/.bin/rollup', ['-c', '--silent']);
      if (build.code !== 0) return { passed: 0, failed: 1 };
    }
    return nodeTestCounts(await run('node', ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files]));
  },
  /** The package as an operator installs it: npm pack → npm install in an empty folder → npx videoconsult (minutes). */
  async package() {
    const files = testFiles('test/package');
    if (files.length === 0) return { passed: 0, failed: 0 };
    return nodeTestCounts(await run('node', ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]));
  },
  /** Every benchmark once (`--quick`): they must still work; their figures are not judged here. */
  async bench() {
    requireChromium();
    ensureLivekitServer();
    const result = await run('node', ['--import', 'tsx', 'bench/run.mjs', '--quick', '--out=.tmp/bench']);
    const m = /^benchmarks: (\d+) ran, (\d+) failed$/m.exec(result.output);
    if (!m) return { passed: 0, failed: 1 };
    return { passed: Number(m[1]), failed: Number(m[2]) + (result.code !== 0 && Number(m[2]) === 0 ? 1 : 0) };
  },
};

const wanted = process.argv.slice(2);
const order = wanted.length ? wanted : Object.keys(stages);
for (const name of order) {
  if (!stages[name]) {
    console.error(`Unknown stage "${name}". Stages: ${Object.keys(stages).join(', ')}.`);
    process.exit(2);
  }
}

mkdirSync('.tmp', { recursive: true });
let passed = 0;
let failed = 0;
const rows = [];
// What the tests need from Debian (Chromium, ClamAV, Redis, PostgreSQL): apt-get when root, else the command.
try {
  ensureDebianPackages();
} catch (err) {
  console.error(err instanceof SetupError ? `\n${err.message}\n` : err);
  failed += 1;
}
for (const name of order) {
  console.log(`\n━━ ${name} ━━`);
  const started = Date.now();
  let result;
  try {
    result = await stages[name]();
  } catch (err) {
    console.error(err instanceof SetupError ? `\n${err.message}\n` : err);
    result = { passed: 0, failed: 1 };
  }
  rows.push(
    `${name.padEnd(10)} ${String(result.passed).padStart(4)} passed ${String(result.failed).padStart(3)} failed  ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  passed += result.passed;
  failed += result.failed;
}
console.log(`\n${rows.join('\n')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
