/**
 * Tenant administration and outgoing webhooks with two token-server instances on one real PostgreSQL and one real
 * Redis, as in production. The periodic re-read of the tenants is off (tenantRefreshMs: 0), so a change can reach
 * the other instance only through the Redis hint; no SFU is needed (the room service is a fake).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startPostgres, type RunningPostgres } from '../../../scripts/postgres.mjs';
import { startRedis, type RunningRedis } from '../../../scripts/redis.mjs';
import { closeServer, createApp, type AppDeps, type VideoconsultApp } from '../../../server/app.js';
import { parseConfig, type ConfigInput } from '../../../server/config.js';
import { newWebhookSecret } from '../../../server/outbox/signing.js';
import { call, sha256 } from '../helpers.js';
import { fakeRooms } from '../local-app.js';

interface Instance {
  base: string;
  server: VideoconsultApp;
  stop(): Promise<void>;
}

/** Retries a few hundred milliseconds apart instead of minutes to hours. */
const SHORT_SCHEDULE = [300, 300, 300, 300, 300, 300];

describe('admin + webhooks on two instances (PostgreSQL + Redis)', () => {
  let redis: RunningRedis;
  let pg: RunningPostgres;
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  const acmeKey = `acme_${randomBytes(16).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const running: Instance[] = [];
  /** A key of tenant globex, made through the admin API by the first test (so only the store knows it). */
  let globexKey = '';

  async function start(deps: AppDeps = {}): Promise<Instance> {
    const input: ConfigInput = {
      livekit: { url: 'ws://127.0.0.1:9', apiKey: 'devkey', apiSecret: 'x'.repeat(32) },
      database: { url: pg.url, connectTimeoutSeconds: 2, statementTimeoutMs: 3000 },
      redis: { url: redis.url },
      secret,
      tenants: [{ id: 'acme', name: 'Acme Health', apiKeySha256: [sha256(acmeKey)], allowedOrigins: ['https://acme.example'] }],
      admin: { apiKeySha256: [sha256(adminKey)] },
      sweepIntervalSeconds: 0,
      rateLimits: { lobbyPerMinute: 1000, practitionerPerMinute: 10_000, integratorPerMinute: 10_000 },
    };
    const server = createApp(parseConfig(input), {
      rooms: fakeRooms,
      log: () => undefined,
      tenantRefreshMs: 0,
      ...deps,
      webhookWorker: { schedule: SHORT_SCHEDULE, pollMs: 100, ...deps.webhookWorker },
    });
    assert.ok(await server.ready(5000), 'reached Redis');
    await server.tenantsReady;
    const http: Server = await new Promise((resolve) => {
      const s = server.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const instance: Instance = {
      base: `http://127.0.0.1:${(http.address() as { port: number }).port}`,
      server,
      async stop() {
        running.splice(running.indexOf(instance), 1);
        await closeServer(http).catch(() => undefined);
        await server.close();
      },
    };
    running.push(instance);
    return instance;
  }

  before(async () => {
    [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  });
  after(async () => {
    for (const i of [...running]) await i.stop();
    await redis?.stop();
    await pg?.stop();
  });

  const listAs = async (i: Instance, key: string) => (await call(i, 'GET', '/v1/consultations', { auth: key })).status;
  /** Polls (bounded) until `i` answers `status` for `key`; returns how long that took. */
  async function untilStatus(i: Instance, key: string, status: number, withinMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      if ((await listAs(i, key)) === status) return Date.now() - started;
      assert.ok(Date.now() - started < withinMs, `still not ${status} after ${withinMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('a rotated key works at once on every instance; the old key stops after its grace period', async () => {
    const [a, b] = [await start(), await start()];
    const created = await call(a, 'POST', '/v1/admin/tenants', { auth: adminKey, body: { id: 'globex', name: 'Globex' } });
    assert.equal(created.status, 201);
    const firstKey = String(created.body.apiKey);
    const reachedB = await untilStatus(b, firstKey, 200, 500);

    const rotated = await call(b, 'POST', '/v1/admin/tenants/globex/api-keys', { auth: adminKey, body: { graceSeconds: 2 } });
    assert.equal(rotated.status, 201);
    const secondKey = String(rotated.body.apiKey);
    assert.equal(await listAs(b, secondKey), 200, 'on the instance that rotated: before the answer');
    const rotatedOnA = await untilStatus(a, secondKey, 200, 500);
    assert.deepEqual([await listAs(a, firstKey), await listAs(b, firstKey)], [200, 200], 'the old key works during its grace');
    const graceEnds = Date.parse(String(rotated.body.previousKeysValidUntil));
    await new Promise((r) => setTimeout(r, Math.max(0, graceEnds - Date.now()) + 200));
    assert.deepEqual([await listAs(a, firstKey), await listAs(b, firstKey)], [401, 401], 'the old key stopped on both');
    assert.deepEqual([await listAs(a, secondKey), await listAs(b, secondKey)], [200, 200]);
    globexKey = secondKey;

    // Origins too, through the same hint.
    const origins = await call(a, 'POST', '/v1/admin/tenants/globex/allowed-origins', {
      auth: adminKey,
      body: { origins: ['https://globex.example'] },
    });
    assert.equal(origins.status, 200);
    const started = Date.now();
    for (;;) {
      const preflight = await fetch(`${b.base}/v1/lobby/join`, {
        method: 'OPTIONS',
        headers: { origin: 'https://globex.example', 'access-control-request-method': 'POST' },
      });
      if (preflight.headers.get('access-control-allow-origin') === 'https://globex.example') break;
      assert.ok(Date.now() - started < 500, 'the new origin reached the other instance');
      await new Promise((r) => setTimeout(r, 10));
    }
    console.log(`# hint latency: new tenant ${reachedB} ms, rotated key ${rotatedOnA} ms, origin ${Date.now() - started} ms`);
    await a.stop();
    await b.stop();
  });

  it('each event is delivered once with two instances; a receiver failing three times gets it once; a restart mid-retries loses nothing', async () => {
    const hookSecret = newWebhookSecret();
    const verifier = new Webhook(hookSecret);
    const accepted: string[] = [];
    let failFor = '';
    let failures = 0;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const event = verifier.verify(body, req.headers as Record<string, string>) as { type: string; data: { consultationId: string } };
        if (event.data.consultationId === failFor && failures < 3) {
          failures++;
          res.writeHead(503).end();
          return;
        }
        accepted.push(`${String(req.headers['webhook-id'])} ${event.type} ${event.data.consultationId}`);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
    try {
      const [a, b] = [await start(), await start()];
      const endpoint = await call(a, 'POST', '/v1/admin/tenants/acme/webhook-endpoints', {
        auth: adminKey,
        body: { url, secrets: [hookSecret] },
      });
      assert.equal(endpoint.status, 201);

      // 20 consultations created and ended, alternately on each instance: 40 events, each delivered once.
      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: 20 }, async (_, n) => {
          const on = n % 2 ? a : b;
          const created = await call(on, 'POST', '/v1/consultations', { auth: acmeKey, body: {} });
          assert.equal(created.status, 201);
          ids.push(String(created.body.id));
          assert.equal(
            (await call(n % 3 ? a : b, 'POST', `/v1/consultations/${created.body.id}/end`, { auth: acmeKey, body: {} })).status,
            200,
          );
        }),
      );
      const deadline = Date.now() + 15_000;
      while (accepted.length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500)); // anything delivered twice would arrive meanwhile
      assert.equal(accepted.length, 40);
      assert.equal(new Set(accepted.map((line) => line.split(' ')[0])).size, 40, 'no event id twice');
      for (const id of ids) {
        assert.deepEqual(
          accepted.filter((line) => line.endsWith(` ${id}`)).map((line) => line.split(' ')[1]),
          ['consultation.created', 'consultation.ended'],
        );
      }

      await a.stop();
      await b.stop();

      // A receiver that fails three times, and a restart after the first failure: one instance alone makes the first
      // attempt (its next step is 400 ms away) and stops; the next one started makes the other three.
      accepted.length = 0;
      const c = await start({ webhookWorker: { schedule: [400, 5_000, 5_000, 5_000, 5_000, 5_000] } });
      const created = await call(c, 'POST', '/v1/consultations', { auth: acmeKey, body: {} });
      failFor = String(created.body.id);
      const firstFailure = Date.now() + 5_000;
      while (failures < 1 && Date.now() < firstFailure) await new Promise((r) => setTimeout(r, 20));
      assert.equal(failures, 1, 'the first attempt failed');
      await c.stop();
      const d = await start();
      const retried = Date.now() + 15_000;
      while (accepted.length < 1 && Date.now() < retried) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1000)); // a second delivery would arrive meanwhile
      assert.equal(failures, 3);
      assert.deepEqual(
        accepted.map((line) => line.split(' ').slice(1).join(' ')),
        [`consultation.created ${failFor}`],
        'delivered exactly once, after three failures, across the restart',
      );
      const log = await call<{ items: { eventId: string; attempt: number; outcome: string; status?: number }[] }>(
        d,
        'GET',
        '/v1/webhook-deliveries',
        { auth: acmeKey },
      );
      const eventId = accepted[0]!.split(' ')[0];
      assert.deepEqual(
        log.body.items.filter((l) => l.eventId === eventId).map((l) => [l.attempt, l.outcome, l.status]),
        [
          [1, 'retrying', 503],
          [2, 'retrying', 503],
          [3, 'retrying', 503],
          [4, 'delivered', 204],
        ],
      );
      await d.stop();
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });

  it('an instance started while PostgreSQL is down reads the tenants once it is back', async () => {
    assert.ok(globexKey, 'the first test made a tenant');
    await pg.kill();
    try {
      const c = await start();
      assert.equal(await listAs(c, globexKey), 401, "only the config file's tenants are known while the store is down");
      await pg.restart();
      const took = await untilStatus(c, globexKey, 200, 15_000);
      console.log(`# tenants read ${took} ms after PostgreSQL came back`);
      await c.stop();
    } finally {
      if (!(await pg.psql('SELECT 1').catch(() => ''))) await pg.restart();
    }
  });
});
