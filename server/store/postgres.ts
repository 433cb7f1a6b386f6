/**
 * The PostgreSQL store, for several token-server instances sharing one database.
 *
 * Driver: `pg` (node-postgres) with its `pg.Pool`. The porsager `postgres` driver (3.4.9) used before threw an
 * uncaught `TypeError: Cannot read properties of null (reading 'write')` in its connection.js `nextWrite`, and an
 * unhandled CONNECTION_CLOSED, when a connection closed under it (porsager/postgres#1154, #1208, fixes unmerged):
 * a PostgreSQL restart could end the process. With `pg`, every place a lost connection surfaces is ours to
 * handle: the pool's 'error' event for idle clients (below), a listener on each checked-out client for the
 * length of a transaction (pg-query.ts), and rejected queries. Transactions run on one checked-out client
 * (BEGIN/COMMIT through `pool.query` could land on different connections). Nothing here uses LISTEN/NOTIFY: the
 * consultation bus across instances is Redis's.
 *
 * Failures of the database (down, unreachable, too slow) surface as StoreUnavailableError, answered 503
 * `store_unavailable`: connectionTimeoutMillis bounds connecting and waiting for a free client,
 * statement_timeout bounds a statement on the server and query_timeout the wait for its answer, and a guard on
 * our side bounds a whole call even when a connection hangs without an error.
 */
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { migrationsTableSql, pendingMigrations } from './migrations.js';
import { PgOps } from './pg-ops.js';
import { inTransaction, isUnavailable, rows, type Queryable } from './pg-query.js';
import { STORE_OPS, StoreUnavailableError, type Store, type StoreOps } from './store.js';

export { isUnavailable } from './pg-query.js';

/** Serialises migrations when several instances start at once (pg_advisory_xact_lock key). */
const MIGRATION_LOCK = 0x76_63_6d_69; // "vcmi"
/** How long one migration may wait for its answer (pg's query_timeout for it, instead of the request limit). */
const MIGRATION_TIMEOUT_MS = 15 * 60_000;

function unavailable(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
  return new StoreUnavailableError(`PostgreSQL is unavailable: ${(err as Error).message}`, { cause: err });
}

/** Lets the class declare StoreOps's methods, which the constructor installs. */
const AsyncStoreOps = class {} as new () => StoreOps;

export class PostgresStore extends AsyncStoreOps implements Store {
  readonly pool: pg.Pool;
  readonly groupCommitSize: number;
  private migrated: Promise<void> | undefined;
  /** Longest a call may take before we answer without it (the connection may hang without an error). */
  private readonly guardMs: number;
  /** When an idle connection was last reported lost: one line per outage, not one per pooled connection. */
  private lastIdleError = 0;

  constructor(options: Pick<DatabaseConfig, 'poolSize' | 'connectTimeoutSeconds' | 'statementTimeoutMs'> & { url: string }) {
    super();
    const connectMs = options.connectTimeoutSeconds * 1000;
    this.guardMs = connectMs + options.statementTimeoutMs + 1000;
    this.groupCommitSize = options.poolSize;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: connectMs,
      idleTimeoutMillis: 60_000,
      statement_timeout: options.statementTimeoutMs,
      // A little longer than the server's own limit, which answers with a clear error (57014) first.
      query_timeout: options.statementTimeoutMs + 500,
      application_name: 'videoconsult',
      // A peer that vanished without closing (host down, network cut) is noticed instead of waited for.
      keepAlive: true,
    });
    // An idle client whose connection ends (PostgreSQL restarts) is removed by the pool, which then emits 'error':
    // without a listener that would end the process. The next call connects anew, or answers 503 while it cannot.
    this.pool.on('error', (err) => {
      if (Date.now() - this.lastIdleError < 10_000) return;
      this.lastIdleError = Date.now();
      console.warn(`[videoconsult] PostgreSQL closed an idle connection (${err.message}); new ones are opened as needed`);
    });
    const ops = new PgOps(this.pool, (fn) => inTransaction(this.pool, fn));
    const view: Record<string, unknown> = {};
    for (const name of STORE_OPS) {
      const method = ops[name] as (...args: unknown[]) => Promise<unknown>;
      view[name] = (...args: unknown[]) => this.guard(() => method.apply(ops, args));
    }
    Object.assign(this, view);
  }

  /**
   * Applies pending migrations once, before the first call (createApp is synchronous). A failure (database
   * down at start) is not remembered: the next call tries again, so the server recovers by itself.
   */
  private migrate(): Promise<void> {
    this.migrated ??= inTransaction(this.pool, async (client) => {
      await client.query({ text: 'SELECT pg_advisory_xact_lock($1)', values: [MIGRATION_LOCK] });
      // Not the limits of a request: an index built on a large table may take minutes, and a migration cut short
      // would fail again at every start. Calls waiting for it meanwhile are answered 503 by their own guard.
      await client.query({ text: 'SET LOCAL statement_timeout = 0' });
      await client.query({ text: migrationsTableSql('postgres') });
      const applied = (await rows(client, 'SELECT version FROM migrations')).map((r) => Number(r.version));
      for (const m of pendingMigrations('postgres', applied)) {
        // Without parameters `pg` sends the text as one simple query, which may hold several statements.
        // `query_timeout` per query is read by pg (client.js) but missing from @types/pg's QueryConfig.
        const migration: pg.QueryConfig & { query_timeout: number } = { text: m.sql, query_timeout: MIGRATION_TIMEOUT_MS };
        await client.query(migration);
        await client.query({ text: 'INSERT INTO migrations (version, applied_at) VALUES ($1, $2)', values: [m.version, Date.now()] });
      }
    }).catch((err: unknown) => {
      this.migrated = undefined;
      throw err;
    });
    return this.migrated;
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`PostgreSQL did not answer within ${this.guardMs} ms`)), this.guardMs);
    });
    try {
      return await Promise.race([this.migrate().then(call), timeout]);
    } catch (err) {
      throw unavailable(err);
    } finally {
      clearTimeout(timer);
    }
  }

  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> {
    return this.guard(() => inTransaction(this.pool, (client) => fn(new PgOps(client, (work) => work(client)))));
  }

  /**
   * Runs SQL of a module with tables of its own (pg-outbox.ts, pg-tenants.ts) under the same rules as the
   * store's own calls: after the migrations, bounded in time, failures of the database as StoreUnavailableError.
   * `fn` gets the pool (one statement at a time); `atomically` gives one transaction's client instead.
   */
  query<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.guard(() => fn(this.pool));
  }

  atomically<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.guard(() => inTransaction(this.pool, fn));
  }

  /** Ready for calls: migrations applied. Optional (every call waits for it anyway); rejects while unreachable. */
  async ready(): Promise<void> {
    await this.guard(() => Promise.resolve());
  }

  async close(): Promise<void> {
    if (!this.pool.ending) await this.pool.end();
  }
}
