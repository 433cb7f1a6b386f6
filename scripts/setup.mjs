// `npm run setup`: everything a fresh Debian machine lacks for the tests, so that `npm run setup && npm test`
// is the whole set-up. Idempotent and quick when all is there.
//   1. Debian packages (Chromium, ClamAV, Redis, PostgreSQL, ExifTool): installed with apt-get when we are root,
//      otherwise the exact command is printed and setup fails.
//   2. npm dependencies: `npm ci`, unless node_modules already matches package-lock.json.
//   3. livekit-server: found, or built once (scripts/livekit.mjs).
// Only Node's own modules here: this runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SetupError } from './supervise.mjs';

/** What the tests need from Debian: [package, how to tell it is installed]. */
const DEBIAN = [
  ['chromium', () => existsSync('/usr/bin/chromium') || Boolean(process.env.CHROMIUM_BIN)],
  ['clamav-daemon', () => onPath('clamd') || existsSync('/usr/sbin/clamd')],
  ['clamav', () => onPath('sigtool')],
  ['redis-server', () => onPath('redis-server')],
  ['postgresql', () => onPath('postgres') || existsSync('/usr/lib/postgresql/15/bin/postgres')],
  // ExifTool reads the test images' metadata before and after stripping (test/server/strip-metadata.test.ts).
  ['libimage-exiftool-perl', () => onPath('exiftool')],
];

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function sh(command, args, env = {}) {
  console.log(`── ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new SetupError(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
}

/** Installs the missing Debian packages when root with apt-get; otherwise names the command and fails. */
export function ensureDebianPackages() {
  const missing = DEBIAN.filter(([, present]) => !present()).map(([name]) => name);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new SetupError(`The tests need Debian packages that are missing: ${missing.join(', ')}. Install them as root:\n  ${command}`);
  }
  sh('apt-get', ['update', '-qq'], { DEBIAN_FRONTEND: 'noninteractive' });
  sh('apt-get', ['install', '-y', '-qq', ...missing], { DEBIAN_FRONTEND: 'noninteractive' });
}

/**
 * `npm ci` unless node_modules was installed from this very package-lock.json (npm's hidden lockfile is newer).
 * Never through a symlinked node_modules: that is an install shared with other checkouts (git worktrees), and
 * `npm ci` would empty it under them.
 */
function ensureNodeModules() {
  if (existsSync('node_modules') && lstatSync('node_modules').isSymbolicLink()) {
    console.log(`── node_modules is a link to ${realpathSync('node_modules')} (a shared install): not touched`);
    return;
  }
  const hidden = 'node_modules/.package-lock.json';
  if (existsSync(hidden) && statSync(hidden).mtimeMs >= statSync('package-lock.json').mtimeMs) return;
  // better-sqlite3 compiles from source here (no prebuilt download): against the system's Node headers if present.
  sh('npm', ['ci', '--no-audit', '--no-fund'], existsSync('/usr/include/node/node.h') ? { npm_config_nodedir: '/usr' } : {});
}

async function main() {
  process.chdir(fileURLToPath(new URL('..', import.meta.url)));
  // Go (for building livekit-server once) may live outside PATH on a fresh machine.
  process.env.PATH = `${process.env.PATH ?? ''}:/usr/local/go/bin`;
  try {
    ensureDebianPackages();
    ensureNodeModules();
    const { ensureLivekitServer } = await import('./livekit.mjs');
    console.log(`── livekit-server: ${ensureLivekitServer({ log: (line) => console.log(line) })}`);
  } catch (err) {
    console.error(err instanceof SetupError ? `\n${err.message}\n` : err);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
