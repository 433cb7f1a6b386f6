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
import { migrations } from '../../server/store/migrations.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { minimalConfig, startLocalApp, type LocalApp } from './local-app.js';
import { freshDatabase } from './store-backends.js';

const timeouts = { connectTimeoutSeconds: 1, statementTimeoutMs: 1000 };

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
    const app = await startLocalApp({ database: { url, ...timeouts } });
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
      const created = await post(app, '/v1/consultations', {});
      assert.equal(created.status, 201);
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
      const deadline = Date.now() + 10_000;
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
