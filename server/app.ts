/**
 * The token server as a library.
 *
 *   const { app, close, sweep, store } = createApp(config, deps?)
 *
 * - `config`: a parsed `Config` (see config.ts; `parseConfig()` validates a plain object, `loadConfig()`
 *   reads VC_CONFIG + environment). LiveKit is configured by `config.livekit = { url, apiKey, apiSecret, apiUrl? }`.
 * - `deps` (all optional): `store` (defaults to SQLite at config.database.path, ':memory:' allowed),
 *   `rooms` (defaults to livekit-server-sdk's RoomServiceClient), `mailer` (e-mail delivery of codes),
 *   `now` (clock), `log` (a line logger; never receives secrets, codes or addresses).
 * - Returns `app` (an Express app: call `app.listen()` yourself, or mount it), `close()` (stops the
 *   sweeper, ends open event streams, closes the store it opened), `sweep()` (one sweeper pass, for tests
 *   and cron), `store` and `routes` (the route table the OpenAPI document is built from).
 * No listen() here: main.ts does that.
 */
import type { Server } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import { RoomServiceClient } from 'livekit-server-sdk';
import type { Config } from './config.js';
import { consultationRoutes } from './consultations/consultations.routes.js';
import { ConsultationService } from './consultations/consultations.service.js';
import { ConsultationBus, type AppContext, type CodeMailer, type RoomService } from './context.js';
import { errorHandler, notFound } from './errors.js';
import { lobbyRoutes } from './lobby/lobby.routes.js';
import { LobbyService } from './lobby/lobby.service.js';
import { practitionerRoutes } from './lobby/practitioner.routes.js';
import { buildOpenApi } from './openapi.js';
import { RouteRegistry, type RouteDoc } from './routing.js';
import { browserCors, rateLimit, WindowCounter } from './security.js';
import { statsRoutes } from './stats/stats.routes.js';
import type { Store } from './store/store.js';
import { SqliteStore } from './store/sqlite.js';
import { sweep, type SweepResult } from './sweeper.js';
import { GrantService, PractitionerTokens } from './tokens/tokens.service.js';
import { webhookRoutes } from './webhooks/webhooks.routes.js';
import { WebhookService } from './webhooks/webhooks.service.js';

export type { Config } from './config.js';
export { loadConfig, parseConfig, ConfigError } from './config.js';
export type { RoomService, CodeMailer } from './context.js';
export type { Store } from './store/store.js';
export { SqliteStore } from './store/sqlite.js';

export const API_VERSION = '1.0.0';

export interface AppDeps {
  store?: Store;
  rooms?: RoomService;
  mailer?: CodeMailer;
  now?: () => number;
  log?: (line: string) => void;
}

export interface VideoconsultApp {
  app: express.Express;
  store: Store;
  routes: readonly RouteDoc[];
  /** One sweeper pass: ends stale consultations, enforces retention. */
  sweep(): Promise<SweepResult>;
  close(): Promise<void>;
}

export function createApp(config: Config, deps: AppDeps = {}): VideoconsultApp {
  const ownsStore = !deps.store;
  const store = deps.store ?? new SqliteStore(config.database.path);
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((line: string) => console.error(`[videoconsult] ${line}`));
  const rooms: RoomService =
    deps.rooms ?? new RoomServiceClient(config.livekit.apiUrl ?? config.livekit.url, config.livekit.apiKey, config.livekit.apiSecret);
  const ctx: AppContext = {
    config,
    store,
    rooms,
    grants: new GrantService(config, now),
    practitionerTokens: new PractitionerTokens(config.secret, now),
    bus: new ConsultationBus(),
    mailer: deps.mailer,
    now,
    log,
  };
  const consultations = new ConsultationService(ctx);
  const lobby = new LobbyService(ctx, consultations);
  const webhooks = new WebhookService(ctx, consultations, lobby);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.use(helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' } }));
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const publicLimit = new WindowCounter(120, 60_000, now);
  const practitionerLimit = new WindowCounter(600, 60_000, now);
  app.use('/v1/lobby', browserCors(config), rateLimit(publicLimit));
  app.use('/v1/practitioner', browserCors(config), rateLimit(practitionerLimit));

  const json = express.json({ limit: '16kb' });
  // The webhook route reads its raw body itself (the signature covers the exact bytes).
  app.use((req, res, next) => (req.path.startsWith('/v1/webhooks/') ? next() : json(req, res, next)));

  const routes = new RouteRegistry(app);
  consultationRoutes(routes, ctx, consultations);
  lobbyRoutes(routes, ctx, lobby);
  practitionerRoutes(routes, ctx, lobby, consultations);
  statsRoutes(routes, ctx);
  webhookRoutes(routes, ctx, webhooks);
  routes.add(
    { method: 'get', path: '/v1/openapi.json', summary: 'This document', auth: 'none', tags: ['meta'],
      responses: { 200: { description: 'OpenAPI 3.1 document' } } },
    (_req, res) => {
      res.json(openApi);
    },
  );
  const openApi = buildOpenApi(routes.docs, API_VERSION);

  app.use(notFound);
  app.use(errorHandler(log));

  let sweeping: Promise<SweepResult> | undefined;
  const runSweep = (): Promise<SweepResult> => {
    sweeping ??= sweep(ctx, consultations).finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };
  const timer =
    config.sweepIntervalSeconds > 0
      ? setInterval(() => void runSweep().catch((err: unknown) => log(`sweep failed: ${(err as Error).message}`)), config.sweepIntervalSeconds * 1000)
      : undefined;
  timer?.unref();

  return {
    app,
    store,
    routes: routes.docs,
    sweep: runSweep,
    async close() {
      if (timer) clearInterval(timer);
      await sweeping?.catch(() => undefined);
      // Open event streams end with the process; tell their listeners to let go.
      ctx.bus.removeAllListeners();
      publicLimit.dispose();
      practitionerLimit.dispose();
      lobby.codeFailures.dispose();
      if (ownsStore) store.close();
    },
  };
}

/** Closes a listening server, including idle keep-alive and event-stream connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
