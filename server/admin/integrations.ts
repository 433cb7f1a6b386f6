import { EventEmitter } from 'node:events';
import type { Config } from '../config.js';
import { randomId } from '../crypto.js';
import type { OutboxStore } from '../outbox/outbox.js';
import type { WebhookEmitter } from '../outbox/emit.js';
import { outboxRoutes } from '../outbox/outbox.routes.js';
import { seedWebhookEndpoints } from '../outbox/seed-endpoints.js';
import { DeliveryWorker } from '../outbox/worker.js';
import type { RouteRegistry } from '../routing.js';
import { PgOutbox } from '../store/pg-outbox.js';
import { PgTenants } from '../store/pg-tenants.js';
import { PostgresStore } from '../store/postgres.js';
import { SqliteStore } from '../store/sqlite.js';
import { SqliteOutbox } from '../store/sqlite-outbox.js';
import { SqliteTenants } from '../store/sqlite-tenants.js';
import type { Store } from '../store/store.js';
import { adminRoutes } from './admin.routes.js';
import { TenantDirectory, type ChangeHints } from './tenant-directory.js';
import type { TenantStore } from './tenants.js';

export interface IntegrationDeps {
  /** "Tenants changed" hints between instances; in-process by default (one instance). */
  tenantHints?: ChangeHints;
  /** How often the tenants are re-read without a hint (ms; 0 = never). */
  tenantRefreshMs?: number;
  /** Options of the webhook delivery worker (tests: a clock, a short schedule). */
  webhookWorker?: Partial<ConstructorParameters<typeof DeliveryWorker>[0]>;
}

export interface Integrations {
  /** Resolves once the config's tenants are seeded and the store's tenants are read. */
  ready: Promise<void>;
  outbox: OutboxStore | undefined;
  worker: DeliveryWorker | undefined;
  directory: TenantDirectory | undefined;
  /** A tenant's practices (server/practice/ checks ids against them); undefined where the store keeps none. */
  practices: ((tenantId: string) => Promise<{ id: string }[]>) | undefined;
  close(): Promise<void>;
}

/** In one process, a hint is an event. */
export function localHints(): ChangeHints {
  const emitter = new EventEmitter();
  return {
    publish: () => emitter.emit('changed'),
    subscribe: (fn) => {
      emitter.on('changed', fn);
      return () => emitter.off('changed', fn);
    },
  };
}

/** The tenant and outbox tables of the stores we ship; a store of another kind (a test's wrapper) has none. */
function integrationTables(store: Store): { tenants: TenantStore; outbox: OutboxStore } | undefined {
  if (store instanceof SqliteStore) return { tenants: new SqliteTenants(store), outbox: new SqliteOutbox(store) };
  if (store instanceof PostgresStore) return { tenants: new PgTenants(store), outbox: new PgOutbox(store) };
  return undefined;
}

/** The admin API, the tenant directory and the webhook outbox with its delivery worker. */
export function startIntegrations(
  config: Config,
  store: Store,
  routes: RouteRegistry,
  options: IntegrationDeps & { now: () => number; log: (line: string) => void; emitter: WebhookEmitter },
): Integrations {
  const tables = integrationTables(store);
  if (!tables)
    return {
      ready: Promise.resolve(),
      outbox: undefined,
      worker: undefined,
      directory: undefined,
      practices: undefined,
      close: async () => undefined,
    };
  const { tenants, outbox } = tables;
  const directory = new TenantDirectory(config, tenants, {
    now: options.now,
    hints: options.tenantHints ?? localHints(),
    refreshMs: options.tenantRefreshMs,
    log: options.log,
  });
  const worker = new DeliveryWorker({
    store: outbox,
    owner: randomId('instance_', 9),
    now: options.now,
    log: options.log,
    // An emit wakes this instance's worker; the poll is for the other instances' events and for retries.
    pollMs: 2000,
    ...options.webhookWorker,
  });
  adminRoutes(routes, { config, tenants, directory, outbox, now: options.now });
  outboxRoutes(routes, config, outbox, options.now);
  // Before the directory replaces config.tenants with the store's (which know nothing of the config's endpoints).
  const configured = config.tenants;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  // A store that is down at start (PostgreSQL) must not leave this instance on the config's tenants for good.
  const startDirectory = async (): Promise<void> => {
    try {
      await seedWebhookEndpoints(outbox, configured, options.now());
      await directory.start();
    } catch (err) {
      options.log(`tenant directory failed to start (${(err as Error).message}); trying again in 5 s`);
      if (closed) return;
      retry = setTimeout(() => void startDirectory(), 5000);
      retry.unref();
    }
  };
  const ready = startDirectory();
  worker.start();
  options.emitter.onQueued = () => worker.wake();
  return {
    ready,
    outbox,
    worker,
    directory,
    practices: (tenantId) => tenants.listPractices(tenantId),
    async close() {
      closed = true;
      clearTimeout(retry);
      directory.stop();
      await worker.stop();
    },
  };
}
