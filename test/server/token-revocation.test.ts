import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RoomService } from '../../server/context.js';
import { call, createConsultation, EventReader, issueCode } from './helpers.js';
import { fakeRooms, startLocalApp, type LocalApp } from './local-app.js';

type ErrorReply = { error: { code: string; message: string } };
type Issued = { token: string; tokenId: string; expiresAt: string };

describe('practitioner tokens: lifetime, refresh, revocation', () => {
  let app: LocalApp;
  const removed: [string, string][] = [];
  const rooms: RoomService = {
    ...fakeRooms,
    removeParticipant: async (room, identity) => {
      removed.push([room, identity]);
    },
  };
  before(async () => {
    app = await startLocalApp({ practitionerTokens: { ttlMinutes: 30, refreshableForHours: 1 } }, { rooms });
  });
  after(async () => {
    await app?.stop();
  });

  const issue = async (id: string, body: Record<string, unknown> = { name: 'Dr. A' }) => {
    const res = await call<Issued>(app, 'POST', `/v1/consultations/${id}/practitioner-tokens`, { auth: app.keys.acme, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const grant = (token: string) => call<ErrorReply>(app, 'POST', '/v1/practitioner/grant', { auth: token });
  const refresh = (token: string) => call<Issued & ErrorReply>(app, 'POST', '/v1/practitioner/token', { auth: token });
  const revoke = (id: string, tokenId?: string) =>
    call(app, 'POST', `/v1/consultations/${id}/practitioner-tokens/${tokenId ? `${tokenId}/` : ''}revoke`, { auth: app.keys.acme });
  const assertRevoked = async (token: string) => {
    for (const res of [await grant(token), await refresh(token)]) {
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'token_revoked');
    }
  };

  it("lasts the config's ttlMinutes by default, and no request may ask for more", async () => {
    const id = await createConsultation(app, app.keys.acme);
    const issued = await issue(id);
    const minutes = (Date.parse(issued.expiresAt) - Date.now()) / 60_000;
    assert.ok(minutes > 29 && minutes <= 30, `lasts ${minutes} min`);
    const longer = await call<ErrorReply>(app, 'POST', `/v1/consultations/${id}/practitioner-tokens`, {
      auth: app.keys.acme,
      body: { name: 'Dr. A', ttlMinutes: 45 },
    });
    assert.equal(longer.status, 400);
    assert.equal(longer.body.error.code, 'ttl_too_long');
    const beyondSchema = await call<ErrorReply>(app, 'POST', `/v1/consultations/${id}/practitioner-tokens`, {
      auth: app.keys.acme,
      body: { name: 'Dr. A', ttlMinutes: 61 },
    });
    assert.equal(beyondSchema.body.error.code, 'invalid_request');
  });

  it('a refresh keeps the token id and gives a fresh lifetime; the refreshed token works', async () => {
    const id = await createConsultation(app, app.keys.acme);
    const issued = await issue(id, { name: 'Dr. A', ttlMinutes: 5 });
    await new Promise((r) => setTimeout(r, 1100));
    const refreshed = await refresh(issued.token);
    assert.equal(refreshed.status, 201);
    assert.equal(refreshed.body.tokenId, issued.tokenId);
    assert.notEqual(refreshed.body.token, issued.token);
    assert.ok(Date.parse(refreshed.body.expiresAt) > Date.parse(issued.expiresAt));
    assert.equal((await grant(refreshed.body.token)).status, 200);
  });

  it('revoking one token refuses it and its refreshes everywhere (401 token_revoked), not the others, and removes its practitioner from the room', async () => {
    const id = await createConsultation(app, app.keys.acme);
    const [a, b] = [await issue(id), await issue(id, { name: 'Dr. B' })];
    const aRefreshed = (await refresh(a.token)).body;
    const granted = await grant(a.token);
    assert.equal(granted.status, 200);
    const stream = await EventReader.open(app, '/v1/practitioner/events', a.token);
    await stream.next('queue');
    removed.length = 0;
    const res = await revoke(id, a.tokenId);
    assert.equal(res.status, 200);
    assert.equal(res.body.tokenId, a.tokenId);
    await assertRevoked(a.token);
    await assertRevoked(aRefreshed.token);
    assert.deepEqual(removed, [[`vc-${id}`, `practitioner-${a.tokenId}`]]);
    await stream.next('revoked');
    assert.equal((await grant(b.token)).status, 200);
    const events = await call<ErrorReply>(app, 'GET', '/v1/practitioner/events', { auth: a.token });
    assert.equal(events.status, 401);
  });

  it('revoking all tokens of a consultation refuses every token issued until then, not those issued after, nor other consultations', async () => {
    const id = await createConsultation(app, app.keys.acme);
    const other = await createConsultation(app, app.keys.acme);
    const [a, b, elsewhere] = [await issue(id), await issue(id, { name: 'Dr. B' }), await issue(other)];
    assert.equal((await grant(a.token)).status, 200);
    assert.equal((await grant(b.token)).status, 200);
    removed.length = 0;
    assert.equal((await revoke(id)).status, 200);
    await assertRevoked(a.token);
    await assertRevoked(b.token);
    assert.deepEqual(removed.map(([, identity]) => identity).sort(), [`practitioner-${a.tokenId}`, `practitioner-${b.tokenId}`].sort());
    await new Promise((r) => setTimeout(r, 5));
    const later = await issue(id);
    assert.equal((await grant(later.token)).status, 200);
    assert.equal((await grant(elsewhere.token)).status, 200);
  });

  it("refuses revoking another tenant's consultation and malformed token ids; a patient's ticket is no practitioner token", async () => {
    const id = await createConsultation(app, app.keys.acme);
    const foreign = await call<ErrorReply>(app, 'POST', `/v1/consultations/${id}/practitioner-tokens/revoke`, { auth: app.keys.globex });
    assert.equal(foreign.status, 404);
    const malformed = await call<ErrorReply>(app, 'POST', `/v1/consultations/${id}/practitioner-tokens/a.b/revoke`, {
      auth: app.keys.acme,
    });
    assert.equal(malformed.status, 404);
    assert.equal(malformed.body.error.code, 'token_not_found');
    const code = await issueCode(app, app.keys.acme, id);
    const joined = await call(app, 'POST', '/v1/lobby/join', { body: { code, name: 'Pat' } });
    assert.equal((await refresh(String(joined.body.ticket))).status, 401);
  });
});
