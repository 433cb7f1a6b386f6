import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sessionDirName } from '../../server/uploads/index.js';
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
import { png as pngFile } from './fixtures/uploads/helpers.js';

describe('integrator API: consultations and practitioner grants', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it('refuses a missing or wrong API key with 401', async () => {
    assert.equal((await call(h, 'POST', '/v1/consultations', { body: {} })).status, 401);
    const wrong = await call(h, 'POST', '/v1/consultations', { auth: 'nope', body: {} });
    assert.equal(wrong.status, 401);
    assert.deepEqual(Object.keys(wrong.body), ['error']);
  });

  it('creates a consultation with defaults and its SFU room with maxParticipants', async () => {
    const res = await call(h, 'POST', '/v1/consultations', { auth: h.keys.acme, body: { title: 'Follow-up', maxParticipants: 3 } });
    assert.equal(res.status, 201);
    assert.equal(res.body.status, 'scheduled');
    assert.equal(res.body.maxParticipants, 3);
    assert.equal(res.body.e2ee, true);
    assert.equal(res.body.patientScreenShare, false);
    assert.equal(res.body.locale, 'en');
    const rooms = await h.rooms.listRooms([`vc-${String(res.body.id)}`]);
    assert.equal(rooms.length, 1);
    assert.equal(rooms[0]!.maxParticipants, 3);
  });

  it('mints a practitioner grant: roomAdmin + roomJoin for this room only, TTL from config', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const token = await practitionerToken(h, h.keys.acme, id);
    const res = await call(h, 'POST', '/v1/practitioner/grant', { auth: token });
    assert.equal(res.status, 200);
    assert.equal(res.body.consultationId, id);
    assert.equal(res.body.livekitUrl, h.sfu.url);
    assert.equal(typeof res.body.e2eeKey, 'string');
    const claims = decodeJwt(String(res.body.token));
    const video = claims.video as Record<string, unknown>;
    assert.equal(video.room, `vc-${id}`);
    assert.equal(video.roomJoin, true);
    assert.equal(video.roomAdmin, true);
    assert.notEqual(video.roomCreate, true);
    assert.notEqual(video.roomList, true);
    assert.equal(claims.sub, res.body.identity);
    const ttl = Number(claims.exp) - Number(claims.nbf ?? claims.iat);
    assert.equal(ttl, h.config.grantTtlMinutes * 60);
    assert.ok(Math.abs(Date.parse(String(res.body.expiresAt)) - Number(claims.exp) * 1000) < 2000);
  });
});

describe('ending a consultation deletes its uploads', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ withUploads: true });
  });
  after(async () => {
    await h?.stop();
  });

  it('a participant uploads with their LiveKit grant; after the end the file is gone and uploads are refused', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const grant = await call(h, 'POST', '/v1/practitioner/grant', { auth: pt });
    const room = `vc-${id}`;
    const png = new Uint8Array(pngFile('', 208));
    const up = await fetch(`${h.base}/v1/rooms/${room}/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${String(grant.body.token)}`,
        'content-type': 'application/octet-stream',
        'x-filename': 'scan.png',
      },
      body: png,
    });
    assert.equal(up.status, 201);
    const info = (await up.json()) as { id: string };
    const download = (): Promise<Response> =>
      fetch(`${h.base}/v1/rooms/${room}/uploads/${info.id}`, { headers: { authorization: `Bearer ${String(grant.body.token)}` } });
    const sessionDir = join(h.dir, 'uploads', sessionDirName(room));
    assert.ok(readdirSync(sessionDir).includes(info.id), 'the encrypted file is on disk');
    assert.equal((await call(h, 'POST', `/v1/consultations/${id}/end`, { auth: h.keys.acme, body: {} })).status, 200);
    assert.ok(!existsSync(sessionDir), 'the session directory (files and key) is deleted');
    assert.ok([404, 410].includes((await download()).status));
    const again = await fetch(`${h.base}/v1/rooms/${room}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${String(grant.body.token)}` },
      body: png,
    });
    assert.equal(again.status, 410);
  });
});

describe('uploads close to a removed patient at once', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ withUploads: true });
  });
  after(async () => {
    await h?.stop();
  });

  it("a declined patient's still-valid LiveKit grant no longer uploads or downloads", async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const patient = await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Pat');
    await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: patient.ticketId } });
    const grant = await call(h, 'POST', '/v1/lobby/grant', { auth: patient.ticket });
    const token = String(grant.body.token);
    const room = `vc-${id}`;
    const png = new Uint8Array(pngFile('', 208));
    const upload = () =>
      fetch(`${h.base}/v1/rooms/${room}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: png,
      });
    const first = await upload();
    assert.equal(first.status, 201, 'while admitted, the patient shares files');
    const { id: fileId } = (await first.json()) as { id: string };
    assert.equal((await call(h, 'POST', '/v1/practitioner/decline', { auth: pt, body: { ticketId: patient.ticketId } })).status, 200);
    const refused = await upload();
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'not_admitted');
    const download = await fetch(`${h.base}/v1/rooms/${room}/uploads/${fileId}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(download.status, 403);
  });
});

describe('createApp().close()', () => {
  it('ends open event streams and stops using the store', async () => {
    const h = await startHarness();
    try {
      const id = await createConsultation(h, h.keys.acme);
      const pt = await practitionerToken(h, h.keys.acme, id);
      const stream = await EventReader.open(h, '/v1/practitioner/events', pt);
      await stream.next('queue');
      await h.server.close();
      await stream.waitClosed(2000);
    } finally {
      await h.stop();
    }
  });
});
