/**
 * The token server as a library.
 *
 *   const { app, close, sweep, store } = createApp(config, deps?)
 *
 * - `config`: a parsed `Config` (see config.ts; `parseConfig()` validates a plain object, `loadConfig()`
 *   reads VC_CONFIG + environment). LiveKit is configured by `config.livekit = { url, apiKey, apiSecret, apiUrl? }`.
 * - `deps` (all optional): `store` (defaults to PostgreSQL at config.database.url if set, else SQLite at
 *   config.database.path, ':memory:' allowed), `shared` (bus, counters, stream caps; default in-process),
 *   `rooms` (defaults to livekit-server-sdk's RoomServiceClient), `mailer` / `sms` (code delivery; default
 *   from config.smtp / config.sms), `uploads` (default from config.uploads), `now` (clock), `log` (a line
 *   logger; never receives secrets, codes or addresses).
 * - Returns `app` (an Express app: call `app.listen()` yourself, or mount it), `close()` (stops the
 *   sweeper, ends open event streams, closes the store it opened), `sweep()` (one sweeper pass, for tests
 *   and cron), `store` and `routes` (the route table the OpenAPI document is built from).
 * No listen() here: main.ts does that.
 */
import type { Server } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { RoomServiceClient } from 'livekit-server-sdk';
import type { Config } from './config.js';
import { consultationRoutes } from './consultations/consultations.routes.js';
import { ConsultationService } from './consultations/consultations.service.js';
import type { AppContext, CodeSender, RoomService } from './context.js';
import { retryRoomCreation } from './livekit-rooms.js';
import { CONNECTION_TESTS_PER_TICKET, CONNECTION_TEST_WINDOW_MS, ConnectionTests } from './lobby/connection-test.js';
import { errorHandler, notFound } from './errors.js';
import { deriveKey } from './key-sealing.js';
import { lobbyRoutes } from './lobby/lobby.routes.js';
import { LobbyService } from './lobby/lobby.service.js';
import { guessFailureWindow } from './lobby/guess-budget.js';
import { CODE_FAILURE_LIMIT, CODE_FAILURE_WINDOW_MS } from './lobby/lobby.service.js';
import { LobbyStreams } from './lobby/lobby.streams.js';
import { practitionerRoutes } from './lobby/practitioner.routes.js';
import { practiceRoutes } from './practice/practice.routes.js';
import { PracticeService } from './practice/practice.service.js';
import { buildOpenApi } from './openapi.js';
import { RouteRegistry, type RouteDoc } from './routing.js';
import { browserCors, integratorKey, rateLimit } from './security.js';
import { createOps, opsRoutes } from './ops/ops.js';
import type { Logger } from './ops/logger.js';
import { sdkRoutes } from './sdk.routes.js';
import { findSdkDirectory, sdkAssets } from './sdk-assets.js';
import { inProcessState, type SharedState } from './shared-state.js';
import { redisState } from './shared/redis-state.js';
import { statsRoutes } from './stats/stats.routes.js';
import type { Store } from './store/store.js';
import { PostgresStore } from './store/postgres.js';
import { SqliteStore } from './store/sqlite.js';
import { sweep, type SweepResult } from './sweeper.js';
import { TokenRevocations } from './tokens/revocations.js';
import { tokenRoutes } from './tokens/tokens.routes.js';
import { GrantService, PractitionerTokens } from './tokens/tokens.service.js';
import { uploadRoutes, UploadService, type UploadsRouterOptions } from './uploads/index.js';
import { SmtpMailer } from './delivery/smtp-mailer.js';
import { HttpSmsSender } from './delivery/http-sms.js';
import { webhookRoutes } from './webhooks/webhooks.routes.js';
import { WebhookService } from './webhooks/webhooks.service.js';
import { startIntegrations, type IntegrationDeps } from './admin/integrations.js';
import { WebhookEmitter } from './outbox/emit.js';

export type { Config } from './config.js';
export { loadConfig, parseConfig, ConfigError } from './config.js';
export { answerClientError } from './errors.js';
export type { RoomService, CodeSender } from './context.js';
export type { Store, StoreOps } from './store/store.js';
export { StoreUnavailableError } from './store/store.js';
export type { ConsultationBus, ConsultationEvent, BusListener, SharedState, StreamSlots, WindowCounter } from './shared-state.js';
export { inProcessState } from './shared-state.js';
export { SqliteStore } from './store/sqlite.js';
export { PostgresStore } from './store/postgres.js';

export const API_VERSION = '1.0.0';

export interface AppDeps extends IntegrationDeps {
  store?: Store;
  rooms?: RoomService;
  mailer?: CodeSender;
  /** SMS delivery of codes; defaults to the HTTP gateway of config.sms. */
  sms?: CodeSender;
  /** Replaces the upload service built from config.uploads (tests). */
  uploads?: UploadService;
  /** What instances share (bus, counters, stream caps); defaults to this process's memory. Closed by close(). */
  shared?: SharedState;
  now?: () => number;
  log?: (line: string) => void;
  /** Where the built embed SDK lives (default: dist/ beside the server, see sdk-assets.ts). */
  sdkDirectory?: string;
  /** The JSON logger (pino). Default: stdout at config.logLevel; silent for request lines when `log` is given. */
  logger?: Logger;
}

export interface VideoconsultApp {
  app: express.Express;
  store: Store;
  routes: readonly RouteDoc[];
  /** Resolves once the store's tenants are read (the config's seeded); requests before that see the config's. */
  tenantsReady: Promise<void>;
  /** One sweeper pass: ends stale consultations, enforces retention. */
  sweep(): Promise<SweepResult>;
  /** The JSON logger. */
  logger: Logger;
  /** Serves GET /metrics alone, when `metrics.port` is configured: listen on it yourself (serve() does). */
  metricsApp: express.Express | undefined;
  /**
   * Graceful shutdown, step one (after the listener stopped accepting): /v1/ready answers 503 and the open
   * event streams end, so their clients reconnect to another instance; requests in flight go on. Then close().
   */
  drain(): void;
  /**
   * Resolves true once the state shared with other instances (Redis) is reachable, or false after `ms`; until
   * then requests that need it answer 503. `serve` waits for it before listening.
   */
  ready(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

const BROWSER_PREFIX = /^\/v1\/(lobby|practitioner|practice|rooms)(?:\/|$)/i;
/** Everything an integrator's back end calls with its API key. */
const INTEGRATOR_PREFIX = /^\/v1\/(consultations|practices|stats|audit|admin|webhook-deliveries)(?:\/|$)/i;

export function createApp(config: Config, deps: AppDeps = {}): VideoconsultApp {
  const ownsStore = !deps.store;
  const ownsMailer = !deps.mailer;
  const ownsShared = !deps.shared;
  const store = deps.store ?? openStore(config.database);
  const now = deps.now ?? Date.now;
  const ops = createOps(config, deps);
  const log = deps.log ?? ops.log;
  const shared = deps.shared ?? (config.redis ? redisState(config.redis.url, { secret: config.secret, log }) : inProcessState(now));
  const rooms: RoomService =
    deps.rooms ??
    retryRoomCreation(new RoomServiceClient(config.livekit.apiUrl ?? config.livekit.url, config.livekit.apiKey, config.livekit.apiSecret));
  const ctx: AppContext = {
    config,
    store,
    rooms,
    grants: new GrantService(config, now),
    practitionerTokens: new PractitionerTokens(config.secret, now),
    revocations: new TokenRevocations({ config, store, bus: shared.bus, rooms, now, log }),
    bus: shared.bus,
    mailer: deps.mailer ?? (config.smtp ? new SmtpMailer(config.smtp) : undefined),
    sms: deps.sms ?? (config.sms ? new HttpSmsSender(config.sms) : undefined),
    // Session keys of uploads are kept wrapped on disk under a key derived from the server secret (unless a
    // masterKey is configured), so uploads survive a restart and a copied upload folder reveals nothing.
    uploads:
      deps.uploads ??
      (config.uploads
        ? new UploadService(
            { ...config.uploads, masterKey: config.uploads.masterKey ?? deriveKey(config.secret, 'upload-keys-at-rest') },
            { now, log },
          )
        : undefined),
    webhooks: new WebhookEmitter(now),
    now,
    log,
  };
  const consultations = new ConsultationService(ctx);
  const guesses = guessFailureWindow(config.codeGuessBudget);
  const lobby = new LobbyService(ctx, consultations, {
    codeFailures: shared.counter('code-failures', CODE_FAILURE_LIMIT, CODE_FAILURE_WINDOW_MS),
    guessFailures: shared.counter('code-guesses', guesses.limit, guesses.windowMs),
  });
  const streams = new LobbyStreams(ctx, lobby, shared.streamSlots('patient-streams', 3), shared.streamSlots('practitioner-streams', 10));
  const webhooks = new WebhookService(ctx, consultations, lobby);
  const practices = new PracticeService(ctx, lobby, consultations);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.use(ops.tracking);
  app.use(helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' } }));
  const sdk = sdkAssets(deps.sdkDirectory ?? findSdkDirectory());
  app.use(sdk.handler);
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const publicLimit = shared.counter('lobby', config.rateLimits.lobbyPerMinute, 60_000);
  const practitionerLimit = shared.counter('practitioner', config.rateLimits.practitionerPerMinute, 60_000);
  // One layer for the three browser-facing prefixes (the router pays per layer on every request).
  const cors = browserCors(config);
  const limitPublic = rateLimit(publicLimit);
  const limitPractitioner = rateLimit(practitionerLimit);
  app.use((req, res, next) => {
    // Case-insensitive, like Express's own route matching: /V1/LOBBY/join must not slip past the limits.
    const prefix = BROWSER_PREFIX.exec(req.path)?.[1]?.toLowerCase();
    if (!prefix) return next();
    const limit = prefix === 'lobby' ? limitPublic : limitPractitioner;
    cors(req, res, (error?: unknown) => (error ? next(error) : limit(req, res, next)));
  });

  const integratorLimit = shared.counter('integrator', config.rateLimits.integratorPerMinute, 60_000);
  const limitIntegrator = rateLimit(integratorLimit, integratorKey(config));
  app.use((req, res, next) => (INTEGRATOR_PREFIX.test(req.path) ? limitIntegrator(req, res, next) : next()));

  const json = express.json({ limit: '16kb' });
  // The webhook and upload routes read their raw bodies themselves (signature over exact bytes; files).
  app.use((req, res, next) => (/^\/v1\/(webhooks|rooms)\//.test(req.path) ? next() : json(req, res, next)));

  const routes = new RouteRegistry(app);
  // The patient routes first: the busiest path (a burst of joins) then matches at its first try.
  const connectionTests = new ConnectionTests(
    ctx,
    shared.counter('connection-tests', CONNECTION_TESTS_PER_TICKET, CONNECTION_TEST_WINDOW_MS),
  );
  lobbyRoutes(routes, ctx, lobby, streams, connectionTests);
  consultationRoutes(routes, ctx, consultations, (tenant, id) => practices.requirePractice(tenant, id));
  practitionerRoutes(routes, ctx, lobby, consultations, streams);
  tokenRoutes(routes, ctx, consultations);
  practiceRoutes(routes, ctx, practices, streams);
  statsRoutes(routes, ctx);
  const integrations = startIntegrations(config, store, routes, {
    ...deps,
    // Over Redis when configured: a change made on one instance applies on all of them at once.
    tenantHints: deps.tenantHints ?? shared.hints?.('tenants'),
    now,
    log,
    emitter: ctx.webhooks,
  });
  practices.usePractices(integrations.practices);
  webhookRoutes(routes, webhooks);
  if (ctx.uploads) uploadRoutes(routes, uploadOptions(ctx, ctx.uploads));
  routes.add(
    {
      method: 'get',
      path: '/v1/openapi.json',
      summary: 'This document',
      auth: 'none',
      tags: ['meta'],
      responses: { 200: { description: 'OpenAPI 3.1 document' } },
    },
    (_req, res) => {
      res.json(openApi);
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/v1/health',
      summary: 'Liveness: the process answers HTTP (nothing about its dependencies)',
      auth: 'none',
      tags: ['meta'],
      responses: { 200: { description: 'Alive', schema: healthBody } },
    },
    (_req, res) => {
      res.json({ status: 'ok' });
    },
  );
  sdkRoutes(routes, sdk);
  opsRoutes(routes, ctx, ops, () => streams.size);
  const openApi = buildOpenApi(routes.docs, API_VERSION, {
    rateLimited: (path) => BROWSER_PREFIX.test(path) || INTEGRATOR_PREFIX.test(path),
  });

  routes.refuseOtherMethods();
  app.use(notFound);
  app.use(errorHandler(log));

  let sweeping: Promise<SweepResult> | undefined;
  const runSweep = (): Promise<SweepResult> => {
    sweeping ??= sweep(ctx, consultations, lobby).finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };
  const sweepInBackground = (): void => void runSweep().catch((err: unknown) => log(`sweep failed: ${(err as Error).message}`));
  const timer = config.sweepIntervalSeconds > 0 ? setInterval(sweepInBackground, config.sweepIntervalSeconds * 1000) : undefined;
  timer?.unref();
  // Once at start too: what ended while this server was down is cleaned up without waiting an interval.
  const firstSweep = config.sweepIntervalSeconds > 0 ? setTimeout(sweepInBackground, 1000) : undefined;
  firstSweep?.unref();

  return {
    app,
    store,
    routes: routes.docs,
    tenantsReady: integrations.ready,
    sweep: runSweep,
    logger: ops.logger,
    get metricsApp() {
      return ops.metricsApp;
    },
    drain() {
      ops.draining = true;
      streams.closeAll();
    },
    ready: (ms) => shared.ready?.(ms) ?? Promise.resolve(true),
    async close() {
      await integrations.close();
      practices.close();
      lobby.departures.close();
      if (timer) clearInterval(timer);
      if (firstSweep) clearTimeout(firstSweep);
      await sweeping?.catch(() => undefined);
      streams.closeAll();
      if (ownsShared) await shared.close();
      if (ownsMailer) ctx.mailer?.close?.();
      if (ownsStore) await store.close();
    },
  };
}

/** Uploads check the store too: the service alone knows only the ends it saw itself. */
function uploadOptions(ctx: AppContext, service: UploadService): UploadsRouterOptions {
  const room = async (name: string) => (name.startsWith('vc-') ? ctx.store.getConsultation(name.slice(3)) : undefined);
  return {
    service,
    livekit: { apiKey: ctx.config.livekit.apiKey, apiSecret: ctx.config.livekit.apiSecret },
    isRoomActive: async (name) => {
      const c = await room(name);
      return c !== undefined && c.roomName === name && c.status !== 'ended';
    },
    // A declined or departed patient's grant lives on for its TTL; the revoked identity closes the files now.
    isParticipantAllowed: async (name, identity) => {
      const c = await room(name);
      return c !== undefined && (await ctx.store.isIdentityAllowed(c.id, identity));
    },
  };
}

/** PostgreSQL when `database.url` is set (several instances), otherwise the SQLite file at `database.path`. */
function openStore(database: Config['database']): Store {
  return database.url ? new PostgresStore({ ...database, url: database.url }) : new SqliteStore(database.path);
}

const healthBody = z.object({ status: z.literal('ok') });

/** Closes a listening server, including idle keep-alive and event-stream connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
