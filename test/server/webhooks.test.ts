import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RoomService } from '../../server/app.js';
import type { SqliteStore } from '../../server/store/sqlite.js';
import { call, createConsultation, issueCode, joinLobby, practitionerToken, signWebhook, startHarness, type Harness } from './helpers.js';

let eventSeq = 0;

function event(kind: string, roomName: string, extra: Record<string, unknown> = {}): string {
  eventSeq++;
  return JSON.stringify({
    event: kind,
    id: `EV_test_${Date.now()}_${eventSeq}`,
    createdAt: String(Math.floor(Date.now() / 1000)),
    room: { name: roomName, sid: 'RM_x' },
    ...extra,
  });
}

async function post(h: Harness, body: string, secret = h.sfu.apiSecret): Promise<{ status: number; body: Record<string, unknown> }> {
  const auth = await signWebhook(body, h.sfu.apiKey, secret);
  return call(h, 'POST', '/v1/webhooks/livekit', {
    raw: body,
    headers: { authorization: auth, 'content-type': 'application/webhook+json' },
  });
}

describe('webhooks', () => {
  let h: Harness;
  const removed: { room: string; identity: string }[] = [];
  before(async () => {
    h = await startHarness();
    // The real RoomServiceClient, with removeParticipant observed (no real participant can join from Node).
    const spy = (rooms: RoomService): RoomService => ({
      createRoom: (o) => rooms.createRoom(o),
      deleteRoom: (r) => rooms.deleteRoom(r),
      listRooms: (n) => rooms.listRooms(n),
      removeParticipant: async (room, identity) => {
        removed.push({ room, identity });
        await rooms.removeParticipant(room, identity).catch(() => undefined);
      },
    });
    await h.restart({ rooms: spy(h.rooms) });
  });
  after(async () => {
    await h?.stop();
  });

  const db = (): SqliteStore['db'] => (h.server.store as SqliteStore).db;
  const count = (sql: string, ...args: unknown[]): number =>
    Number(
      (
        db()
          .prepare(sql)
          .get(...args) as { n: number }
      ).n,
    );

  it("accepts the real SFU's signed webhooks (room_started after creating a room)", async () => {
    const before = count('SELECT COUNT(*) AS n FROM webhook_events');
    await createConsultation(h, h.keys.acme);
    const deadline = Date.now() + 10_000;
    while (count('SELECT COUNT(*) AS n FROM webhook_events') === before) {
      assert.ok(Date.now() < deadline, 'no webhook from the SFU was accepted within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('refuses forged, tampered and unsigned webhooks with 401', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const body = event('room_finished', `vc-${id}`);
    const forged = await post(h, body, 'x'.repeat(40));
    assert.equal(forged.status, 401);
    assert.equal((forged.body.error as { code: string }).code, 'invalid_signature');
    const auth = await signWebhook(body, h.sfu.apiKey, h.sfu.apiSecret);
    const tampered = await call(h, 'POST', '/v1/webhooks/livekit', {
      raw: body.replace('room_finished', 'room_started'),
      headers: { authorization: auth },
    });
    assert.equal(tampered.status, 401);
    const unsigned = await call(h, 'POST', '/v1/webhooks/livekit', { raw: body });
    assert.equal(unsigned.status, 401);
  });

  it('applies a replayed webhook once', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const body = event('participant_joined', `vc-${id}`, { participant: { identity: 'intruder-1', sid: 'PA_1' } });
    const first = await post(h, body);
    assert.deepEqual(first.body, { result: 'applied' });
    const replay = await post(h, body);
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.body, { result: 'duplicate' });
    assert.equal(removed.filter((r) => r.identity === 'intruder-1').length, 1);
    assert.equal(count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'participant.remove_unknown' AND consultation_id = ?", id), 1);
  });

  it('removes a participant_joined identity that was never admitted (or was declined), keeps admitted ones', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const doctor = await call(h, 'POST', '/v1/practitioner/grant', { auth: pt });
    const p = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: p.ticketId } });
    const patient = await call(h, 'POST', '/v1/lobby/grant', { auth: p.ticket });
    const room = `vc-${id}`;
    await post(h, event('participant_joined', room, { participant: { identity: String(doctor.body.identity) } }));
    await post(h, event('participant_joined', room, { participant: { identity: String(patient.body.identity) } }));
    assert.ok(!removed.some((r) => r.room === room));
    assert.equal((await call(h, 'GET', `/v1/consultations/${id}`, { auth: h.keys.acme })).body.status, 'active');

    await call(h, 'POST', '/v1/practitioner/decline', { auth: pt, body: { ticketId: p.ticketId } });
    assert.ok(
      removed.some((r) => r.room === room && r.identity === patient.body.identity),
      'declining an admitted patient removes them',
    );
    removed.length = 0;
    await post(h, event('participant_joined', room, { participant: { identity: String(patient.body.identity) } }));
    assert.deepEqual(removed, [{ room, identity: patient.body.identity }], 'a declined identity rejoining is removed again');
  });

  it('room_finished ends an active consultation (stats recorded, key material gone); an unused room closing does not', async () => {
    const idle = await createConsultation(h, h.keys.acme);
    assert.deepEqual((await post(h, event('room_finished', `vc-${idle}`))).body, { result: 'ignored' });
    assert.equal((await call(h, 'GET', `/v1/consultations/${idle}`, { auth: h.keys.acme })).body.status, 'scheduled');

    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const doctor = await call(h, 'POST', '/v1/practitioner/grant', {
      auth: pt,
      headers: { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)' },
    });
    await post(h, event('participant_joined', `vc-${id}`, { participant: { identity: String(doctor.body.identity) } }));
    assert.notEqual(db().prepare('SELECT e2ee_key FROM consultations WHERE id = ?').pluck().get(id), null);
    const stats = count('SELECT COUNT(*) AS n FROM session_stats');
    assert.deepEqual((await post(h, event('room_finished', `vc-${id}`))).body, { result: 'applied' });
    const c = await call(h, 'GET', `/v1/consultations/${id}`, { auth: h.keys.acme });
    assert.equal(c.body.status, 'ended');
    assert.equal(count('SELECT COUNT(*) AS n FROM session_stats'), stats + 1);
    assert.equal(db().prepare('SELECT e2ee_key FROM consultations WHERE id = ?').pluck().get(id), null);
    assert.equal((await call(h, 'POST', '/v1/practitioner/grant', { auth: pt })).status, 410);
  });
});
