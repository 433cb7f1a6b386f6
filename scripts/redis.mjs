// Finds Debian's redis-server and runs it on loopback for tests, benchmarks and dev scripts.
//
// The server is never persisted (`--save ''`, `--appendonly no`): it holds rate-limit keys that contain client
// addresses, which must never reach a disk. As a CLI:
//   node scripts/redis.mjs which   print the binary that would be used
//   node scripts/redis.mjs run     start it in the foreground on REDIS_PORT (default: a free port); Ctrl-C stops it
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertPortFree, freePort } from './livekit.mjs';
import { SetupError, findBinary, supervise } from './supervise.mjs';

export { SetupError };

/** REDIS_SERVER_BIN, then PATH, then Debian's location. */
export function findRedisServer() {
  return findBinary('REDIS_SERVER_BIN', 'redis-server', ['/usr/bin/redis-server']);
}

export function ensureRedisServer() {
  const bin = findRedisServer();
  if (!bin) {
    throw new SetupError(
      'No redis-server binary was found (checked REDIS_SERVER_BIN, PATH and /usr/bin).\n' +
        'Install it with `apt-get install -y redis-server` (no system service is needed), or set REDIS_SERVER_BIN.',
    );
  }
  return bin;
}

/** One inline PING over a raw socket: resolves true on +PONG, false on anything else (no client library needed). */
export function ping(port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * Starts redis-server on 127.0.0.1 and resolves once it answers PING.
 * @param {{ port?: number, dir?: string, quiet?: boolean }} [options] `dir`: its working folder (default: a
 *   temporary one, removed by stop()); nothing is written there since persistence is off.
 */
export async function startRedis({ port, dir, quiet = true } = {}) {
  const bin = ensureRedisServer();
  if (port) await assertPortFree(port, 'Redis');
  const redisPort = port ?? (await freePort());
  const ownDir = !dir;
  const workDir = dir ?? mkdtempSync(join(tmpdir(), 'vc-redis-'));
  mkdirSync(workDir, { recursive: true });
  const removeDir = () => ownDir && rmSync(workDir, { recursive: true, force: true });
  const server = await supervise({
    name: 'redis-server',
    command: bin,
    // prettier-ignore
    args: [
      '--port', String(redisPort), '--bind', '127.0.0.1', '--protected-mode', 'yes',
      '--save', '', '--appendonly', 'no', '--dir', workDir, '--daemonize', 'no', '--loglevel', 'warning',
    ],
    cwd: workDir,
    quiet,
    ready: () => ping(redisPort),
    startTimeoutMs: 10_000,
    pollMs: 25,
  }).catch((err) => {
    removeDir();
    throw err;
  });
  return {
    url: `redis://127.0.0.1:${redisPort}`,
    port: redisPort,
    dir: workDir,
    get process() {
      return server.process;
    },
    /** Graceful stop (SIGTERM: nothing to save, persistence is off); removes a temporary folder. */
    async stop() {
      await server.stop();
      removeDir();
    },
    /** Simulates a crash (`kill -9`); every key is gone, as after any restart of an unpersisted Redis. */
    kill: () => server.kill(),
    /** Starts it again on the same port after kill() or stop(). */
    restart: () => server.restart(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? 'run';
  try {
    if (command === 'which') {
      const bin = findRedisServer();
      console.log(bin ?? 'not installed (apt-get install -y redis-server)');
      process.exitCode = bin ? 0 : 1;
    } else if (command === 'run') {
      const redis = await startRedis({ port: process.env.REDIS_PORT ? Number(process.env.REDIS_PORT) : undefined, quiet: false });
      console.log(`redis-server listening on ${redis.url} (not persisted)`);
      const stop = () => redis.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } else {
      console.error('usage: node scripts/redis.mjs [which|run]');
      process.exitCode = 2;
    }
  } catch (err) {
    console.error(err instanceof SetupError ? `\n${err.message}\n` : err);
    process.exitCode = 1;
  }
}
