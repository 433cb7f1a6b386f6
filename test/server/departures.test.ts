/**
 * Departures of waiting patients whose page closed (server/lobby/departures.ts): what may call one off, what a
 * change of status or consultation does to the mark, and the sweeper's part. SQLite, or PostgreSQL with
 * VC_TEST_DATABASE=postgres.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RETURN_CHECK_MS } from '../../server/lobby/departures.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { Store } from '../../server/store/store.js';
import { call, createConsultation, EventReader, issueCode, joinLobby, practitionerToken, sha256 } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

const GRACE_S = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Past a departure's grace period and the return check that follows it. */
const pastDeparture = () => sleep(GRACE_S * 1000 + RETURN_CHECK_MS + 700);

describe('departures: a closed page leaves, a present patient never does', () => {
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  let app: LocalApp;
  let roomA: string;
  let roomB: string;
  let practiceToken: string;
  const readers: EventReader[] = [];

  before(async () => {
    app = await startLocalApp({ admin: { apiKeySha256: [sha256(adminKey)] }, departureGraceSeconds: GRACE_S });
    await app.server.tenantsReady;
    const practice = await call(app, 'POST', '/v1/admin/tenants/acme/practices', { auth: adminKey, body: { name: 'North' } });
    assert.equal(practice.status, 201);
    const practiceId = String(practice.body.id);
    roomA = await createConsultation(app, app.keys.acme, { title: 'Dr A', practiceId });
    roomB = await createConsultation(app, app.keys.acme, { title: 'Dr B', practiceId });
    const token = await call(app, 'POST', `/v1/practices/${practiceId}/practitioner-tokens`, {
      auth: app.keys.acme,
      body: { consultationId: roomA, name: 'Dr A' },
    });
    assert.equal(token.status, 201, JSON.stringify(token.body));
    practiceToken = String(token.body.token);
  });
  after(async () => {
    for (const r of readers) r.close();
    await app?.stop();
  });

  const open = async (ticket: string) => {
    const reader = await EventReader.open(app, '/v1/lobby/events', ticket);
    readers.push(reader);
    return reader;
  };
  const closed = (ticket: string) => call(app, 'POST', '/v1/lobby/leave', { auth: ticket, body: { reason: 'page_closed' } });
  const transfer = async (ticketId: string, toConsultationId: string) => {
    const res = await call(app, 'POST', '/v1/practice/transfer', { auth: practiceToken, body: { ticketId, toConsultationId } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const entry = async (ticketId: string) => app.server.store.getLobbyEntry(ticketId);

  it('a patient admitted during the grace period, then transferred back to waiting, is not removed by the old mark', async () => {
    const pat = await joinLobby(app, await issueCode(app, app.keys.acme, roomA), 'Ann Admitted');
    assert.equal((await closed(pat.ticket)).status, 202);
    const admit = await call(app, 'POST', '/v1/practitioner/admit', {
      auth: await practitionerToken(app, app.keys.acme, roomA),
      body: { ticketId: pat.ticketId },
    });
    assert.equal(admit.status, 200);
    assert.equal((await entry(pat.ticketId))?.departingAt, null, 'admission clears the mark');
    await transfer(pat.ticketId, roomB);
    await pastDeparture();
    assert.equal((await app.server.sweep()).departed, 0);
    const now = await entry(pat.ticketId);
    assert.deepEqual([now?.status, now?.consultationId, now?.departingAt], ['waiting', roomB, null]);
  });

  it("a reload whose late leave is followed by a transfer keeps its place: the return check reaches the new consultation's stream", async () => {
    const pat = await joinLobby(app, await issueCode(app, app.keys.acme, roomA), 'Ben Reloaded');
    const stream = await open(pat.ticket); // the reloaded page
    assert.ok(await stream.next('queue'));
    assert.equal((await closed(pat.ticket)).status, 202); // the old page's leave, arriving late
    await transfer(pat.ticketId, roomB);
    assert.equal((await stream.next('transferred')).consultationId, roomB);
    assert.notEqual((await entry(pat.ticketId))?.departingAt, null, 'a waiting patient transferred keeps the mark of a closed page');
    await pastDeparture();
    const now = await entry(pat.ticketId);
    assert.deepEqual([now?.status, now?.departingAt], ['waiting', null]);
  });

  it('a transferred patient whose page closed still leaves', async () => {
    const pat = await joinLobby(app, await issueCode(app, app.keys.acme, roomA), 'Cy Gone');
    assert.equal((await closed(pat.ticket)).status, 202);
    await transfer(pat.ticketId, roomB);
    await pastDeparture();
    assert.equal((await entry(pat.ticketId))?.status, 'left');
  });

  it("a closing page's stream still open (a proxy holds it half-open) does not call its own departure off", async () => {
    const pat = await joinLobby(app, await issueCode(app, app.keys.acme, roomA), 'Di Ghost');
    const stream = await open(pat.ticket);
    assert.ok(await stream.next('queue'));
    await sleep(GRACE_S * 1000 + 300); // the page was open for a while before it closed
    assert.equal((await closed(pat.ticket)).status, 202);
    await pastDeparture();
    assert.equal((await entry(pat.ticketId))?.status, 'left', 'no ghost in the queue');
    assert.deepEqual(await stream.next('ended'), {});
  });

  it('the due-departure query uses its partial index', async () => {
    const store = app.server.store as Store;
    if (store instanceof SqliteStore) {
      const plan = store.db
        .prepare(
          "EXPLAIN QUERY PLAN SELECT * FROM lobby_entries WHERE status = 'waiting' AND departing_at IS NOT NULL AND departing_at <= ?",
        )
        .all(Date.now()) as { detail: string }[];
      assert.match(plan.map((p) => p.detail).join('; '), /INDEX lobby_entries_departing\b/);
    } else {
      assert.ok(store instanceof PostgresStore);
      const { rows } = await store.pool.query<{ indexdef: string }>(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'lobby_entries_departing'",
      );
      assert.match(rows[0]?.indexdef ?? '', /WHERE \(departing_at IS NOT NULL\)/);
    }
  });
});

describe('sweeper', () => {
  it('a store failure completing departures does not skip the rest of the sweep', async () => {
    const store = new SqliteStore(':memory:');
    const failing = new Proxy(store, {
      get: (target: Store, key) =>
        key === 'listLobbyDepartures' ? () => Promise.reject(new Error('departures unavailable')) : (Reflect.get(target, key) as unknown),
    });
    const broken = await startLocalApp({ staleAfterHours: 1 }, { store: failing });
    try {
      await broken.server.tenantsReady;
      const id = await createConsultation(broken, broken.keys.acme);
      // Created two hours ago: stale, so the sweep ends it.
      store.db.prepare('UPDATE consultations SET created_at = ? WHERE id = ?').run(Date.now() - 2 * 3_600_000, id);
      const result = await broken.server.sweep();
      assert.equal(result.ended, 1);
      assert.equal((await store.getConsultation(id))?.status, 'ended');
      assert.ok(broken.logs.some((l) => l.includes('departures unavailable')));
    } finally {
      await broken.stop();
      await store.close();
    }
  });
});
