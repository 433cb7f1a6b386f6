// Finds Debian's PostgreSQL binaries and runs a server on loopback for tests, benchmarks and dev scripts: `initdb`
// into a data folder (a temporary one for tests, data/postgres for dev), `postgres -D … -k <socket dir> -p <port>
// -c listen_addresses=127.0.0.1`, ready once `pg_isready` says so, then the database is created. No system service.
//
// As root (containers, CI) the server runs as the `postgres` system user: PostgreSQL refuses to run as root.
// Local socket connections are trusted (the socket folder is private to the server's user); TCP needs the
// password that initdb set, kept in <data>/password (owner-only) so a dev data folder can be reused.
// As a CLI:
//   node scripts/postgres.mjs which   print the bin folder that would be used
//   node scripts/postgres.mjs run     start it in the foreground on PG_PORT (default: a free port) with data/postgres
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assertPortFree, freePort } from './livekit.mjs';
import { SetupError, onPath, supervise } from './supervise.mjs';

export { SetupError };

const run = promisify(execFile);
const DB_USER = 'videoconsult';
const DB_NAME = 'videoconsult';

/** PG_BIN (a folder), then the newest /usr/lib/postgresql/<version>/bin, then the folder of `postgres` on PATH. */
export function findPostgresBin() {
  if (process.env.PG_BIN) {
    if (!existsSync(join(process.env.PG_BIN, 'postgres')))
      throw new SetupError(`PG_BIN=${process.env.PG_BIN} has no postgres binary in it.`);
    return process.env.PG_BIN;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(root, versions[0], 'bin');
  const onPathBin = onPath('postgres');
  return onPathBin && existsSync(join(dirname(onPathBin), 'initdb')) ? dirname(onPathBin) : undefined;
}

export function ensurePostgresBin() {
  const bin = findPostgresBin();
  if (!bin) {
    throw new SetupError(
      'No PostgreSQL server binaries were found (checked PG_BIN, /usr/lib/postgresql/*/bin and PATH).\n' +
        'Install them with `apt-get install -y postgresql` (no system service is needed), or set PG_BIN to the folder holding postgres and initdb.',
    );
  }
  return bin;
}

/** As root: run as the `postgres` system user, which then owns the data and socket folders. */
function runAs() {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new SetupError(
      'PostgreSQL cannot run as root and there is no `postgres` user to run it as (it comes with the postgresql package).',
    );
  }
}

/** The same command, as the server's user when we are root (setpriv keeps the parent-death signal itself). */
function asServerUser(user, command, args) {
  if (!user) return { command, args };
  return {
    command: '/usr/bin/setpriv',
    args: ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--pdeathsig', 'SIGKILL', '--', command, ...args],
  };
}

function own(path, user) {
  if (user) chownSync(path, user.uid, user.gid);
}

/** Creates the cluster once: UTF-8, C collation (byte order, like SQLite), scram for TCP, trust on the private socket. */
async function initdb(bin, dataDir, user) {
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dataDir, '..', `.pw-${process.pid}-${Date.now()}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  own(pwfile, user);
  try {
    const { command, args } = asServerUser(user, join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      DB_USER,
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ]);
    await run(command, args).catch((err) => {
      throw new SetupError(`initdb failed for ${dataDir}:\n${err.stderr || err.message}`);
    });
  } finally {
    rmSync(pwfile, { force: true });
  }
  writeFileSync(join(dataDir, 'password'), password, { mode: 0o600 });
  own(join(dataDir, 'password'), user);
}

async function isReady(bin, socketDir, port) {
  try {
    await run(join(bin, 'pg_isready'), ['-q', '-h', socketDir, '-p', String(port), '-U', DB_USER, '-d', 'postgres'], { timeout: 2000 });
    return true;
  } catch {
    return false;
  }
}

async function createDatabase(bin, socketDir, port, name) {
  const psql = (sql) => run(join(bin, 'psql'), ['-h', socketDir, '-p', String(port), '-U', DB_USER, '-d', 'postgres', '-tAc', sql]);
  const { stdout } = await psql(`SELECT 1 FROM pg_database WHERE datname = '${name.replace(/'/g, "''")}'`);
  if (stdout.trim() !== '1') await psql(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
}

/**
 * Starts PostgreSQL on 127.0.0.1 and resolves once the database exists.
 * @param {{ port?: number, dir?: string, database?: string, quiet?: boolean, settings?: Record<string, string> }} [options]
 *   `dir`: the data folder (default: a temporary one, removed by stop()); initialised if empty.
 *   `settings`: extra `-c name=value` (e.g. { synchronous_commit: 'off' }).
 */
export async function startPostgres({ port, dir, database = DB_NAME, quiet = true, settings = {} } = {}) {
  const bin = ensurePostgresBin();
  const user = runAs();
  if (port) await assertPortFree(port, 'PostgreSQL');
  const pgPort = port ?? (await freePort());
  const ownDir = !dir;
  const base = ownDir ? mkdtempSync(join(tmpdir(), 'vc-pg-')) : undefined;
  const dataDir = resolve(dir ?? join(base, 'data'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  own(dataDir, user);
  if (base) own(base, user);
  // A short path of its own: a Unix socket path is limited to ~107 bytes.
  const socketDir = mkdtempSync(join(tmpdir(), 'vcpg-'));
  chmodSync(socketDir, 0o700);
  own(socketDir, user);
  const cleanup = () => {
    rmSync(socketDir, { recursive: true, force: true });
    if (base) rmSync(base, { recursive: true, force: true });
  };
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initdb(bin, dataDir, user);
    const password = readFileSync(join(dataDir, 'password'), 'utf8').trim();
    const extra = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const { command, args } = asServerUser(user, join(bin, 'postgres'), [
      '-D',
      dataDir,
      '-k',
      socketDir,
      '-p',
      String(pgPort),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'logging_collector=off',
      ...extra,
    ]);
    const server = await supervise({
      name: 'postgres',
      command,
      args,
      quiet,
      ready: () => isReady(bin, socketDir, pgPort),
      startTimeoutMs: 30_000,
      pollMs: 100,
    });
    await createDatabase(bin, socketDir, pgPort, database);
    // Fast shutdown (SIGINT): the default SIGTERM ("smart") would wait for every pooled client to disconnect.
    const fastStop = async () => {
      server.process?.kill('SIGINT');
      await server.stop(10_000);
    };
    return {
      url: `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/${encodeURIComponent(database)}`,
      port: pgPort,
      dir: dataDir,
      socketDir,
      bin,
      get process() {
        return server.process;
      },
      /** Runs SQL through psql on the local socket (setup and assertions in tests). */
      psql: async (sql, db = database) =>
        (await run(join(bin, 'psql'), ['-h', socketDir, '-p', String(pgPort), '-U', DB_USER, '-d', db, '-tAc', sql])).stdout.trim(),
      /** Fast shutdown, then removes a temporary data folder. */
      async stop() {
        await fastStop();
        cleanup();
      },
      /** Simulates a crash (`kill -9`); committed data survives (the WAL replays at the next start). */
      kill: () => server.kill(),
      /** Starts it again on the same port and data after kill() or stop(). */
      async restart() {
        server.process?.kill('SIGINT');
        await server.restart();
      },
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? 'run';
  try {
    if (command === 'which') {
      const bin = findPostgresBin();
      console.log(bin ?? 'not installed (apt-get install -y postgresql)');
      process.exitCode = bin ? 0 : 1;
    } else if (command === 'run') {
      const dir = process.env.PG_DATA ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'postgres');
      const pg = await startPostgres({ port: process.env.PG_PORT ? Number(process.env.PG_PORT) : undefined, dir, quiet: false });
      console.log(
        `PostgreSQL (${userInfo().username === 'root' ? 'as user postgres, ' : ''}data ${pg.dir}) listening; database URL:\n  ${pg.url}`,
      );
      const stop = () => pg.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } else {
      console.error('usage: node scripts/postgres.mjs [which|run]');
      process.exitCode = 2;
    }
  } catch (err) {
    console.error(err instanceof SetupError ? `\n${err.message}\n` : err);
    process.exitCode = 1;
  }
}
