/**
 * Several token-server instances on one store and one Redis, as in production behind a load balancer:
 * in this process (`startInstance`, two createApp on two ports) or as separate processes running
 * server/main.ts (`spawnInstance`, for tests that SIGKILL one).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startLivekit, type RunningLivekit } from '../../../scripts/livekit.mjs';
import { startPostgres, type RunningPostgres } from '../../../scripts/postgres.mjs';
import { startRedis, type RunningRedis } from '../../../scripts/redis.mjs';
import { supervise } from '../../../scripts/supervise.mjs';
import { closeServer, createApp, type AppDeps, type VideoconsultApp } from '../../../server/app.js';
import { parseConfig, type ConfigInput } from '../../../server/config.js';
import { call, createConsultation, issueCode, practitionerToken, sha256, type Reply } from '../helpers.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** The engines every instance shares: Redis, the store's database, one SFU. */
export interface Engines {
  redis: RunningRedis;
  postgres: RunningPostgres;
  sfu: RunningLivekit;
  /** The store setting every instance gets: the PostgreSQL they share. */
  database: ConfigInput['database'];
  dir: string;
  /** The integrator API key of tenant `acme` (origin https://acme.example). */
  apiKey: string;
  secret: string;
  stop(): Promise<void>;
}

export async function startEngines(): Promise<Engines> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-instances-'));
  const [redis, postgres, sfu] = await Promise.all([startRedis(), startPostgres(), startLivekit()]);
  return {
    redis,
    postgres,
    sfu,
    // Short timeouts: an unreachable database is answered 503 within about 3 s (the default waits 5 s to connect).
    database: { url: postgres.url, connectTimeoutSeconds: 1, statementTimeoutMs: 2000 },
    dir,
    apiKey: `acme_${randomBytes(16).toString('hex')}`,
    secret: randomBytes(32).toString('hex'),
    async stop() {
      await sfu.stop();
      await redis.stop();
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One instance's config: same store, Redis, SFU, secret and tenant as the others; its own port. */
export function instanceConfig(engines: Engines, port: number, overrides: Partial<ConfigInput> = {}): ConfigInput {
  return {
    host: '127.0.0.1',
    port,
    publicUrl: 'https://acme.example/consult',
    livekit: { url: engines.sfu.url, apiKey: engines.sfu.apiKey, apiSecret: engines.sfu.apiSecret },
    database: engines.database,
    redis: { url: engines.redis.url },
    secret: engines.secret,
    tenants: [{ id: 'acme', name: 'Acme Health', apiKeySha256: [sha256(engines.apiKey)], allowedOrigins: ['https://acme.example'] }],
    sweepIntervalSeconds: 0,
    // The tests speak for many patients from one machine: each sends its own X-Forwarded-For, as a proxy would.
    trustProxy: ['127.0.0.1'],
    // One practitioner admits dozens of patients in a few seconds here; the limits are not under test.
    rateLimits: { lobbyPerMinute: 1000, practitionerPerMinute: 10_000, integratorPerMinute: 10_000 },
    ...overrides,
  };
}

export interface Instance {
  base: string;
  stop(): Promise<void>;
}

function listen(server: VideoconsultApp, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const http = server.app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(http)));
  });
}

/** An instance in this process. */
export async function startInstance(
  engines: Engines,
  overrides: Partial<ConfigInput> = {},
  deps: AppDeps = {},
): Promise<Instance & { server: VideoconsultApp }> {
  const port = await freePort();
  const server = createApp(parseConfig(instanceConfig(engines, port, overrides)), { log: () => undefined, ...deps });
  if (!(await server.ready(5000))) throw new Error('the instance did not reach Redis');
  const http = await listen(server, port);
  return {
    base: `http://127.0.0.1:${port}`,
    server,
    async stop() {
      await closeServer(http).catch(() => undefined);
      await server.close().catch(() => undefined);
    },
  };
}

/** An instance as its own process (`node --import tsx server/main.ts`), so it can be SIGKILLed. It dies with this one. */
export async function spawnInstance(
  engines: Engines,
  name: string,
  overrides: Partial<ConfigInput> = {},
): Promise<Instance & { process: ChildProcess; kill(): Promise<void> }> {
  const port = await freePort();
  const configFile = join(engines.dir, `${name}.json`);
  writeFileSync(configFile, JSON.stringify(instanceConfig(engines, port, overrides)), { mode: 0o600 });
  const base = `http://127.0.0.1:${port}`;
  const instance = await supervise({
    name: `token server ${name}`,
    command: process.execPath,
    args: ['--import', 'tsx', 'server/main.ts'],
    cwd: repo,
    env: { ...process.env, VC_CONFIG: configFile },
    ready: () =>
      fetch(`${base}/v1/health`).then(
        (res) => res.ok,
        () => false,
      ),
  });
  return {
    base,
    get process() {
      return instance.process;
    },
    kill: () => instance.kill(),
    stop: () => instance.stop(),
  };
}

let clients = 0;
/** A fresh client address (TEST-NET-2), so each simulated patient has its own limits and lockout. */
export function clientAddress(): string {
  clients++;
  return `198.51.${100 + Math.floor(clients / 250)}.${(clients % 250) + 1}`;
}

/** A consultation created through `via`, with a practitioner token. */
export async function openConsultation(
  engines: Engines,
  via: Instance,
  body: Record<string, unknown> = {},
): Promise<{ id: string; practitioner: string }> {
  const id = await createConsultation(via, engines.apiKey, body);
  return { id, practitioner: await practitionerToken(via, engines.apiKey, id) };
}

/** A patient joins through `via` with a fresh code, from `address`. */
export async function joinThrough(
  engines: Engines,
  via: Instance,
  consultationId: string,
  address: string,
  name = 'Pat Patient',
): Promise<{ ticket: string; ticketId: string }> {
  const code = await issueCode(via, engines.apiKey, consultationId);
  const res = await call(via, 'POST', '/v1/lobby/join', { body: { code, name }, headers: { 'x-forwarded-for': address } });
  if (res.status !== 201) throw new Error(`join failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ticket: String(res.body.ticket), ticketId: String(res.body.ticketId) };
}

export function admit(via: Instance, practitioner: string, ticketId: string): Promise<Reply> {
  return call(via, 'POST', '/v1/practitioner/admit', { auth: practitioner, body: { ticketId } });
}

/** Nearest-rank percentile of a sample, in its unit. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
