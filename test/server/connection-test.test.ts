import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONNECTION_TESTS_PER_TICKET, CONNECTION_TEST_TTL_SECONDS } from '../../server/lobby/connection-test.js';
import {
  call,
  createConsultation,
  decodeJwt,
  EventReader,
  issueCode,
  joinLobby,
  practitionerToken,
  startHarness,
  type Harness,
} from './helpers.js';

const deviceCheck = {
  verdict: 'warning',
  camera: 'ok',
  microphone: 'ok',
  network: 'ok',
  connection: { websocket: 'ok', udp: 'failed', tcp: 'ok', turn: 'skipped' },
};

describe('lobby: the patient connection test', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  async function waitingPatient(): Promise<{ id: string; ticket: string; ticketId: string }> {
    const id = await createConsultation(h, h.keys.acme);
    return { id, ...(await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Ann')) };
  }

  it('needs a valid ticket from an allowed origin', async () => {
    const { ticket } = await waitingPatient();
    for (const path of ['/v1/lobby/connection-test', '/v1/lobby/device-check']) {
      const body = path.endsWith('test') ? {} : deviceCheck;
      const none = await call(h, 'POST', path, { body });
      assert.equal(none.status, 401, path);
      assert.equal((none.body as { error: { code: string } }).error.code, 'invalid_ticket');
      assert.equal((await call(h, 'POST', path, { auth: 'vct_not-a-ticket', body })).status, 401, path);
      const foreign = await call(h, 'POST', path, { auth: ticket, body, headers: { origin: 'https://globex.example' } });
      assert.equal(foreign.status, 403, path);
    }
  });

  it('mints a short join-only grant for a throwaway room that exists on the SFU', async () => {
    const { ticket, id } = await waitingPatient();
    const res = await call(h, 'POST', '/v1/lobby/connection-test', { auth: ticket, body: {} });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.livekitUrl, h.config.livekit.url);
    const claims = decodeJwt(String(res.body.token));
    const video = claims.video as Record<string, unknown>;
    assert.match(String(video.room), /^vctest-/);
    assert.notEqual(video.room, `vc-${id}`, 'never the consultation room');
    assert.equal(video.roomJoin, true);
    assert.equal(video.hidden, true);
    for (const power of [
      'canPublish',
      'canSubscribe',
      'canPublishData',
      'canUpdateOwnMetadata',
      'roomAdmin',
      'roomCreate',
      'roomList',
      'roomRecord',
    ]) {
      assert.equal(video[power], false, `${power} must be off`);
    }
    assert.match(String(claims.sub), /^test-/);
    assert.equal(Number(claims.exp) - Number(claims.nbf), CONNECTION_TEST_TTL_SECONDS);
    assert.ok(Date.parse(String(res.body.expiresAt)) - Date.now() <= CONNECTION_TEST_TTL_SECONDS * 1000);
    const [room] = await h.rooms.listRooms([String(video.room)]);
    assert.ok(room, 'the SFU has the room (auto_create is off)');
    assert.equal(room.maxParticipants, 2);
  });

  it('refuses bodies it does not understand and keeps what was stored', async () => {
    const { ticket, ticketId, id } = await waitingPatient();
    assert.equal((await call(h, 'POST', '/v1/lobby/connection-test', { auth: ticket, body: { room: 'vc-other' } })).status, 400);
    const bad = [
      { ...deviceCheck, connection: { ...deviceCheck.connection, udp: 'maybe' } },
      { ...deviceCheck, connection: { websocket: 'ok' } },
      { ...deviceCheck, connection: { ...deviceCheck.connection, extra: 'ok' } },
      { ...deviceCheck, verdict: 'great' },
      { ...deviceCheck, ip: '127.0.0.1' },
      'ok',
    ];
    for (const body of bad) {
      const res = await call(h, 'POST', '/v1/lobby/device-check', { auth: ticket, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match((res.body as { error: { code: string } }).error.code, /^(invalid_request|invalid_json)$/);
    }
    const pt = await practitionerToken(h, h.keys.acme, id);
    const queue = await EventReader.open(h, '/v1/practitioner/events', pt);
    const first = (await queue.next('queue')) as { patients: { ticketId: string; deviceCheck?: unknown }[] };
    assert.equal(first.patients.find((p) => p.ticketId === ticketId)?.deviceCheck, undefined, 'nothing half-written');

    assert.equal((await call(h, 'POST', '/v1/lobby/device-check', { auth: ticket, body: deviceCheck })).status, 204);
    const next = (await queue.next('queue')) as { patients: { ticketId: string; deviceCheck?: unknown }[] };
    assert.deepEqual(next.patients.find((p) => p.ticketId === ticketId)?.deviceCheck, deviceCheck);
    queue.controller.abort();
  });

  it('limits tests per ticket and refuses patients who left', async () => {
    const { ticket } = await waitingPatient();
    for (let i = 0; i < CONNECTION_TESTS_PER_TICKET; i++) {
      assert.equal((await call(h, 'POST', '/v1/lobby/connection-test', { auth: ticket, body: {} })).status, 201);
    }
    const refused = await call(h, 'POST', '/v1/lobby/connection-test', { auth: ticket, body: {} });
    assert.equal(refused.status, 429);
    assert.equal((refused.body as { error: { code: string } }).error.code, 'too_many_tests');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);

    const other = await waitingPatient();
    assert.equal(
      (await call(h, 'POST', '/v1/lobby/connection-test', { auth: other.ticket, body: {} })).status,
      201,
      'limits are per ticket',
    );
    assert.equal((await call(h, 'POST', '/v1/lobby/leave', { auth: other.ticket })).status, 204);
    for (const [path, body] of [
      ['/v1/lobby/connection-test', {}],
      ['/v1/lobby/device-check', deviceCheck],
    ] as const) {
      const res = await call(h, 'POST', path, { auth: other.ticket, body });
      assert.equal(res.status, 409, path);
      assert.equal((res.body as { error: { code: string } }).error.code, 'not_waiting');
    }
  });
});
