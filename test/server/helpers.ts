import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { freePort, startLivekit, type RunningLivekit } from '../../scripts/livekit.mjs';
import { startPostgres, type RunningPostgres } from '../../scripts/postgres.mjs';
import { closeServer, createApp, type AppDeps, type VideoconsultApp } from '../../server/app.js';
import { parseConfig, type Config, type ConfigInput } from '../../server/config.js';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface Harness {
  sfu: RunningLivekit;
  rooms: RoomServiceClient;
  dir: string;
  config: Config;
  server: VideoconsultApp;
  http: Server;
  base: string;
  /** API keys of the two tenants: `acme` (origin https://acme.example) and `globex`. */
  keys: { acme: string; globex: string };
  /** Restarts the token server (same database file, same config). */
  restart(deps?: AppDeps): Promise<void>;
  stop(): Promise<void>;
}

function listen(server: VideoconsultApp, port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const http = server.app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(http)));
  });
}

/**
 * The app-level suites run on SQLite; with VC_TEST_DATABASE=postgres on a PostgreSQL server of their own
 * (Debian's binaries, a temporary data folder), so the same tests check the other store end to end.
 */
export const testDatabase = process.env.VC_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/** One SFU (pointed at this token server's webhook URL) + one token server on a temp SQLite file (or PostgreSQL). */
export async function startHarness(overrides: Partial<ConfigInput> & { withUploads?: boolean } = {}, deps: AppDeps = {}): Promise<Harness> {
  const port = await freePort();
  const sfu = await startLivekit({ webhookUrl: `http://127.0.0.1:${port}/v1/webhooks/livekit` });
  const dir = mkdtempSync(join(tmpdir(), 'vc-server-test-'));
  let pg: RunningPostgres | undefined;
  try {
    if (testDatabase === 'postgres') pg = await startPostgres();
    const h = await assemble(sfu, dir, port, pg ? { database: { url: pg.url }, ...overrides } : overrides, deps);
    const stop = h.stop;
    h.stop = async () => {
      await stop();
      await pg?.stop();
    };
    return h;
  } catch (err) {
    // Never leave an SFU (or a database) running behind a failed setup.
    await sfu.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function assemble(
  sfu: RunningLivekit,
  dir: string,
  port: number,
  overrides: Partial<ConfigInput> & { withUploads?: boolean },
  deps: AppDeps,
): Promise<Harness> {
  const { withUploads, ...configOverrides } = overrides;
  const keys = { acme: `acme_${randomBytes(16).toString('hex')}`, globex: `globex_${randomBytes(16).toString('hex')}` };
  const config = parseConfig({
    port,
    publicUrl: 'https://acme.example/consult',
    livekit: { url: sfu.url, apiKey: sfu.apiKey, apiSecret: sfu.apiSecret },
    database: { path: join(dir, 'db', 'videoconsult.sqlite') },
    secret: randomBytes(32).toString('hex'),
    tenants: [
      { id: 'acme', name: 'Acme Health', apiKeySha256: [sha256(keys.acme)], allowedOrigins: ['https://acme.example'] },
      { id: 'globex', name: 'Globex Clinics', apiKeySha256: [sha256(keys.globex)], allowedOrigins: ['https://globex.example'] },
    ],
    sweepIntervalSeconds: 0,
    ...(withUploads ? { uploads: { directory: join(dir, 'uploads'), scan: 'off' } } : {}),
    ...configOverrides,
  });
  const quiet = { log: () => undefined, ...deps };
  const h: Harness = {
    sfu,
    rooms: new RoomServiceClient(sfu.httpUrl, sfu.apiKey, sfu.apiSecret),
    dir,
    config,
    server: createApp(config, quiet),
    http: undefined as unknown as Server,
    base: `http://127.0.0.1:${port}`,
    keys,
    async restart(newDeps = {}) {
      await closeServer(h.http);
      await h.server.close();
      // Let the client's connection pool notice the closed keep-alive sockets before the next request.
      await new Promise((r) => setTimeout(r, 100));
      h.server = createApp(config, { ...quiet, ...newDeps });
      h.http = await listen(h.server, port);
    },
    async stop() {
      await closeServer(h.http).catch(() => undefined);
      await h.server.close().catch(() => undefined);
      await sfu.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  h.http = await listen(h.server, port);
  return h;
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** JSON request; `auth` is sent as a bearer token. */
export async function call<T = Record<string, unknown>>(
  h: Pick<Harness, 'base'>,
  method: string,
  path: string,
  options: { auth?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.authorization = `Bearer ${options.auth}`;
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(options.body);
  }
  const res = await fetch(`${h.base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    /* not JSON */
  }
  allResponses.push(res.headers);
  return { status: res.status, headers: res.headers, body: body as T };
}

/** Every response header set seen by call(): the no-cookie test checks them all. */
export const allResponses: Headers[] = [];

export function decodeJwt(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Signs a webhook body the way livekit-server does: a JWT whose sha256 claim is the base64 SHA-256 of the body. */
export async function signWebhook(body: string, apiKey: string, apiSecret: string): Promise<string> {
  const at = new AccessToken(apiKey, apiSecret);
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return at.toJwt();
}

/** Reads server-sent events from a fetch response. */
export class EventReader {
  private buffer = '';
  private readonly events: { event: string; data: Record<string, unknown>; id?: string }[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;
  readonly controller = new AbortController();

  static async open(h: Pick<Harness, 'base'>, path: string, token: string, headers: Record<string, string> = {}): Promise<EventReader> {
    const reader = new EventReader();
    const res = await fetch(`${h.base}${path}`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
      signal: reader.controller.signal,
    });
    reader.status = res.status;
    reader.headers = res.headers;
    allResponses.push(res.headers);
    if (res.body) void reader.pump(res.body);
    return reader;
  }

  status = 0;
  headers = new Headers();

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, i);
          this.buffer = this.buffer.slice(i + 2);
          let event = 'message';
          let data = '';
          let id: string | undefined;
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
            else if (line.startsWith('id: ')) id = line.slice(4);
          }
          if (data) this.events.push({ event, data: JSON.parse(data) as Record<string, unknown>, ...(id ? { id } : {}) });
        }
        this.wake();
      }
    } catch {
      /* aborted */
    }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  get closed(): boolean {
    return this.ended;
  }

  all(): { event: string; data: Record<string, unknown>; id?: string }[] {
    return [...this.events];
  }

  /** Waits for the next event of the given type (consuming events before it). */
  async next(type: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex((e) => e.event === type);
      if (index >= 0) {
        const [found] = this.events.splice(0, index + 1).slice(-1);
        return found!.data;
      }
      if (this.ended) throw new Error(`stream ended before a "${type}" event (saw: ${JSON.stringify(this.events)})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${type}" event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves when the server closed the stream. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('stream still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.controller.abort();
  }
}

/** Creates a consultation and returns its id. */
export async function createConsultation(h: Pick<Harness, 'base'>, key: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await call(h, 'POST', '/v1/consultations', { auth: key, body });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body.id);
}

export async function issueCode(h: Pick<Harness, 'base'>, key: string, id: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: key, body });
  if (res.status !== 201) throw new Error(`code failed: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body.code);
}

export async function practitionerToken(h: Pick<Harness, 'base'>, key: string, id: string): Promise<string> {
  const res = await call(h, 'POST', `/v1/consultations/${id}/practitioner-tokens`, { auth: key, body: { name: 'Dr. Who' } });
  if (res.status !== 201) throw new Error(`token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body.token);
}

/** Joins the lobby with a valid code (successful joins do not count against the lockout). */
export async function joinLobby(
  h: Pick<Harness, 'base'>,
  code: string,
  name = 'Pat Patient',
): Promise<{ ticket: string; ticketId: string }> {
  const res = await call(h, 'POST', '/v1/lobby/join', { body: { code, name } });
  if (res.status !== 201) throw new Error(`join failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ticket: String(res.body.ticket), ticketId: String(res.body.ticketId) };
}
