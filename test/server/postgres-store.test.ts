/**
 * The token server on PostgreSQL (a real server from Debian's binaries): selected by `database.url`, and a
 * database that is down or unreachable answers 503 `store_unavailable` in bounded time, never 500 or a hang;
 * once it is back, everything works again by itself and nothing committed is lost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPostgres, type RunningPostgres } from '../../scripts/postgres.mjs';
import { freePort } from '../../scripts/livekit.mjs';
import { ConfigError, parseConfig } from '../../server/config.js';
import { migrations, pendingMigrations } from '../../server/store/migrations.js';
import { rows } from '../../server/store/pg-query.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { StoreUnavailableError } from '../../server/store/store.js';
import { minimalConfig, startLocalApp, type LocalApp } from './local-app.js';
import { freshDatabase } from './store-backends.js';

/** Tight limits, for the outage tests' bounded answers; the machine may be slow to connect under load, hence `ready`. */
const timeouts = { connectTimeoutSeconds: 1, statementTimeoutMs: 1000 };
const defaults = { connectTimeoutSeconds: 5, statementTimeoutMs: 5000 };

/** Retries `ready()` (a connection may time out on a loaded machine before the test starts); then it is up. */
async function ready(store: unknown): Promise<void> {
  assert.ok(store instanceof PostgresStore);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await store.ready();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function post(
  app: LocalApp,
  path: string,
  body: unknown,
): Promise<{ status: number; body: { error?: { code: string }; id?: string } }> {
  const res = await fetch(`${app.base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${app.keys.acme}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string }; id?: string } };
}

async function get(app: LocalApp, path: string): Promise<{ status: number; body: { error?: { code: string }; status?: string } }> {
  const res = await fetch(`${app.base}${path}`, { headers: { authorization: `Bearer ${app.keys.acme}` } });
  return { status: res.status, body: (await res.json()) as { error?: { code: string }; status?: string } };
}

describe('PostgreSQL store behind the API', () => {
  let pg: RunningPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  it('is selected by database.url; migrations run by themselves at the first request', async () => {
    const url = await freshDatabase(pg);
    const app = await startLocalApp({ database: { url, ...defaults } });
    try {
      assert.ok(app.server.store instanceof PostgresStore);
      const created = await post(app, '/v1/consultations', { title: 'On Postgres' });
      assert.equal(created.status, 201);
      const database = new URL(url).pathname.slice(1);
      assert.equal(await pg.psql(`SELECT title FROM consultations WHERE id = '${created.body.id}'`, database), 'On Postgres');
      // Every SQLite migration has its PostgreSQL twin, and all of them ran.
      assert.equal(await pg.psql('SELECT MAX(version) FROM migrations', database), String(migrations.at(-1)?.version));
    } finally {
      await app.stop();
    }
  });

  it('answers 503 store_unavailable while the database is down, then recovers by itself without losing anything', async () => {
    const url = await freshDatabase(pg);
    const app = await startLocalApp({ database: { url, ...timeouts } });
    try {
      await ready(app.server.store);
      // Before the outage a loaded machine may still be slower than the tight limits: that is a 503 too, try again.
      let created = await post(app, '/v1/consultations', {});
      for (let tries = 1; created.status === 503 && tries < 20; tries++) {
        await new Promise((r) => setTimeout(r, 500));
        created = await post(app, '/v1/consultations', {});
      }
      assert.equal(created.status, 201, app.logs.join('\n'));
      await pg.kill();
      const started = Date.now();
      const down = await get(app, `/v1/consultations/${created.body.id}`);
      const waited = Date.now() - started;
      assert.equal(down.status, 503);
      assert.equal(down.body.error?.code, 'store_unavailable');
      assert.ok(waited < 5000, `answered after ${waited} ms`);
      assert.equal((await post(app, '/v1/consultations', {})).status, 503);
      await pg.restart();
      let back = await get(app, `/v1/consultations/${created.body.id}`);
      const deadline = Date.now() + 30_000;
      while (back.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        back = await get(app, `/v1/consultations/${created.body.id}`);
      }
      assert.equal(back.status, 200);
      assert.equal(back.body.status, 'scheduled');
      assert.ok(
        app.logs.some((line) => line.includes('PostgreSQL is unavailable')),
        'the outage is logged',
      );
    } finally {
      await app.stop();
    }
  });

  it('a crash under a transaction in flight and idle pooled connections fails those calls with StoreUnavailableError, never the process', async () => {
    const url = await freshDatabase(pg);
    const store = new PostgresStore({ url, poolSize: 4, connectTimeoutSeconds: 5, statementTimeoutMs: 2000 });
    // An 'error' event nobody listens to, or a throw from a driver's socket callback, would land here (and end
    // the process outside this test): the porsager driver's `nextWrite` TypeError did, about one restart in ten.
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    try {
      await ready(store);
      // Four connections at once: the pool keeps them open and idle afterwards.
      await Promise.all([1, 2, 3, 4].map(() => store.query((q) => rows(q, 'SELECT pg_sleep(0.05)'))));
      // Settled into a value at once: the rejection arrives while kill() is still under way.
      const inFlight = store
        .atomically(async (q) => {
          await rows(q, "INSERT INTO webhook_events (id, received_at) VALUES ('lost', 1)");
          await rows(q, 'SELECT pg_sleep(1)');
        })
        .then(
          () => 'committed',
          (err: unknown) => err,
        );
      await new Promise((r) => setTimeout(r, 200));
      await pg.kill();
      assert.ok((await inFlight) instanceof StoreUnavailableError, 'the transaction in flight fails as unavailable');
      await assert.rejects(store.getConsultation('x'), StoreUnavailableError);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(uncaught, []);
      await pg.restart();
      const deadline = Date.now() + 30_000;
      let recorded: boolean | undefined;
      while (recorded === undefined && Date.now() < deadline) {
        recorded = await store.recordWebhookEvent('after', 2).catch(() => undefined);
        if (recorded === undefined) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(recorded, true, 'works again once PostgreSQL is back');
      assert.equal(await store.recordWebhookEvent('lost', 3), true, 'the transaction cut short was rolled back');
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
      await store.close();
    }
  });

  it('upgrades a database that applied only the first migration, each pending one once', async () => {
    const url = await freshDatabase(pg);
    const database = new URL(url).pathname.slice(1);
    await pg.psql('CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)', database);
    await pg.psql(pendingMigrations('postgres', [])[0]!.sql, database);
    await pg.psql('INSERT INTO migrations VALUES (1, 0)', database);
    const store = new PostgresStore({ url, poolSize: 2, ...defaults });
    try {
      await store.ready();
      assert.equal(
        await pg.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM migrations", database),
        migrations.map((m) => m.version).join(','),
      );
      assert.equal(
        await pg.psql(
          "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'lobby_entries' AND column_name = 'rated'",
          database,
        ),
        '1',
      );
    } finally {
      await store.close();
    }
    const again = new PostgresStore({ url, poolSize: 2, ...defaults });
    await again.ready(); // applies nothing: a second run would fail on the existing tables
    await again.close();
  });

  it('answers 503 when the database is unreachable from the start (nothing listens), in bounded time', async () => {
    const port = await freePort();
    const app = await startLocalApp({ database: { url: `postgres://videoconsult:x@127.0.0.1:${port}/videoconsult`, ...timeouts } });
    try {
      const started = Date.now();
      const reply = await post(app, '/v1/consultations', {});
      assert.equal(reply.status, 503);
      assert.equal(reply.body.error?.code, 'store_unavailable');
      assert.ok(Date.now() - started < 5000);
    } finally {
      await app.stop();
    }
  });
});

describe('database config', () => {
  it('refuses a URL that is not PostgreSQL, naming the key', () => {
    assert.throws(
      () => parseConfig({ ...minimalConfig, database: { url: 'mysql://x@127.0.0.1/db' } }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /database\.url: must be a PostgreSQL URL/);
        return true;
      },
    );
    assert.throws(() => parseConfig({ ...minimalConfig, database: { url: 'postgres://127.0.0.1/db', poolSize: 0 } }), /database\.poolSize/);
  });

  it('VC_DATABASE picks the store by its form: a postgres:// URL or a file path', async () => {
    const { loadConfig } = await import('../../server/config.js');
    const dir = mkdtempSync(join(tmpdir(), 'vc-dbconfig-'));
    try {
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ ...minimalConfig, database: { poolSize: 3 } }));
      const pgConfig = loadConfig({ VC_CONFIG: file, VC_DATABASE: 'postgres://u:p@127.0.0.1:5432/vc' });
      assert.equal(pgConfig.database.url, 'postgres://u:p@127.0.0.1:5432/vc');
      assert.equal(pgConfig.database.poolSize, 3, "the rest of the file's database settings stay");
      const sqliteConfig = loadConfig({ VC_CONFIG: file, VC_DATABASE: join(dir, 'x.sqlite') });
      assert.equal(sqliteConfig.database.url, undefined);
      assert.equal(sqliteConfig.database.path, join(dir, 'x.sqlite'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
