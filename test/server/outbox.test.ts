import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, webhookSecret } from '../../server/outbox/signing.js';
import { DeliveryWorker, RETRY_SCHEDULE_MS, retryAfterMs } from '../../server/outbox/worker.js';
import type { OutboxStore } from '../../server/outbox/outbox.js';
import { PgOutbox } from '../../server/store/pg-outbox.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import { SqliteOutbox } from '../../server/store/sqlite-outbox.js';
import { startPostgres, type RunningPostgres } from '../../scripts/postgres.mjs';
import { freshDatabase } from './store-backends.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A webhook receiver on loopback whose answers the test scripts, one function call per request. */
async function receiver(
  answer: (req: Received, n: number) => { status: number; headers?: Record<string, string> } | 'hang' = () => ({ status: 204 }),
) {
  const requests: Received[] = [];
  const accepted: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got: Received = { headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(got);
      const a = answer(got, requests.length);
      if (a === 'hang') return;
      if (a.status >= 200 && a.status < 300) accepted.push(got.headers['webhook-id'] ?? '');
      res.writeHead(a.status, a.headers).end('receiver body, never stored');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    accepted,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Closed after each test even when it fails, so one failure does not hang the file. */
const cleanups: (() => void)[] = [];

/** One instance's view of a database: its store connection(s) and the outbox on them. */
interface Opened {
  outbox: OutboxStore;
  close(): Promise<void>;
}

/**
 * The two stores, each opened by name: the same name opens the same database again (another instance, or the
 * same one after a restart); PostgreSQL is a real server (scripts/postgres.mjs), a database per name.
 */
interface Backend {
  name: string;
  open(name: string): Promise<Opened>;
  stop(): Promise<void>;
}

function sqlite(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'vc-outbox-'));
  return {
    name: 'SQLite',
    open(name) {
      const store = new SqliteStore(join(dir, `${name}.sqlite`));
      return Promise.resolve({ outbox: new SqliteOutbox(store), close: () => store.close() });
    },
    stop() {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

function postgresql(): Backend {
  let server: Promise<RunningPostgres> | undefined;
  const urls = new Map<string, string>();
  return {
    name: 'PostgreSQL',
    async open(name) {
      server ??= startPostgres();
      const pg = await server;
      let url = urls.get(name);
      if (!url) urls.set(name, (url = await freshDatabase(pg)));
      const store = new PostgresStore({ url, poolSize: 4, connectTimeoutSeconds: 5, statementTimeoutMs: 5000 });
      await store.ready();
      return { outbox: new PgOutbox(store), close: () => store.close() };
    },
    async stop() {
      if (server) await (await server).stop();
    },
  };
}

let seq = 0;
/** Events are created "now" on the test's clock (else a frozen clock would never see them due). */
let eventClock: () => number = Date.now;
const event = (tenantId = 'acme', type = 'patient.waiting') => {
  const id = `evt_test${++seq}`;
  return {
    id,
    tenantId,
    type,
    createdAt: eventClock(),
    body: JSON.stringify({ type, timestamp: new Date().toISOString(), data: { consultationId: 'c1', ticketId: `t${seq}` } }),
  };
};

async function endpoint(outbox: OutboxStore, url: string, secrets = [newWebhookSecret()], tenantId = 'acme', id = `ep_${++seq}`) {
  await outbox.putWebhookEndpoint({ id, tenantId, url, secrets, createdAt: Date.now(), disabledAt: null, disabledReason: null });
  return { id, secrets };
}

/** A clock the test moves by hand: retries are hours apart. */
function clock(start = Date.now()) {
  let t = start;
  eventClock = () => t;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

for (const backend of [sqlite(), postgresql()])
  describe(`outgoing webhooks (${backend.name})`, () => {
    let n = 0;
    /** A database of this test's own, or `name`'s again. */
    const open = async (name = `db${++n}`): Promise<OutboxStore> => {
      const opened = await backend.open(name);
      cleanups.push(() => void opened.close());
      lastClose = opened.close;
      return opened.outbox;
    };
    let lastClose: () => Promise<void> = () => Promise.resolve();
    after(() => backend.stop());
    afterEach(() => {
      for (const fn of cleanups.splice(0)) fn();
    });

    it('signs per Standard Webhooks: the reference library verifies it with each secret of a rotation', async () => {
      eventClock = Date.now;
      const outbox = await open();
      const r = await receiver();
      const oldSecret = newWebhookSecret(24);
      const newSecret = newWebhookSecret(64);
      await endpoint(outbox, r.url, [newSecret, oldSecret]);
      const e = event();
      assert.equal(await outbox.enqueueWebhookEvent(e), 1);
      await new DeliveryWorker({ store: outbox, owner: 'a' }).drain();
      assert.equal(r.requests.length, 1);
      const got = r.requests[0]!;
      assert.equal(got.body, e.body);
      assert.equal(got.headers['webhook-id'], e.id);
      assert.equal(got.headers['webhook-signature']?.split(' ').length, 2);
      for (const secret of [oldSecret, newSecret]) {
        assert.deepEqual(new Webhook(secret).verify(got.body, got.headers), JSON.parse(e.body));
      }
      assert.throws(() => new Webhook(newWebhookSecret()).verify(got.body, got.headers), /No matching signature/);
      assert.throws(() => new Webhook(newSecret).verify(got.body.replace('t', 'T'), got.headers));
      // Our own secrets are what the spec allows, and the reference library accepts them as keys.
      assert.ok(webhookSecret.safeParse(newWebhookSecret()).success);
      assert.ok(!webhookSecret.safeParse('whsec_c2hvcnQ=').success);
      await r.close();
    });

    it('a receiver failing three times gets the event exactly once, after retries on the schedule', async () => {
      const outbox = await open();
      const r = await receiver((_req, n) => ({ status: n <= 3 ? 500 : 200 }));
      const c = clock();
      await endpoint(outbox, r.url);
      const e = event();
      await outbox.enqueueWebhookEvent(e);
      const worker = new DeliveryWorker({ store: outbox, owner: 'a', now: c.now });
      for (let i = 0; i < 3; i++) {
        assert.equal(await worker.runOnce(), 1, `attempt ${i + 1}`);
        assert.equal(await worker.runOnce(), 0, 'nothing is due before the next step of the schedule');
        c.advance(RETRY_SCHEDULE_MS[i]! - 1);
        assert.equal(await worker.runOnce(), 0);
        c.advance(1);
      }
      assert.equal(await worker.runOnce(), 1);
      c.advance(48 * 3600_000);
      assert.equal(await worker.drain(), 0, 'delivered: never sent again');
      assert.deepEqual(r.accepted, [e.id]);
      assert.equal(new Set(r.requests.map((q) => q.headers['webhook-id'])).size, 1, 'one id across retries (the idempotency key)');
      const log = await outbox.listWebhookDeliveries('acme', 0, c.now() + 1, 100);
      assert.deepEqual(
        log.map((l) => [l.attempt, l.outcome, l.status]),
        [
          [1, 'retrying', 500],
          [2, 'retrying', 500],
          [3, 'retrying', 500],
          [4, 'delivered', 200],
        ],
      );
      for (const l of log) {
        assert.deepEqual(Object.keys(l).sort(), [
          'at',
          'attempt',
          'durationMs',
          'endpointId',
          'error',
          'eventId',
          'nextAttemptAt',
          'outcome',
          'status',
          'tenantId',
          'type',
        ]);
      }
      await r.close();
    });

    it('gives up after the last step of the schedule', async () => {
      const outbox = await open();
      const r = await receiver(() => ({ status: 500 }));
      const c = clock();
      await endpoint(outbox, r.url);
      await outbox.enqueueWebhookEvent(event());
      const worker = new DeliveryWorker({ store: outbox, owner: 'a', now: c.now });
      for (let i = 0; i < 10; i++) {
        await worker.runOnce();
        c.advance(11 * 3600_000);
      }
      assert.equal(r.requests.length, RETRY_SCHEDULE_MS.length + 1);
      const log = await outbox.listWebhookDeliveries('acme', 0, c.now(), 100);
      assert.equal(log.at(-1)?.outcome, 'failed');
      await r.close();
    });

    it('a restart in the middle of the retries loses nothing (nor does a crash holding a lease)', async () => {
      const name = `restart${++n}`;
      const r = await receiver((_req, n) => ({ status: n <= 2 ? 503 : 200 }));
      const c = clock();
      let outbox = await open(name);
      await endpoint(outbox, r.url);
      const first = event();
      const second = event();
      await outbox.enqueueWebhookEvent(first);
      const worker = new DeliveryWorker({ store: outbox, owner: 'before-restart', now: c.now, batch: 1 });
      assert.equal(await worker.runOnce(), 1);
      c.advance(RETRY_SCHEDULE_MS[0]!);
      assert.equal(await worker.runOnce(), 1);
      await outbox.enqueueWebhookEvent(second);
      // The second event is claimed and then the process dies before attempting it.
      assert.equal((await outbox.claimWebhookDeliveries('crashed', c.now(), 600_000, 1)).length, 1);
      await lastClose();

      outbox = await open(name);
      const restarted = new DeliveryWorker({ store: outbox, owner: 'after-restart', now: c.now, leaseMs: 60_000 });
      c.advance(RETRY_SCHEDULE_MS[1]!);
      assert.equal(await restarted.drain(), 1, 'the first event is due again; the second is still leased to the dead instance');
      c.advance(300_000);
      assert.equal(await restarted.drain(), 1, 'the lapsed lease lets the second go');
      assert.deepEqual(r.accepted.sort(), [first.id, second.id].sort());
      await r.close();
    });

    it('two instances on one database deliver each event once', async () => {
      eventClock = Date.now;
      const name = `two${++n}`;
      const r = await receiver(() => ({ status: 200 }));
      const outboxA = await open(name);
      const outboxB = await open(name);
      await endpoint(outboxA, r.url);
      await endpoint(outboxA, r.url);
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        const e = event();
        ids.push(e.id, e.id);
        await (i % 2 ? outboxA : outboxB).enqueueWebhookEvent(e);
      }
      const workers = [
        new DeliveryWorker({ store: outboxA, owner: 'a', batch: 4 }),
        new DeliveryWorker({ store: outboxB, owner: 'b', batch: 4 }),
      ];
      const counts = await Promise.all(workers.map((w) => w.drain()));
      assert.ok(
        counts.every((n) => n > 0),
        `both instances took part: ${counts.join(', ')}`,
      );
      assert.equal(r.requests.length, 120);
      assert.deepEqual([...r.accepted].sort(), ids.sort(), 'every (event, endpoint) once');
      await r.close();
    });

    it('410 disables the endpoint; Retry-After is honoured; a hanging receiver times out', async () => {
      const outbox = await open();
      const c = clock();
      const gone = await receiver(() => ({ status: 410 }));
      const busy = await receiver(() => ({ status: 429, headers: { 'retry-after': '120' } }));
      const hanging = await receiver(() => 'hang');
      const goneEp = await endpoint(outbox, gone.url, undefined, 'gone');
      await endpoint(outbox, busy.url, undefined, 'busy');
      await endpoint(outbox, hanging.url, undefined, 'hanging');
      for (const tenant of ['gone', 'busy', 'hanging']) await outbox.enqueueWebhookEvent(event(tenant));
      await outbox.enqueueWebhookEvent(event('gone'));
      const worker = new DeliveryWorker({ store: outbox, owner: 'a', now: c.now, timeoutMs: 300, batch: 1 });
      await worker.drain();

      const [disabled] = await outbox.listWebhookEndpoints('gone');
      assert.equal(disabled?.id, goneEp.id);
      assert.equal(disabled?.disabledReason, 'gone');
      assert.equal(gone.requests.length, 1, 'its other pending event is cancelled');
      assert.equal(await outbox.enqueueWebhookEvent(event('gone')), 0, 'nothing is queued for a disabled endpoint');

      const [busyLog] = await outbox.listWebhookDeliveries('busy', 0, c.now() + 1, 10);
      assert.equal(busyLog?.nextAttemptAt, busyLog!.at + 120_000);
      const [hangLog] = await outbox.listWebhookDeliveries('hanging', 0, c.now() + 1, 10);
      assert.deepEqual([hangLog?.outcome, hangLog?.error, hangLog?.status], ['retrying', 'timeout', null]);
      assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')), 60_000);
      assert.equal(retryAfterMs('soon', 0), undefined);
      for (const x of [gone, busy, hanging]) await x.close();
    });
  });
