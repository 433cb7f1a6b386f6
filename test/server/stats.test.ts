import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { SqliteStore } from '../../server/store/sqlite.js';
import { call, createConsultation, EventReader, issueCode, practitionerToken, signWebhook, startHarness, type Harness } from './helpers.js';

const DAY = 86_400_000;
let clock = Date.now();

async function webhook(h: Harness, kind: string, room: string, identity?: string): Promise<void> {
  const body = JSON.stringify({
    event: kind,
    id: `EV_${Math.random()}`,
    room: { name: room },
    ...(identity ? { participant: { identity } } : {}),
  });
  const res = await call(h, 'POST', '/v1/webhooks/livekit', {
    raw: body,
    headers: { authorization: await signWebhook(body, h.sfu.apiKey, h.sfu.apiSecret) },
  });
  assert.equal(res.status, 200);
}

describe('stats, audit log, sweeper and retention', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ retentionDays: 30, staleAfterHours: 12 });
    await h.restart({ now: () => clock });
  });
  after(async () => {
    await h?.stop();
  });
  const db = (): SqliteStore['db'] => (h.server.store as SqliteStore).db;

  it('records anonymous per-tenant stats and an audit log without names, codes or addresses', async () => {
    const id = await createConsultation(h, h.keys.acme, { title: 'Stats run' });
    const code = await issueCode(h, h.keys.acme, id, { alias: 'Alias Zebra' });
    const join = await call(h, 'POST', '/v1/lobby/join', {
      body: { code, name: 'Zelda Secretname' },
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)' },
    });
    const pt = await practitionerToken(h, h.keys.acme, id);
    await call(h, 'POST', '/v1/practitioner/message', { auth: pt, body: { ticketId: join.body.ticketId, text: 'Secret message text' } });
    await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: join.body.ticketId } });
    const patient = await call(h, 'POST', '/v1/lobby/grant', { auth: String(join.body.ticket) });
    const doctor = await call(h, 'POST', '/v1/practitioner/grant', {
      auth: pt,
      headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' },
    });
    await webhook(h, 'participant_joined', `vc-${id}`, String(doctor.body.identity));
    clock += 20 * 60_000;
    await webhook(h, 'participant_joined', `vc-${id}`, String(patient.body.identity));
    clock += 10 * 60_000;
    assert.equal((await call(h, 'POST', `/v1/consultations/${id}/end`, { auth: h.keys.acme, body: {} })).body.status, 'ended');

    const stats = await call<{ sessions: Record<string, unknown>[]; totals: Record<string, number> }>(h, 'GET', '/v1/stats', {
      auth: h.keys.acme,
    });
    assert.equal(stats.status, 200);
    assert.equal(stats.body.sessions.length, 1);
    const session = stats.body.sessions[0]!;
    assert.equal(session.participantCount, 2);
    assert.equal(session.durationSeconds, 30 * 60);
    assert.deepEqual(session.osFamilies, { windows: 1, ios: 1 });
    assert.deepEqual(Object.keys(session).sort(), ['durationSeconds', 'endedAt', 'osFamilies', 'participantCount', 'startedAt']);
    assert.deepEqual(stats.body.totals, { sessions: 1, durationSeconds: 1800, participants: 2 });
    assert.equal((await call<{ sessions: unknown[] }>(h, 'GET', '/v1/stats', { auth: h.keys.globex })).body.sessions.length, 0);

    const audit = await call<{ items: { actor: string; action: string; consultationId?: string }[] }>(h, 'GET', '/v1/audit', {
      auth: h.keys.acme,
    });
    const actions = audit.body.items.map((a) => `${a.actor}:${a.action}`);
    for (const expected of [
      'integrator:consultation.create',
      'integrator:access_code.issue',
      'integrator:practitioner_token.issue',
      'practitioner:patient.message',
      'practitioner:patient.admit',
      'practitioner:practitioner.grant',
      'integrator:consultation.end',
    ]) {
      assert.ok(actions.includes(expected), `audit lacks ${expected}: ${actions.join(', ')}`);
    }
    assert.ok(audit.body.items.every((a) => a.consultationId === id));
    assert.equal((await call<{ items: unknown[] }>(h, 'GET', '/v1/audit', { auth: h.keys.globex })).body.items.length, 0);

    // Nothing personal anywhere in the database file once the consultation is over.
    db().pragma('wal_checkpoint(TRUNCATE)');
    const file = readFileSync(h.config.database.path).toString('latin1');
    for (const secret of ['Zelda', 'Secretname', 'Secret message', code, '127.0.0.1', 'iPhone', 'Dr. Who']) {
      assert.ok(!file.includes(secret), `"${secret}" is still in the database file`);
    }
    assert.ok(!JSON.stringify(stats.body).includes(id), 'stats carry no consultation id');
  });

  it('the sweeper ends consultations a lost webhook left behind (room gone) and stale ones', async () => {
    const orphan = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, orphan);
    const doctor = await call(h, 'POST', '/v1/practitioner/grant', { auth: pt });
    await webhook(h, 'participant_joined', `vc-${orphan}`, String(doctor.body.identity));
    // The room "vanished" without a room_finished webhook: the SFU's room list no longer shows it.
    // (Deleting it for real would make the SFU send that webhook, and the test would prove nothing.)
    await h.restart({
      now: () => clock,
      rooms: {
        createRoom: (o) => h.rooms.createRoom(o),
        deleteRoom: (r) => h.rooms.deleteRoom(r),
        removeParticipant: (r, i) => h.rooms.removeParticipant(r, i),
        listRooms: async (names) => (await h.rooms.listRooms(names)).filter((r) => r.name !== `vc-${orphan}`),
      },
    });
    assert.equal((await call(h, 'GET', `/v1/consultations/${orphan}`, { auth: h.keys.acme })).body.status, 'active');
    const fresh = await createConsultation(h, h.keys.acme);
    const result = await h.server.sweep();
    assert.equal((await call(h, 'GET', `/v1/consultations/${orphan}`, { auth: h.keys.acme })).body.status, 'ended', 'orphan ended');
    assert.equal((await call(h, 'GET', `/v1/consultations/${fresh}`, { auth: h.keys.acme })).body.status, 'scheduled', 'fresh kept');
    assert.equal(result.ended, 1);

    clock += 13 * 3_600_000;
    await h.server.sweep();
    assert.equal((await call(h, 'GET', `/v1/consultations/${fresh}`, { auth: h.keys.acme })).body.status, 'ended');
  });

  it("the lobby estimates the wait from the tenant's recent admissions, once there are enough of them", async () => {
    const id = await createConsultation(h, h.keys.globex);
    const pt = await practitionerToken(h, h.keys.globex, id);
    const admitAfter = async (seconds: number): Promise<void> => {
      const p = await call(h, 'POST', '/v1/lobby/join', { body: { code: await issueCode(h, h.keys.globex, id), name: 'Q' } });
      clock += seconds * 1000;
      await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: p.body.ticketId } });
    };
    const probe = async (): Promise<Record<string, unknown>> => {
      const p = await call(h, 'POST', '/v1/lobby/join', { body: { code: await issueCode(h, h.keys.globex, id), name: 'Probe' } });
      const stream = await EventReader.open(h, '/v1/lobby/events', String(p.body.ticket));
      const queue = await stream.next('queue');
      stream.close();
      await call(h, 'POST', '/v1/lobby/leave', { auth: String(p.body.ticket) });
      return queue;
    };
    await admitAfter(100);
    await admitAfter(200);
    assert.deepEqual(await probe(), { position: 1 }, 'no estimate from two samples');
    await admitAfter(300);
    assert.deepEqual(await probe(), { position: 1, estimatedWaitSeconds: 200 });
    await call(h, 'POST', `/v1/consultations/${id}/end`, { auth: h.keys.globex });
  });

  it('retention deletes consultations, codes, lobby entries, stats, audit and webhook events older than retentionDays', async () => {
    const keep = await createConsultation(h, h.keys.globex);
    await issueCode(h, h.keys.globex, keep);
    const old = (cutoff: number): Record<string, number> => {
      const q = (sql: string): number => Number(db().prepare(sql).pluck().get(cutoff));
      return {
        consultations: q("SELECT COUNT(*) FROM consultations WHERE status = 'ended' AND ended_at < ?"),
        lobbyEntries: q('SELECT COUNT(*) FROM lobby_entries WHERE waiting_since < ?'),
        accessCodes: q('SELECT COUNT(*) FROM access_codes WHERE expires_at < ?'),
        stats: q('SELECT COUNT(*) FROM session_stats WHERE ended_at < ?'),
        audit: q('SELECT COUNT(*) FROM audit_log WHERE at < ?'),
        webhookEvents: q('SELECT COUNT(*) FROM webhook_events WHERE received_at < ?'),
      };
    };
    clock += 29 * DAY;
    await h.server.sweep();
    const stillThere = old(clock - 29 * DAY + 1);
    assert.ok(stillThere.stats > 0 && stillThere.audit > 0, 'nothing is deleted before the retention period');

    clock += 2 * DAY;
    const cutoff = clock - 30 * DAY;
    const before = old(cutoff);
    for (const [table, n] of Object.entries(before)) {
      if (table !== 'accessCodes') assert.ok(n > 0, `no old ${table} rows to delete: the test would prove nothing`);
    }
    const result = await h.server.sweep();
    assert.ok(result.retention.consultations >= 3);
    assert.deepEqual(old(cutoff), { consultations: 0, lobbyEntries: 0, accessCodes: 0, stats: 0, audit: 0, webhookEvents: 0 });
    // `keep` was 31 days old and still open: the same sweep ended it as stale, and it stays until its own retention.
    assert.deepEqual(db().prepare('SELECT id FROM consultations').pluck().all(), [keep]);
  });

  it('the sweeper removes from a live room whoever may no longer be there (when the participant_joined webhook was lost)', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const doctor = await call(h, 'POST', '/v1/practitioner/grant', { auth: pt });
    await webhook(h, 'participant_joined', `vc-${id}`, String(doctor.body.identity));
    // The SFU's participant list: the practitioner, and a declined patient back with the token the SFU gave it.
    const removed: string[] = [];
    await h.restart({
      now: () => clock,
      rooms: {
        createRoom: (o) => h.rooms.createRoom(o),
        deleteRoom: (r) => h.rooms.deleteRoom(r),
        removeParticipant: async (r, i) => void removed.push(`${r} ${i}`),
        listRooms: (names) => h.rooms.listRooms(names),
        listParticipants: async (room) =>
          room === `vc-${id}` ? [{ identity: String(doctor.body.identity) }, { identity: 'patient-declined' }] : [],
      },
    });
    await h.server.sweep();
    assert.deepEqual(removed, [`vc-${id} patient-declined`]);
    assert.equal((await call(h, 'GET', `/v1/consultations/${id}`, { auth: h.keys.acme })).body.status, 'active');
  });
});
