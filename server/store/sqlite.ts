import { chmodSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SqliteOps } from './sqlite-ops.js';
import { STORE_OPS, type Store, type StoreOps } from './store.js';

/**
 * Copies committed WAL frames back into the database file, on a thread of its own with its own connection.
 * Left to the writing connection, every thousandth page committed made one request's commit also copy the
 * WAL and fsync (a fifth of a lobby join's store time). PASSIVE never blocks the writer or readers.
 */
const CHECKPOINTER = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* the next round tries again */ }
}, workerData.intervalMs);
`;
const CHECKPOINT_INTERVAL_MS = 200;
/** The writer still checkpoints itself past this many WAL pages (16 MiB), should the thread fall behind. */
const WAL_BACKSTOP_PAGES = 4000;

/** Gives StoreOps's async shape to synchronous calls, each run through `run`. */
function asyncView(ops: SqliteOps, run: <T>(call: () => T) => Promise<T>): StoreOps {
  const view: Record<string, unknown> = {};
  for (const name of STORE_OPS) {
    const method = ops[name] as (...args: unknown[]) => unknown;
    view[name] = (...args: unknown[]) => run(() => method.apply(ops, args));
  }
  return view as unknown as StoreOps;
}

const settle = <T>(call: () => T): Promise<T> => {
  try {
    return Promise.resolve(call());
  } catch (err) {
    return Promise.reject(err as Error);
  }
};

/** Lets the class declare StoreOps's methods, which the constructor installs from asyncView. */
const AsyncStoreOps = class {} as new () => StoreOps;

/**
 * The embedded default store. `path` may be ':memory:' (tests).
 *
 * better-sqlite3 is synchronous, so a call answers at once. The one connection is shared, so while a
 * `transaction` is open (its work may await between statements) every other call waits for it: otherwise it
 * would run inside that transaction, seeing and joining its uncommitted writes.
 */
export class SqliteStore extends AsyncStoreOps implements Store {
  readonly db: Database.Database;
  private readonly ops: SqliteOps;
  private readonly checkpointer: Worker | undefined;
  /** A transaction holds the connection; `waiting` runs, in order, once it commits or rolls back. */
  private held = false;
  private readonly waiting: (() => void)[] = [];
  readonly groupCommitSize = 256;
  /** What a transaction's work calls: straight onto the connection, inside the open transaction. */
  private readonly inTransaction: StoreOps;

  constructor(path: string) {
    super();
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    // Owner-only: SQLite gives the -wal and -shm files the same permissions as the database file.
    if (path !== ':memory:') chmodSync(path, 0o600);
    this.db.pragma('journal_mode = WAL');
    // With WAL, NORMAL never corrupts the database; a power cut may lose the last commits (a patient
    // re-enters their code), but no fsync per request keeps joins fast (bench: lobby join).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // Deleted rows (codes, names) must not linger in free pages of the file.
    this.db.pragma('secure_delete = ON');
    this.ops = new SqliteOps(this.db);
    this.ops.migrate();
    if (path !== ':memory:') {
      this.db.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
      this.checkpointer = new Worker(CHECKPOINTER, {
        eval: true,
        workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3'), intervalMs: CHECKPOINT_INTERVAL_MS },
      });
      // Should the thread die, the writer's own checkpoints (the backstop above) keep the WAL bounded.
      this.checkpointer.on('error', (error: Error) => {
        console.warn(`[videoconsult] the WAL checkpoint thread stopped (${error.message}); the writer checkpoints by itself from now on`);
      });
      this.checkpointer.unref();
    }
    Object.assign(
      this,
      asyncView(this.ops, (call) => this.run(call)),
    );
    this.inTransaction = asyncView(this.ops, settle);
  }

  private run<T>(call: () => T): Promise<T> {
    if (!this.held) return settle(call);
    return new Promise<T>((resolve, reject) => this.waiting.push(() => settle(call).then(resolve, reject)));
  }

  private acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) =>
      this.waiting.push(() => {
        this.held = true;
        resolve();
      }),
    );
  }

  private release(): void {
    this.held = false;
    // Plain calls run at once; the next transaction takes the connection and the rest waits for it again.
    while (!this.held && this.waiting.length) this.waiting.shift()?.();
  }

  /**
   * Runs synchronous work on the connection in its turn (never inside another caller's transaction), with no
   * await in between: for modules with tables of their own (server/store/sqlite-outbox.ts, sqlite-tenants.ts).
   */
  exclusive<T>(work: () => T): Promise<T> {
    return this.run(work);
  }

  async transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      this.db.exec('BEGIN');
      try {
        const result = await fn(this.inTransaction);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.release();
    }
  }

  close(): Promise<void> {
    void this.checkpointer?.terminate();
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
