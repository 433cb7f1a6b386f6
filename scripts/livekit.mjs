// Finds, installs, configures, starts and stops a real livekit-server on loopback.
//
// Used by `npm start`, the test runner and the benchmarks. As a CLI:
//   node scripts/livekit.mjs install   install the pinned server into the user cache if it is missing
//   node scripts/livekit.mjs which     print the binary that would be used
//   node scripts/livekit.mjs run       start it in the foreground (Ctrl-C stops it)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError, findBinary, onPath, supervise } from './supervise.mjs';

/** The one place the SFU version is pinned. */
export const LIVEKIT_VERSION = 'v1.13.5';
const MODULE = 'github.com/livekit/livekit-server/cmd/server';

export const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'videoconsult');
const installDir = join(cacheDir, `livekit-server-${LIVEKIT_VERSION}`);
const cachedBinary = join(installDir, 'livekit-server');

export { SetupError };

/** LIVEKIT_SERVER_BIN, then PATH, then the user cache folder. */
export function findLivekitServer() {
  return findBinary('LIVEKIT_SERVER_BIN', 'livekit-server', [cachedBinary]);
}

/** Returns a usable binary, installing the pinned version with `go install` when none is found. */
export function ensureLivekitServer({ log = console.error } = {}) {
  const found = findLivekitServer();
  if (found) return found;
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new SetupError(
      'No livekit-server binary was found (checked LIVEKIT_SERVER_BIN, PATH and ' +
        installDir +
        ').\n' +
        'Either install Go >= 1.26 (https://go.dev/doc/install) so this script can build it, or download\n' +
        `livekit-server ${LIVEKIT_VERSION} yourself and set LIVEKIT_SERVER_BIN=/path/to/livekit-server.`,
    );
  }
  log(`Installing livekit-server ${LIVEKIT_VERSION} with go install into ${installDir} (a few minutes, once)…`);
  mkdirSync(installDir, { recursive: true });
  const staging = mkdtempSync(join(cacheDir, 'go-install-'));
  const result = spawnSync(go, ['install', `${MODULE}@${LIVEKIT_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: staging, GOFLAGS: process.env.GOFLAGS ?? '-trimpath' },
    cwd: tmpdir(),
  });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new SetupError(`go install ${MODULE}@${LIVEKIT_VERSION} failed (exit ${result.status}). See the output above.`);
  }
  // `go install` names the binary after its folder (`server`); rename atomically so a half-written
  // binary is never picked up by a parallel run.
  renameSync(join(staging, 'server'), cachedBinary);
  rmSync(staging, { recursive: true, force: true });
  return cachedBinary;
}

/** Dev keys: from LIVEKIT_API_KEY/LIVEKIT_API_SECRET, else generated once and kept in the cache folder. */
export function devKeys() {
  if (process.env.LIVEKIT_API_KEY && process.env.LIVEKIT_API_SECRET) {
    if (process.env.LIVEKIT_API_SECRET.length < 32) {
      throw new SetupError('LIVEKIT_API_SECRET must be at least 32 characters long (livekit-server refuses shorter ones).');
    }
    return { apiKey: process.env.LIVEKIT_API_KEY, apiSecret: process.env.LIVEKIT_API_SECRET };
  }
  const file = join(cacheDir, 'dev-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  mkdirSync(cacheDir, { recursive: true });
  const keys = { apiKey: `APIdev${randomBytes(6).toString('hex')}`, apiSecret: randomBytes(32).toString('base64url') };
  writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

/** Resolves with a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Fails with a clear message when a fixed port is taken. */
export function assertPortFree(port, what) {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err) =>
      reject(
        new SetupError(
          err.code === 'EADDRINUSE'
            ? `Port ${port} on 127.0.0.1 (${what}) is already in use. Stop whatever uses it (e.g. \`ss -ltnp 'sport = :${port}'\`) or choose another port.`
            : `Cannot listen on 127.0.0.1:${port} for ${what}: ${err.message}`,
        ),
      ),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

function yamlConfig({ port, tcpPort, udpStart, udpEnd, apiKey, apiSecret, webhookUrl, redis, prometheusPort }) {
  // JSON is valid YAML, which spares us a YAML library.
  return JSON.stringify(
    {
      port,
      // With Redis the node joins a cluster: rooms are placed on any live node, signal connections are
      // relayed to the hosting node, and a node silent for 5 s no longer counts (pkg/routing/selector).
      redis: redis ? { address: redis } : undefined,
      // One metrics port per node (two nodes on one host must not share it); 0 leaves it off.
      prometheus: prometheusPort ? { port: prometheusPort } : undefined,
      bind_addresses: ['127.0.0.1'],
      logging: { level: process.env.LIVEKIT_LOG_LEVEL || 'warn' },
      rtc: {
        tcp_port: tcpPort,
        port_range_start: udpStart,
        port_range_end: udpEnd,
        use_external_ip: false,
        node_ip: '127.0.0.1',
        // No STUN on loopback (no NAT to discover). An empty list is not "none": livekit-server then hands every
        // client its defaults (global.stun.twilio.com, stun.l.google.com: third-party requests that reveal the
        // client's address; test/e2e/privacy.test.ts caught it). A loopback port where nothing answers keeps them out.
        stun_servers: ['127.0.0.1:9'],
      },
      keys: { [apiKey]: apiSecret },
      room: {
        auto_create: false,
        empty_timeout: 60,
        departure_timeout: 10,
        // A CreateRoom for a room still mapped to a node that just died waits ~1 s for psrpc's "no response"
        // from that node, and LiveKit tries 3 times: one attempt answers a rejoining client's grant request
        // 2 s sooner. The token server's callers retry; once the dead node's stats are 5 s old the room is
        // placed on a live node.
        ...(redis ? { create_room_attempts: 1 } : {}),
      },
      // A client whose signal connection landed on another node than the room's is relayed to the hosting
      // node. When that node dies the relay only notices when a message to it fails for retry_timeout
      // (default 7.5 s) — and the client sends one (a ping) every 5 s. A short timeout closes such a
      // client's signal connection soon enough for it to rejoin on a live node within a few seconds.
      // One connect attempt: a resume routed to a dead node fails after ~1 s instead of 3, and the client
      // moves on to a full rejoin.
      signal_relay: redis
        ? { retry_timeout: '1s', min_retry_interval: '250ms', max_retry_interval: '500ms', connect_attempts: 1 }
        : undefined,
      webhook: webhookUrl ? { api_key: apiKey, urls: [webhookUrl] } : undefined,
      turn: { enabled: false },
    },
    null,
    2,
  );
}

/**
 * Starts livekit-server on loopback and resolves once it answers HTTP.
 * @returns {Promise<{url: string, httpUrl: string, apiKey: string, apiSecret: string, port: number, stop: () => Promise<void>, kill: () => Promise<void>, restart: () => Promise<void>, process: import('node:child_process').ChildProcess}>}
 */
export async function startLivekit({
  port,
  webhookUrl,
  udpStart,
  keys = devKeys(),
  redis,
  prometheusPort = 0,
  quiet = true,
  log = console.error,
} = {}) {
  const bin = ensureLivekitServer({ log });
  const sfuPort = port ?? (await freePort());
  if (port) await assertPortFree(port, 'the LiveKit SFU');
  const tcpPort = await freePort();
  // Each instance gets its own UDP range, derived from its port so parallel stacks do not collide.
  const start = udpStart ?? 40000 + ((sfuPort * 7) % 2000) * 10;
  const dir = mkdtempSync(join(tmpdir(), 'vc-livekit-'));
  const configFile = join(dir, 'livekit.yaml');
  writeFileSync(
    configFile,
    yamlConfig({ port: sfuPort, tcpPort, udpStart: start, udpEnd: start + 9, ...keys, webhookUrl, redis, prometheusPort }),
    { mode: 0o600 },
  );

  const sfu = await supervise({
    name: 'livekit-server',
    command: bin,
    args: ['--config', configFile, '--bind', '127.0.0.1', '--node-ip', '127.0.0.1'],
    quiet,
    ready: async () => {
      try {
        return (await fetch(`http://127.0.0.1:${sfuPort}/`)).ok;
      } catch {
        return false;
      }
    },
  }).catch((err) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    url: `ws://127.0.0.1:${sfuPort}`,
    httpUrl: `http://127.0.0.1:${sfuPort}`,
    port: sfuPort,
    prometheusPort,
    ...keys,
    get process() {
      return sfu.process;
    },
    /** Graceful stop; removes the temporary config. */
    async stop() {
      await sfu.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    /** Simulates a crash (`kill -9`). */
    kill: () => sfu.kill(),
    /** Starts it again on the same ports after kill() or stop(). */
    restart: () => sfu.restart(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? 'run';
  try {
    if (command === 'install') {
      console.log(ensureLivekitServer());
    } else if (command === 'which') {
      const bin = findLivekitServer();
      console.log(bin ?? 'not installed (run: node scripts/livekit.mjs install)');
      process.exitCode = bin ? 0 : 1;
    } else if (command === 'run') {
      const port = process.env.LIVEKIT_PORT ? Number(process.env.LIVEKIT_PORT) : 7880;
      const sfu = await startLivekit({ port, webhookUrl: process.env.LIVEKIT_WEBHOOK_URL, quiet: false });
      console.log(`livekit-server ${LIVEKIT_VERSION} listening on ${sfu.url} (key ${sfu.apiKey})`);
      const stop = () => sfu.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } else {
      console.error('usage: node scripts/livekit.mjs [install|which|run]');
      process.exitCode = 2;
    }
  } catch (err) {
    console.error(err instanceof SetupError ? `\n${err.message}\n` : err);
    process.exitCode = 1;
  }
}
