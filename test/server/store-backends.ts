/**
 * The store backends the store-level tests run against: one suite, each backend. PostgreSQL is a real server
 * (Debian's binaries via scripts/postgres.mjs), started once per test file; every store gets a database of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startPostgres, type RunningPostgres } from '../../scripts/postgres.mjs';
import { PostgresStore } from '../../server/store/postgres.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { Store } from '../../server/store/store.js';

export interface OpenStore {
  store: Store;
  /** The first column of the first row, read on a connection of its own (so it sees only what was committed). */
  committed(sql: string): Promise<string | null>;
  close(): Promise<void>;
}

export interface StoreBackend {
  name: 'SQLite' | 'PostgreSQL';
  /** A fresh, empty, migrated store. */
  open(): Promise<OpenStore>;
  /** Stops what open() started. */
  stop(): Promise<void>;
}

function sqliteBackend(): StoreBackend {
  const dir = mkdtempSync(join(tmpdir(), 'vc-store-backend-'));
  let n = 0;
  return {
    name: 'SQLite',
    open() {
      const path = join(dir, `s${n++}.sqlite`);
      const store = new SqliteStore(path);
      const reader = new Database(path, { readonly: true });
      return Promise.resolve({
        store,
        committed: (sql) => {
          const value = reader.prepare(sql).pluck().get();
          return Promise.resolve(value === null || value === undefined ? null : String(value));
        },
        async close() {
          reader.close();
          await store.close();
        },
      });
    },
    stop() {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

export async function freshDatabase(pg: RunningPostgres): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await pg.psql(`CREATE DATABASE ${name}`);
  const url = new URL(pg.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One server, started by the first open(); a database of its own per store. */
function postgresBackend(): StoreBackend {
  let server: Promise<RunningPostgres> | undefined;
  return {
    name: 'PostgreSQL',
    async open() {
      server ??= startPostgres();
      const pg = await server;
      const url = await freshDatabase(pg);
      const store = new PostgresStore({ url, poolSize: 4, connectTimeoutSeconds: 5, statementTimeoutMs: 5000 });
      await store.ready();
      const database = new URL(url).pathname.slice(1);
      return {
        store,
        committed: async (sql) => {
          const out = await pg.psql(sql, database);
          return out === '' ? null : out;
        },
        close: () => store.close(),
      };
    },
    async stop() {
      if (server) await (await server).stop();
    },
  };
}

/** Call each backend's stop() in an `after` hook. */
export const storeBackends = (): StoreBackend[] => [sqliteBackend(), postgresBackend()];
