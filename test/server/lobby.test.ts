import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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

describe('lobby: codes, queue, admission, patient grants', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ grantTtlMinutes: 7, patientGrantTtlSeconds: 150 });
  });
  after(async () => {
    await h?.stop();
  });

  it('codes are ≥ 8 characters from the unambiguous alphabet, with a join link carrying the code in the fragment', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const res = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, {
      auth: h.keys.acme,
      body: { alias: 'Mrs. K', expiresInMinutes: 30 },
    });
    assert.equal(res.status, 201);
    assert.match(String(res.body.code), /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8,}$/);
    assert.equal(new URL(String(res.body.joinUrl)).hash, `#code=${String(res.body.code)}`);
    const minutes = (Date.parse(String(res.body.expiresAt)) - Date.now()) / 60_000;
    assert.ok(minutes > 29 && minutes <= 30, `expires in ${minutes} min`);
  });

  it('a code opens one session only; used and wrong codes answer identically', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const code = await issueCode(h, h.keys.acme, id);
    const first = await call(h, 'POST', '/v1/lobby/join', { body: { code: code.toLowerCase().replace(/(....)/, '$1-'), name: 'Ann' } });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.match(String(first.body.ticket), /^vct_/);
    assert.deepEqual(first.body.consultation, { id, locale: 'en', e2ee: true });
    // The SFU's URL comes with the ticket: the device check can test the connection with only server-url set.
    assert.equal(first.body.livekitUrl, h.config.livekit.url);
    const reused = await call(h, 'POST', '/v1/lobby/join', { body: { code, name: 'Eve' } });
    const wrong = await call(h, 'POST', '/v1/lobby/join', { body: { code: 'ZZZZZZZZZZ', name: 'Eve' } });
    assert.equal(reused.status, 404);
    assert.deepEqual(reused.body, wrong.body);
    assert.equal((reused.body as { error: { code: string } }).error.code, 'invalid_code');
  });

  it('waiting patients see only their own position, receive messages, and hold no grant', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const a = await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Ann');
    const b = await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Bob');
    const streamB = await EventReader.open(h, '/v1/lobby/events', b.ticket);
    assert.equal(streamB.status, 200);
    assert.match(streamB.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.deepEqual(await streamB.next('queue'), { position: 2 });
    const grant = await call(h, 'POST', '/v1/lobby/grant', { auth: b.ticket });
    assert.equal(grant.status, 403);

    const pt = await practitionerToken(h, h.keys.acme, id);
    assert.equal(
      (await call(h, 'POST', '/v1/practitioner/message', { auth: pt, body: { ticketId: b.ticketId, text: 'Two minutes, please.' } }))
        .status,
      200,
    );
    const message = await streamB.next('message');
    assert.equal(message.text, 'Two minutes, please.');

    // Ann leaves: Bob moves up.
    assert.equal((await call(h, 'POST', '/v1/lobby/leave', { auth: a.ticket })).status, 204);
    assert.deepEqual(await streamB.next('queue'), { position: 1 });
    assert.equal(
      (await call(h, 'POST', '/v1/practitioner/decline', { auth: pt, body: { ticketId: a.ticketId } })).status,
      409,
      'Ann left: nothing to decline',
    );
    assert.equal((await call(h, 'POST', '/v1/practitioner/message', { auth: pt, body: { ticketId: a.ticketId, text: 'hi' } })).status, 409);
    assert.ok(!JSON.stringify(streamB.all()).includes('Ann'));
    streamB.close();
  });

  it('admission delivers a narrow patient grant (decoded) and a reconnect gets a fresh one', async () => {
    const id = await createConsultation(h, h.keys.acme, { patientScreenShare: false });
    const p = await joinLobby(h, await issueCode(h, h.keys.acme, id, { alias: 'Patient 7' }), 'Carla');
    const stream = await EventReader.open(h, '/v1/lobby/events', p.ticket);
    await stream.next('queue');
    const pt = await practitionerToken(h, h.keys.acme, id);
    assert.equal((await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: p.ticketId } })).status, 200);
    const admitted = await stream.next('admitted');
    assert.equal(admitted.consultationId, id);
    assert.equal(admitted.livekitUrl, h.sfu.url);
    assert.equal(typeof admitted.e2eeKey, 'string');
    const claims = decodeJwt(String(admitted.token));
    const video = claims.video as Record<string, unknown>;
    assert.equal(video.room, `vc-${id}`);
    assert.equal(video.roomJoin, true);
    assert.equal(video.roomAdmin ?? false, false);
    assert.equal(video.roomCreate ?? false, false);
    assert.equal(video.canPublish, true);
    assert.equal(video.canPublishData, true);
    assert.equal(video.canSubscribe, true);
    assert.deepEqual(video.canPublishSources, ['camera', 'microphone']);
    assert.equal(claims.name, 'Patient 7');
    assert.match(String(claims.sub), /^patient-/);
    assert.equal(claims.sub, admitted.identity);
    assert.equal(Number(claims.exp) - Number(claims.nbf), 150);
    stream.close();

    const again = await EventReader.open(h, '/v1/lobby/events', p.ticket);
    const second = await again.next('admitted');
    assert.equal(second.identity, admitted.identity);
    // Re-minted (same claims within the same second give the same JWT, so compare expiry instead).
    assert.ok(Number(decodeJwt(String(second.token)).exp) >= Number(claims.exp));
    again.close();
    const grant = await call(h, 'POST', '/v1/lobby/grant', { auth: p.ticket });
    assert.equal(grant.status, 200);
    assert.equal(grant.body.identity, admitted.identity);
  });

  it('removing an admitted patient rotates the E2EE key and sends the new one only to those still in the call', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const [stays, removed, waiting] = [
      await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Stays'),
      await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Removed'),
      await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Waiting'),
    ];
    for (const p of [stays, removed]) await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: p.ticketId } });
    const streams = {
      removed: await EventReader.open(h, '/v1/lobby/events', removed.ticket),
      stays: await EventReader.open(h, '/v1/lobby/events', stays.ticket),
      waiting: await EventReader.open(h, '/v1/lobby/events', waiting.ticket),
      practitioner: await EventReader.open(h, '/v1/practitioner/events', pt),
    };
    const oldKey = String((await streams.stays.next('admitted')).e2eeKey);
    await streams.waiting.next('queue');
    await streams.practitioner.next('queue');

    // Declining a patient who only waits rotates nothing.
    const other = await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Other');
    await call(h, 'POST', '/v1/practitioner/decline', { auth: pt, body: { ticketId: other.ticketId } });
    assert.equal((await call(h, 'POST', '/v1/lobby/grant', { auth: stays.ticket })).body.e2eeKey, oldKey);

    assert.equal((await call(h, 'POST', '/v1/practitioner/decline', { auth: pt, body: { ticketId: removed.ticketId } })).status, 200);
    const newKey = String((await streams.stays.next('key')).e2eeKey);
    // The removed patient is told it is over and never sees the new key.
    await streams.removed.next('declined');
    assert.ok(!streams.removed.all().some((e) => e.event === 'key'), 'the removed patient gets no key');
    assert.notEqual(newKey, oldKey);
    assert.equal((await streams.practitioner.next('key')).e2eeKey, newKey);
    assert.equal((await call(h, 'POST', '/v1/lobby/grant', { auth: stays.ticket })).body.e2eeKey, newKey, 'fresh grants carry the new key');
    // A message sent after the rotation arrives after any key event would have on the same stream.
    await call(h, 'POST', '/v1/practitioner/message', { auth: pt, body: { ticketId: waiting.ticketId, text: 'Soon' } });
    await streams.waiting.next('message');
    assert.ok(!streams.waiting.all().some((e) => e.event === 'key'), 'a waiting patient never gets a key');
    // A practitioner stream that (re)connects is given the current key at once.
    const again = await EventReader.open(h, '/v1/practitioner/events', pt);
    assert.equal((await again.next('key')).e2eeKey, newKey);
    again.close();
    // An admitted patient who leaves also held the key: it rotates again.
    assert.equal((await call(h, 'POST', '/v1/lobby/leave', { auth: stays.ticket })).status, 204);
    const third = String((await streams.practitioner.next('key')).e2eeKey);
    assert.ok(third !== newKey && third !== oldKey);
    const audit = await call<{ items: { action: string }[] }>(h, 'GET', '/v1/audit', { auth: h.keys.acme });
    assert.equal(audit.body.items.filter((e) => e.action === 'e2ee.rotate').length, 2);
    for (const s of Object.values(streams)) s.close();
  });

  it('screen share is in the patient grant only when the consultation allows it', async () => {
    const id = await createConsultation(h, h.keys.acme, { patientScreenShare: true, e2ee: false });
    const p = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    const pt = await practitionerToken(h, h.keys.acme, id);
    await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: p.ticketId } });
    const grant = await call(h, 'POST', '/v1/lobby/grant', { auth: p.ticket });
    assert.equal(grant.status, 200);
    const video = decodeJwt(String(grant.body.token)).video as Record<string, unknown>;
    assert.deepEqual(video.canPublishSources, ['camera', 'microphone', 'screen_share', 'screen_share_audio']);
    assert.equal(grant.body.e2eeKey, undefined);
  });

  it('a declined patient is told so and cannot obtain a grant', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const p = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    const stream = await EventReader.open(h, '/v1/lobby/events', p.ticket);
    await stream.next('queue');
    const pt = await practitionerToken(h, h.keys.acme, id);
    const res = await call(h, 'POST', '/v1/practitioner/decline', {
      auth: pt,
      body: { ticketId: p.ticketId, reason: 'Wrong appointment' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await stream.next('declined'), { reason: 'Wrong appointment' });
    await stream.waitClosed();
    const grant = await call(h, 'POST', '/v1/lobby/grant', { auth: p.ticket });
    assert.equal(grant.status, 403);
    assert.equal((await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: p.ticketId } })).status, 409);
    assert.equal((await call(h, 'POST', '/v1/lobby/grant', { auth: p.ticket })).status, 403);

    // Admitted first, then removed: the grant it had is the last it gets.
    const q = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: q.ticketId } });
    assert.equal((await call(h, 'POST', '/v1/lobby/grant', { auth: q.ticket })).status, 200);
    await call(h, 'POST', '/v1/practitioner/decline', { auth: pt, body: { ticketId: q.ticketId } });
    const after = await call<{ error: { code: string } }>(h, 'POST', '/v1/lobby/grant', { auth: q.ticket });
    assert.equal(after.status, 403);
    assert.equal(after.body.error.code, 'not_admitted');
    const stream2 = await EventReader.open(h, '/v1/lobby/events', q.ticket);
    await stream2.next('declined');
    assert.ok(!stream2.all().some((e) => e.event === 'admitted'));
  });

  it('practitioner stream shows the queue; admit-all admits early arrivals; end tells everyone and deletes the room', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const early = await joinLobby(h, await issueCode(h, h.keys.acme, id, { alias: 'Early' }), 'Dana');
    const pt = await practitionerToken(h, h.keys.acme, id);
    const doctor = await EventReader.open(h, '/v1/practitioner/events', pt);
    const first = (await doctor.next('queue')) as { patients: { ticketId: string; name: string; alias?: string; waitingSince: string }[] };
    assert.equal(first.patients.length, 1);
    assert.equal(first.patients[0]!.ticketId, early.ticketId);
    assert.equal(first.patients[0]!.alias, 'Early');
    assert.equal(first.patients[0]!.name, 'Dana');

    const late = await call(h, 'POST', '/v1/lobby/join', {
      body: {
        code: await issueCode(h, h.keys.acme, id),
        name: 'Eli',
        deviceCheck: { verdict: 'warning', camera: 'denied', microphone: 'ok', network: 'ok' },
      },
    });
    const second = (await doctor.next('queue')) as { patients: { deviceCheck?: unknown }[] };
    assert.equal(second.patients.length, 2);
    assert.deepEqual(second.patients[1]!.deviceCheck, { verdict: 'warning', camera: 'denied', microphone: 'ok', network: 'ok' });

    const patient = await EventReader.open(h, '/v1/lobby/events', String(late.body.ticket));
    const all = await call(h, 'POST', '/v1/practitioner/admit-all', { auth: pt });
    assert.deepEqual(all.body, { admitted: 2 });
    assert.deepEqual(await doctor.next('queue'), { patients: [] });
    await patient.next('admitted');

    const end = await call(h, 'POST', '/v1/practitioner/end', { auth: pt });
    assert.equal(end.status, 200);
    await patient.next('ended');
    await doctor.next('ended');
    await patient.waitClosed();
    assert.equal((await h.rooms.listRooms([`vc-${id}`])).length, 0);
    const read = await call(h, 'GET', `/v1/consultations/${id}`, { auth: h.keys.acme });
    assert.equal(read.body.status, 'ended');
    assert.equal((await call(h, 'POST', '/v1/practitioner/grant', { auth: pt })).status, 410);
    assert.equal((await call(h, 'POST', '/v1/lobby/grant', { auth: String(late.body.ticket) })).status, 410);
  });

  it("admits no more patients than the room holds (one place is the practitioner's); admit-all fills the free places in order", async () => {
    const id = await createConsultation(h, h.keys.acme, { maxParticipants: 3 });
    const pt = await practitionerToken(h, h.keys.acme, id);
    const patients = [];
    for (let i = 0; i < 4; i++) patients.push(await joinLobby(h, await issueCode(h, h.keys.acme, id), `P${i}`));
    assert.equal((await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: patients[3]!.ticketId } })).status, 200);
    assert.deepEqual((await call(h, 'POST', '/v1/practitioner/admit-all', { auth: pt })).body, { admitted: 1 });
    assert.equal(
      (await call(h, 'POST', '/v1/lobby/grant', { auth: patients[0]!.ticket })).status,
      200,
      'the earliest arrival got the place',
    );
    const full = await call<{ error: { code: string } }>(h, 'POST', '/v1/practitioner/admit', {
      auth: pt,
      body: { ticketId: patients[1]!.ticketId },
    });
    assert.equal(full.status, 409);
    assert.equal(full.body.error.code, 'room_full');
    // Someone leaves: a place is free again.
    await call(h, 'POST', '/v1/lobby/leave', { auth: patients[3]!.ticket });
    assert.equal((await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: patients[1]!.ticketId } })).status, 200);
  });

  it('the queue and the place in it survive a token-server restart', async () => {
    const id = await createConsultation(h, h.keys.acme);
    await joinLobby(h, await issueCode(h, h.keys.acme, id), 'First');
    const p = await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Second');
    const before = await EventReader.open(h, '/v1/lobby/events', p.ticket);
    assert.equal((await before.next('queue')).position, 2);
    await h.restart();
    await before.waitClosed();
    const after = await EventReader.open(h, '/v1/lobby/events', p.ticket);
    assert.equal((await after.next('queue')).position, 2);
    const pt = await practitionerToken(h, h.keys.acme, id);
    await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: p.ticketId } });
    await after.next('admitted');
    after.close();
  });
});
