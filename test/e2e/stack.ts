// The real stack for end-to-end tests: livekit-server + token server + host pages on loopback,
// driven by Debian's Chromium through playwright-core. Nothing here is mocked.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { after, before } from 'node:test';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { Express } from 'express';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { devKeys, freePort, startLivekit, type RunningLivekit } from '../../scripts/livekit.mjs';
import { catcherSmtp, demoTenants, mountDemoBackends } from '../../scripts/demo-backends/index.js';
import { startMailCatcher, type MailCatcher } from '../../scripts/demo-backends/mail-catcher.js';
import { createStaticApp } from '../../scripts/static-server.mjs';
import { createApp } from '../../server/app.js';
import { parseConfig, type Config } from '../../server/config.js';
import { createLogger } from '../../server/ops/logger.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export { chromiumArgs, chromiumPath };

function listen(app: Express, port = 0): Promise<Server> {
  return new Promise((resolveListen, reject) => {
    const server = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolveListen(server)));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((r) => server.close(() => r()));
}

/** What the stack needs of an SFU: one node (the default) or a cluster behind a balancer. */
export interface SfuEndpoint {
  url: string;
  apiKey: string;
  apiSecret: string;
  stop(): Promise<void>;
}
export type StartSfu<S extends SfuEndpoint> = (options: {
  port: number;
  webhookUrl: string;
  keys: { apiKey: string; apiSecret: string };
}) => Promise<S>;
const startSingleNode: StartSfu<RunningLivekit> = ({ port, webhookUrl, keys }) => startLivekit({ port, keys, webhookUrl });

export interface Stack<S extends SfuEndpoint = RunningLivekit> {
  sfu: S;
  config: Config;
  /** The token server's base URL. */
  apiUrl: string;
  /** The host pages' origin (demo/, dist/ and test pages under /e2e/). */
  pagesUrl: string;
  /** The demo applications' SMTP catcher (with `demoApps`). */
  mail?: MailCatcher;
  /** The demo tenant's integrator API key. */
  apiKey: string;
  /** Integrator API call with the tenant's key. */
  integrator<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /**
   * Opens a fresh browser context (no shared storage: another person on another device). With
   * `ownBrowser`, in a Chromium process of its own, so faults can be injected into that one browser;
   * `extraArgs` (e.g. a WebRTC IP-handling policy) implies one.
   */
  newPage(options?: { ownBrowser?: boolean; extraArgs?: string[] }): Promise<Page>;
  /**
   * Freezes the network of a page opened with `ownBrowser` for `ms` milliseconds: its Chromium network
   * service (which owns every socket, WebRTC's UDP included) is stopped with SIGSTOP, then resumed.
   */
  cutNetwork(page: Page, ms: number): Promise<void>;
  stopTokenServer(): Promise<void>;
  startTokenServer(): Promise<void>;
  /** One pass of the token server's sweeper (the tests that need it set sweepIntervalSeconds: 0). */
  sweep(): Promise<unknown>;
  stop(): Promise<void>;
}

/** Bundles test/e2e/pages/<name>.ts on request, so test pages can import livekit-client directly. */
function serveTestPages(app: Express) {
  app.get('/e2e/livekit-e2ee-worker.js', (_req, res) => {
    res.type('text/javascript').sendFile(join(root, 'node_modules/livekit-client/dist/livekit-client.e2ee.worker.mjs'));
  });
  app.get('/e2e/:name.html', (req, res) => {
    if (!/^[a-z0-9-]+$/.test(req.params.name)) return res.status(400).end();
    res.sendFile(join(root, 'test/e2e/pages', `${req.params.name}.html`));
  });
  app.get('/e2e/:name.js', async (req, res) => {
    const name = req.params.name;
    if (!/^[a-z0-9-]+$/.test(name)) return res.status(400).end();
    try {
      const out = await esbuild.build({
        entryPoints: [join(root, 'test/e2e/pages', `${name}.ts`)],
        bundle: true,
        format: 'esm',
        write: false,
        sourcemap: 'inline',
        target: 'es2022',
        tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
      });
      res.type('text/javascript').send(out.outputFiles[0]!.text);
    } catch (err) {
      res.status(500).type('text').send(String(err));
    }
  });
}

interface StackOptions {
  /** More origins of host pages allowed by the demo tenant (e.g. a page on 127.0.0.2). */
  hostOrigins?: string[];
  /** Mounts the demo applications' back ends (scripts/demo-backends/) on the pages' server, each with a tenant of its own. */
  demoApps?: boolean;
  /** The SFU's webhooks go to a port nobody listens on: the token server never hears of joins or leaves. */
  loseWebhooks?: boolean;
  /** Every line the token server logs, at trace level (instead of warn on stderr). */
  logSink?: (line: string) => void;
  /** Called with each new browser context before its page opens (to record its requests, add init scripts). */
  onContext?: (context: BrowserContext) => void | Promise<void>;
  /** How many fake cameras Chromium offers (default 1; the first sends green frames, the second Y16 grey ones). */
  cameras?: number;
}

export async function startStack(overrides?: Partial<Config>, options?: StackOptions): Promise<Stack>;
export async function startStack<S extends SfuEndpoint>(
  overrides: Partial<Config>,
  options: StackOptions & { startSfu: StartSfu<S> },
): Promise<Stack<S>>;
export async function startStack(
  overrides: Partial<Config> = {},
  options: StackOptions & { startSfu?: StartSfu<SfuEndpoint> } = {},
): Promise<Stack<SfuEndpoint>> {
  const startSfu = options.startSfu ?? startSingleNode;
  const { logSink, onContext } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'vc-e2e-'));
  const [sfuPort, apiPort] = [await freePort(), await freePort()];
  const keys = devKeys();
  const apiKey = `vk_test_${randomBytes(16).toString('hex')}`;
  const tokenServerUrl = `http://127.0.0.1:${apiPort}`;
  // Their tenants get the pages' origin below, once the pages listen.
  const demos = options.demoApps ? demoTenants(randomBytes(32).toString('base64url'), []) : undefined;
  const mail = demos ? await startMailCatcher() : undefined;
  const pagesServer = await listen(
    createStaticApp({
      tokenServerUrl,
      extra(app) {
        serveTestPages(app);
        if (demos && mail) mountDemoBackends(app, { apiUrl: tokenServerUrl, keys: demos.keys, adminKey: demos.adminKey, mail });
      },
    }),
  );
  const pagesUrl = `http://127.0.0.1:${(pagesServer.address() as AddressInfo).port}`;
  const config = parseConfig({
    port: apiPort,
    // The demo practice software mails its codes: the join links lead to its patient page.
    publicUrl: demos ? `${pagesUrl}/practice/join` : `${pagesUrl}/patient.html`,
    livekit: { url: `ws://127.0.0.1:${sfuPort}`, apiKey: keys.apiKey, apiSecret: keys.apiSecret },
    database: { path: join(dataDir, 'videoconsult.sqlite') },
    uploads: { directory: join(dataDir, 'uploads'), scan: 'off' },
    secret: randomBytes(32).toString('base64url'),
    tenants: [
      {
        id: 'demo',
        name: 'Demo practice',
        apiKeySha256: [createHash('sha256').update(apiKey).digest('hex')],
        allowedOrigins: [pagesUrl, ...(options.hostOrigins ?? [])],
      },
      ...(demos?.tenants.map((tenant) => ({ ...tenant, allowedOrigins: [pagesUrl] })) ?? []),
    ],
    ...(mail ? { smtp: catcherSmtp(mail) } : {}),
    // The practice software's back end makes its practice through the admin API.
    ...(demos ? { admin: demos.admin } : {}),
    ...overrides,
  });
  const webhookPort = options.loseWebhooks ? await freePort() : apiPort;
  const sfu = await startSfu({ port: sfuPort, keys, webhookUrl: `http://127.0.0.1:${webhookPort}/v1/webhooks/livekit` });

  let tokenServer: { server: Server; close(): Promise<void>; sweep(): Promise<unknown> } | undefined;
  const startTokenServer = async () => {
    // Request lines only at warn: the e2e output stays readable (VC_LOG_LEVEL=info shows them).
    const logger = logSink
      ? createLogger({ level: 'trace', destination: { write: (line: string) => logSink(line) } })
      : createLogger({ level: process.env.VC_LOG_LEVEL ?? 'warn' });
    const created = createApp(config, { logger });
    tokenServer = { server: await listen(created.app, apiPort), close: created.close, sweep: created.sweep };
  };
  const stopTokenServer = async () => {
    if (!tokenServer) return;
    const current = tokenServer;
    tokenServer = undefined;
    await closeServer(current.server);
    await current.close();
  };
  await startTokenServer();
  const apiUrl = `http://127.0.0.1:${apiPort}`;

  let browser: Browser | undefined;
  const ownBrowsers = new Map<Page, Browser>();
  const contexts: BrowserContext[] = [];
  const cameraArgs = options.cameras ? [`--use-fake-device-for-media-stream=device-count=${options.cameras}`] : [];
  const launch = (extraArgs: string[] = []) =>
    chromium.launch({
      executablePath: chromiumPath,
      args: [
        ...chromiumArgs.filter((arg) => !(cameraArgs.length && arg === '--use-fake-device-for-media-stream')),
        ...cameraArgs,
        ...extraArgs,
      ],
      headless: true,
    });
  return {
    sfu,
    config,
    apiUrl,
    pagesUrl,
    apiKey,
    ...(mail ? { mail } : {}),
    async integrator<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async newPage(options = {}) {
      const own = options.ownBrowser || !!options.extraArgs?.length;
      const target = own ? await launch(options.extraArgs) : (browser ??= await launch());
      const context = await target.newContext({ viewport: { width: 1024, height: 720 } });
      contexts.push(context);
      await onContext?.(context);
      const page = await context.newPage();
      if (own) ownBrowsers.set(page, target);
      page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
      if (process.env.E2E_CONSOLE) page.on('console', (m) => console.error(`[page] ${m.text()}`));
      return page;
    },
    async cutNetwork(page, ms) {
      const own = ownBrowsers.get(page);
      if (!own) throw new Error('cutNetwork needs a page opened with { ownBrowser: true }');
      const cdp = await own.newBrowserCDPSession();
      const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { id: number; type: string }[] };
      await cdp.detach();
      const services = processInfo.filter((p) => p.type === 'network.mojom.NetworkService').map((p) => p.id);
      if (services.length !== 1) throw new Error(`expected one network service process, found ${services.length}`);
      const pid = services[0]!;
      process.kill(pid, 'SIGSTOP');
      try {
        await new Promise((r) => setTimeout(r, ms));
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    },
    startTokenServer,
    stopTokenServer,
    async sweep() {
      if (!tokenServer) throw new Error('the token server is stopped');
      return tokenServer.sweep();
    },
    async stop() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close().catch(() => undefined);
      for (const own of ownBrowsers.values()) await own.close().catch(() => undefined);
      await stopTokenServer();
      await closeServer(pagesServer);
      await mail?.close();
      await sfu.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What a file's stack needs besides startStack's options. */
interface UseStackOptions extends StackOptions {
  /**
   * The file's own set-up once the stack runs (its data, pages), in the same hook: node 20 runs root-level
   * `before` hooks without waiting for each other, so a second hook of the file could not count on the stack.
   */
  afterStart?: () => Promise<void>;
}

/**
 * The usual stack of a test file: started in a node:test `before` hook, stopped in `after`. The handle is
 * usable at the top of the file and forwards to the running stack.
 */
export function useStack(overrides?: Partial<Config>, options?: UseStackOptions): Stack;
export function useStack<S extends SfuEndpoint>(overrides: Partial<Config>, options: StackOptions & { startSfu: StartSfu<S> }): Stack<S>;
export function useStack(
  overrides: Partial<Config> = {},
  { afterStart, ...options }: UseStackOptions & { startSfu?: StartSfu<SfuEndpoint> } = {},
): Stack<SfuEndpoint> {
  let running: Stack<SfuEndpoint> | undefined;
  before(async () => {
    running = options.startSfu
      ? await startStack(overrides, { ...options, startSfu: options.startSfu })
      : await startStack(overrides, options);
    await afterStart?.();
  });
  after(async () => {
    await running?.stop();
  });
  return new Proxy({} as Stack<SfuEndpoint>, {
    get(_target, key) {
      // Not a thenable, and inspectable, before the hook has run.
      if (!running && (key === 'then' || typeof key === 'symbol')) return undefined;
      if (!running) throw new Error(`the e2e stack is not running yet (${String(key)} read outside a test or hook)`);
      const value: unknown = Reflect.get(running, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(running) : value;
    },
  });
}
