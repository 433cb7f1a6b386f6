import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret } from '../../server/outbox/signing.js';
import { TRANSFER_REMOVAL_DELAY_MS } from '../../server/practice/practice.service.js';
import { call, createConsultation, EventReader, issueCode, joinLobby, practitionerToken, sha256 } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

interface QueueData {
  practiceId: string;
  consultations: { id: string; title?: string }[];
  patients: { ticketId: string; consultationId: string; status: string; takenBy?: string; name: string }[];
}

/** The practice-wide waiting room (issue 16 item 2), on SQLite (the admin API's practices live there). */
describe('practice: shared queue, practice tokens, transfer', () => {
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  const removed: string[] = [];
  let app: LocalApp;
  let practiceId: string;
  let otherPracticeId: string;
  let reception: string;
  let room1: string;
  let room2: string;
  let elsewhere: string;
  let token1: string;
  let token2: string;
  const readers: EventReader[] = [];
  /** Webhook deliveries, verified with the reference library. */
  const delivered: { type: string; data: Record<string, unknown> }[] = [];
  const webhookSecret = newWebhookSecret();
  let receiver: Server;

  const open = async (path: string, token: string): Promise<EventReader> => {
    const reader = await EventReader.open(app, path, token);
    readers.push(reader);
    return reader;
  };
  /** The next `queue` event that satisfies `ok` (the stream sends one per change). */
  async function queueWhere(reader: EventReader, ok: (q: QueueData) => boolean): Promise<QueueData> {
    for (;;) {
      const q = (await reader.next('queue')) as unknown as QueueData;
      if (ok(q)) return q;
    }
  }
  const practice = async (name: string): Promise<string> => {
    const res = await call(app, 'POST', '/v1/admin/tenants/acme/practices', { auth: adminKey, body: { name } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return String(res.body.id);
  };
  const practiceToken = async (consultationId: string, name: string, id = practiceId) => {
    return call(app, 'POST', `/v1/practices/${id}/practitioner-tokens`, { auth: app.keys.acme, body: { consultationId, name } });
  };

  before(async () => {
    app = await startLocalApp(
      { admin: { apiKeySha256: [sha256(adminKey)] } },
      {
        webhookWorker: { pollMs: 100 },
        rooms: {
          createRoom: async () => ({}),
          deleteRoom: async () => undefined,
          removeParticipant: async (_room, identity) => void removed.push(identity),
          listRooms: async () => [],
        },
      },
    );
    await app.server.tenantsReady;
    const verifier = new Webhook(webhookSecret);
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        delivered.push(
          verifier.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as (typeof delivered)[0],
        );
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
    const endpoint = await call(app, 'POST', '/v1/admin/tenants/acme/webhook-endpoints', {
      auth: adminKey,
      body: { url, secrets: [webhookSecret] },
    });
    assert.equal(endpoint.status, 201);
    practiceId = await practice('Health Centre North');
    otherPracticeId = await practice('Health Centre South');
    reception = await createConsultation(app, app.keys.acme, { title: 'Reception', practiceId });
    room1 = await createConsultation(app, app.keys.acme, { title: 'Dr One', practiceId });
    room2 = await createConsultation(app, app.keys.acme, { title: 'Dr Two', practiceId });
    elsewhere = await createConsultation(app, app.keys.acme, { title: 'South', practiceId: otherPracticeId });
    token1 = String((await practiceToken(room1, 'Dr One')).body.token);
    token2 = String((await practiceToken(room2, 'Dr Two')).body.token);
  });
  after(async () => {
    for (const r of readers) r.close();
    await app?.stop();
    await new Promise((r) => receiver?.close(r));
  });

  it('a consultation belongs to a practice of its own tenant only', async () => {
    const read = await call(app, 'GET', `/v1/consultations/${room1}`, { auth: app.keys.acme });
    assert.equal(read.body.practiceId, practiceId);
    const unknown = await call(app, 'POST', '/v1/consultations', { auth: app.keys.acme, body: { practiceId: 'pr_nonexistent' } });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body.error as { code: string }).code, 'practice_not_found');
    const otherTenant = await call(app, 'POST', '/v1/consultations', { auth: app.keys.globex, body: { practiceId } });
    assert.equal((otherTenant.body.error as { code: string }).code, 'practice_not_found');
  });

  it('practice tokens are minted for a consultation of that practice only', async () => {
    const wrong = await practiceToken(elsewhere, 'Dr X');
    assert.equal(wrong.status, 409);
    assert.equal((wrong.body.error as { code: string }).code, 'not_in_practice');
    const plain = await createConsultation(app, app.keys.acme);
    assert.equal(((await practiceToken(plain, 'Dr X')).body.error as { code: string }).code, 'not_in_practice');
    const noPractice = await practiceToken(room1, 'Dr X', 'pr_nonexistent');
    assert.equal((noPractice.body.error as { code: string }).code, 'practice_not_found');
    const globex = await call(app, 'POST', `/v1/practices/${practiceId}/practitioner-tokens`, {
      auth: app.keys.globex,
      body: { consultationId: room1, name: 'Dr X' },
    });
    assert.equal((globex.body.error as { code: string }).code, 'practice_not_found');
    const plainToken = await practitionerToken(app, app.keys.acme, room1);
    const refused = await call(app, 'POST', '/v1/practice/transfer', {
      auth: plainToken,
      body: { ticketId: 't_x', toConsultationId: room2 },
    });
    assert.equal(refused.status, 403);
    assert.equal((refused.body.error as { code: string }).code, 'not_practice_token');
    const stream = await EventReader.open(app, '/v1/practice/events', plainToken);
    assert.equal(stream.status, 403);
    stream.close();
  });

  it('two practitioners watch one queue: every patient with their consultation, and who took whom', async () => {
    const watch1 = await open('/v1/practice/events', token1);
    const watch2 = await open('/v1/practice/events', token2);
    const empty = await queueWhere(watch1, () => true);
    assert.deepEqual(
      empty.consultations.map((c) => c.title),
      ['Reception', 'Dr One', 'Dr Two'],
    );
    const a = await joinLobby(app, await issueCode(app, app.keys.acme, room1), 'Ann');
    const b = await joinLobby(app, await issueCode(app, app.keys.acme, reception), 'Bob');
    await joinLobby(app, await issueCode(app, app.keys.acme, elsewhere), 'Someone South');
    for (const watch of [watch1, watch2]) {
      const q = await queueWhere(watch, (q) => q.patients.length === 2);
      assert.deepEqual(
        q.patients.map((p) => [p.name, p.consultationId, p.status]),
        [
          ['Ann', room1, 'waiting'],
          ['Bob', reception, 'waiting'],
        ],
      );
    }
    // The practice token is also Dr One's token for their own consultation.
    assert.equal((await call(app, 'POST', '/v1/practitioner/admit', { auth: token1, body: { ticketId: a.ticketId } })).status, 200);
    for (const watch of [watch1, watch2]) {
      const q = await queueWhere(watch, (q) => q.patients.some((p) => p.status === 'admitted'));
      const ann = q.patients.find((p) => p.ticketId === a.ticketId);
      assert.deepEqual([ann?.status, ann?.takenBy], ['admitted', 'Dr One']);
    }
    assert.ok(b.ticketId);
  });

  it('transfer: a waiting patient moves to another consultation of the practice, hears of it, and is admitted there', async () => {
    const code = await issueCode(app, app.keys.acme, reception);
    const carl = await joinLobby(app, code, 'Carl');
    const patient = await open('/v1/lobby/events', carl.ticket);
    assert.equal((await patient.next('queue')).position, 2);
    const moved = await call(app, 'POST', '/v1/practice/transfer', {
      auth: token1,
      body: { ticketId: carl.ticketId, toConsultationId: room2 },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(await patient.next('transferred'), { consultationId: room2, title: 'Dr Two' });
    assert.equal((await patient.next('queue')).position, 1);
    const watch = await open('/v1/practice/events', token2);
    const q = await queueWhere(watch, (q) => q.patients.some((p) => p.ticketId === carl.ticketId && p.consultationId === room2));
    assert.equal(q.patients.find((p) => p.ticketId === carl.ticketId)?.status, 'waiting');
    // Dr Two's token admits in Dr Two's consultation; the same ticket, no new code.
    assert.equal((await call(app, 'POST', '/v1/practitioner/admit', { auth: token2, body: { ticketId: carl.ticketId } })).status, 200);
    const admitted = await patient.next('admitted');
    assert.equal(admitted.consultationId, room2);
    // Dr One can no longer admit or message Carl: he is not in Dr One's consultation.
    const stale = await call(app, 'POST', '/v1/practitioner/admit', { auth: token1, body: { ticketId: carl.ticketId } });
    assert.equal(stale.status, 404);
    const audit = await call<{ items: { action: string; consultationId?: string }[] }>(app, 'GET', '/v1/audit', { auth: app.keys.acme });
    const moves = audit.body.items.filter((a) => a.action.startsWith('patient.transfer')).map((a) => [a.action, a.consultationId]);
    assert.deepEqual(moves, [
      ['patient.transfer_out', reception],
      ['patient.transfer_in', room2],
    ]);
    const deadline = Date.now() + 10_000;
    while (!delivered.some((d) => d.type === 'patient.transferred') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(delivered.find((d) => d.type === 'patient.transferred')?.data, {
      ticketId: carl.ticketId,
      fromConsultationId: reception,
      toConsultationId: room2,
      practiceId,
    });
  });

  it('transfer of an admitted patient: out of the room (grant revoked, key rotated), waiting again in arrival order', async () => {
    const early = await joinLobby(app, await issueCode(app, app.keys.acme, room1), 'Early');
    const late = await joinLobby(app, await issueCode(app, app.keys.acme, room2), 'Late');
    await call(app, 'POST', '/v1/practitioner/admit', { auth: token1, body: { ticketId: early.ticketId } });
    const grant = await call(app, 'POST', '/v1/lobby/grant', { auth: early.ticket });
    assert.equal(grant.status, 200);
    const desk1 = await open('/v1/practitioner/events', token1);
    const firstKey = (await desk1.next('key')).e2eeKey;
    const patient = await open('/v1/lobby/events', early.ticket);
    await patient.next('admitted');
    const moved = await call(app, 'POST', '/v1/practice/transfer', {
      auth: token2,
      body: { ticketId: early.ticketId, toConsultationId: room2 },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal((await patient.next('transferred')).consultationId, room2);
    // Arrived before "Late": first in Dr Two's queue, under the same rule as everyone.
    assert.equal((await patient.next('queue')).position, 1);
    assert.notEqual((await desk1.next('key')).e2eeKey, firstKey);
    const refused = await call(app, 'POST', '/v1/lobby/grant', { auth: early.ticket });
    assert.equal(refused.status, 403);
    assert.equal((refused.body.error as { code: string }).code, 'not_admitted');
    void late;
    // Not removed from Dr One's room yet: the page hangs up by itself on `transferred` (removal follows later).
    assert.ok(TRANSFER_REMOVAL_DELAY_MS >= 5000);
    assert.deepEqual(removed, []);
  });

  it('refuses transfers across practices, tenants, to the same or an ended consultation, and of patients who left', async () => {
    const dan = await joinLobby(app, await issueCode(app, app.keys.acme, reception), 'Dan');
    const code = async (body: Record<string, unknown>, token = token1): Promise<[number, string]> => {
      const res = await call(app, 'POST', '/v1/practice/transfer', { auth: token, body });
      return [res.status, (res.body.error as { code: string } | undefined)?.code ?? 'ok'];
    };
    assert.deepEqual(await code({ ticketId: dan.ticketId, toConsultationId: elsewhere }), [409, 'not_same_practice']);
    const plain = await createConsultation(app, app.keys.acme);
    assert.deepEqual(await code({ ticketId: dan.ticketId, toConsultationId: plain }), [409, 'not_same_practice']);
    const globex = await createConsultation(app, app.keys.globex);
    assert.deepEqual(await code({ ticketId: dan.ticketId, toConsultationId: globex }), [404, 'consultation_not_found']);
    assert.deepEqual(await code({ ticketId: dan.ticketId, toConsultationId: reception }), [409, 'same_consultation']);
    assert.deepEqual(await code({ ticketId: 't_nobody', toConsultationId: room2 }), [404, 'patient_not_found']);
    const south = await joinLobby(app, await issueCode(app, app.keys.acme, elsewhere), 'South');
    assert.deepEqual(await code({ ticketId: south.ticketId, toConsultationId: room2 }), [404, 'patient_not_found']);
    const ended = await createConsultation(app, app.keys.acme, { practiceId });
    await call(app, 'POST', `/v1/consultations/${ended}/end`, { auth: app.keys.acme, body: {} });
    assert.deepEqual(await code({ ticketId: dan.ticketId, toConsultationId: ended }), [409, 'target_ended']);
    assert.deepEqual(await code({ ticketId: dan.ticketId }), [400, 'invalid_request']);
    await call(app, 'POST', '/v1/lobby/leave', { auth: dan.ticket, body: {} });
    assert.deepEqual(await code({ ticketId: dan.ticketId, toConsultationId: room2 }), [409, 'not_waiting']);
  });

  it("a practice token outlives its desk's consultation (its own lifetime), and is revoked per token or per practice", async () => {
    const status = async (method: string, path: string, token: string): Promise<[number, string]> => {
      const res = await call(app, method, path, { auth: token, ...(method === 'POST' ? { body: {} } : {}) });
      return [res.status, (res.body?.error as { code: string } | undefined)?.code ?? 'ok'];
    };
    const transferNobody = (token: string) =>
      call(app, 'POST', '/v1/practice/transfer', { auth: token, body: { ticketId: 't_nobody', toConsultationId: room2 } });
    const desk = await createConsultation(app, app.keys.acme, { title: 'Desk', practiceId });
    const minted = await practiceToken(desk, 'Reception · Maria');
    const token = String(minted.body.token);
    const tokenId = String(minted.body.tokenId);
    const watch = await open('/v1/practice/events', token);
    await queueWhere(watch, (q) => q.consultations.some((c) => c.id === desk));

    // The call at the desk ends: the desk's own routes are over, the practice scope is not.
    assert.equal((await call(app, 'POST', `/v1/consultations/${desk}/end`, { auth: app.keys.acme, body: {} })).status, 200);
    await queueWhere(watch, (q) => !q.consultations.some((c) => c.id === desk));
    assert.deepEqual(await status('POST', '/v1/practitioner/grant', token), [410, 'consultation_ended']);
    assert.equal((await transferNobody(token)).status, 404, 'authenticated: only the patient is unknown');
    assert.equal((await call(app, 'POST', '/v1/practitioner/token', { auth: token, body: {} })).status, 201, 'refreshed');
    const again = await open('/v1/practice/events', token);
    assert.equal(again.status, 200);
    // A token for one consultation still ends with it.
    const plain = await createConsultation(app, app.keys.acme);
    const plainToken = await practitionerToken(app, app.keys.acme, plain);
    await call(app, 'POST', `/v1/consultations/${plain}/end`, { auth: app.keys.acme, body: {} });
    assert.deepEqual(await status('POST', '/v1/practitioner/token', plainToken), [410, 'consultation_ended']);

    // Revoked by the practice (its desk long gone): refused everywhere at once, its open streams end.
    const revoke = (path: string, key = app.keys.acme) => call(app, 'POST', `/v1/practices/${path}`, { auth: key, body: {} });
    assert.equal((await revoke(`${practiceId}/practitioner-tokens/a.b/revoke`)).status, 404);
    assert.equal((await revoke(`pr_nonexistent/practitioner-tokens/revoke`)).status, 404);
    assert.equal((await revoke(`${practiceId}/practitioner-tokens/revoke`, app.keys.globex)).status, 404);
    const one = await revoke(`${practiceId}/practitioner-tokens/${tokenId}/revoke`);
    assert.equal(one.status, 200);
    assert.equal(one.body.tokenId, tokenId);
    await watch.next('revoked');
    await again.next('revoked');
    await again.waitClosed();
    assert.deepEqual(await status('POST', '/v1/practice/transfer', token), [401, 'token_revoked']);
    assert.deepEqual(await status('POST', '/v1/practitioner/token', token), [401, 'token_revoked']);
    assert.equal((await transferNobody(token2)).status, 404, "the other practitioners' tokens still work");

    // Everyone's practice tokens at once (e.g. the practice closes for the day): the desks' streams end too.
    const desk2 = await open('/v1/practitioner/events', token2);
    const watch2 = await open('/v1/practice/events', token2);
    await desk2.next('queue');
    assert.equal((await revoke(`${practiceId}/practitioner-tokens/revoke`)).status, 200);
    await watch2.next('revoked');
    await desk2.next('revoked');
    assert.deepEqual(await status('POST', '/v1/practitioner/grant', token2), [401, 'token_revoked']);
    await new Promise((r) => setTimeout(r, 5));
    const fresh = String((await practiceToken(room2, 'Dr Two')).body.token);
    assert.equal((await transferNobody(fresh)).status, 404, 'a token issued afterwards works');
  });

  it("revoking a practice's tokens takes their practitioners out of the calls they joined, not others' (store: store.test)", async () => {
    const east = await practice('Health Centre East');
    const deskA = await createConsultation(app, app.keys.acme, { title: 'Desk A', practiceId: east });
    const deskB = await createConsultation(app, app.keys.acme, { title: 'Desk B', practiceId: east });
    const a = (await practiceToken(deskA, 'Dr A', east)).body;
    const b = (await practiceToken(deskB, 'Dr B', east)).body;
    const plain = await call(app, 'POST', `/v1/consultations/${deskB}/practitioner-tokens`, {
      auth: app.keys.acme,
      body: { name: 'Dr C' },
    });
    for (const t of [a, b, plain.body]) {
      assert.equal((await call(app, 'POST', '/v1/practitioner/grant', { auth: String(t.token), body: {} })).status, 200);
    }
    const revoke = (path: string) =>
      call(app, 'POST', `/v1/practices/${east}/practitioner-tokens/${path}`, { auth: app.keys.acme, body: {} });
    removed.length = 0;
    assert.equal((await revoke(`${String(a.tokenId)}/revoke`)).status, 200);
    assert.deepEqual(removed, [`practitioner-${String(a.tokenId)}`]);
    removed.length = 0;
    assert.equal((await revoke('revoke')).status, 200);
    // A once more (a repeated revocation retries the removal); the consultation's own token (Dr C) is not the practice's.
    assert.deepEqual(removed.sort(), [`practitioner-${String(a.tokenId)}`, `practitioner-${String(b.tokenId)}`].sort());
  });
});
