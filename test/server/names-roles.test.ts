import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cleanDisplayName } from '../../server/display-name.js';
import { call, createConsultation, decodeJwt, EventReader, issueCode, practitionerToken } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

type ErrorReply = { error: { code: string; message: string } };

describe('display names and roles', () => {
  let app: LocalApp;
  before(async () => {
    app = await startLocalApp();
  });
  after(async () => {
    await app?.stop();
  });

  it('cleans names: NFC, no control, bidi or zero-width characters, single spaces', () => {
    assert.equal(cleanDisplayName('Dr.\u200B\u00a0Weber'), 'Dr. Weber');
    assert.equal(cleanDisplayName('Jose\u0301'), 'Jos\u00e9');
    assert.equal(cleanDisplayName('\u202eAnna\u202c \u2066Muster\u2069\u0007'), 'Anna Muster');
    assert.equal(cleanDisplayName('Pat\ufeff\u2060\u00adient\u{e0041}'), 'Patient');
    assert.equal(cleanDisplayName('  Ali \t\n Veli  '), 'Ali Veli');
  });

  it('the queue shows the cleaned name; a name of invisible characters only is refused', async () => {
    const id = await createConsultation(app, app.keys.acme);
    const token = await practitionerToken(app, app.keys.acme, id);
    const code = await issueCode(app, app.keys.acme, id);
    const empty = await call<ErrorReply>(app, 'POST', '/v1/lobby/join', { body: { code, name: '\u200b\u202e \u2066' } });
    assert.equal(empty.status, 400);
    assert.match(empty.body.error.message, /body\.name: must contain visible characters/);
    const joined = await call(app, 'POST', '/v1/lobby/join', { body: { code, name: 'Dr.\u200B Weber\u202E' } });
    assert.equal(joined.status, 201);
    const queue = await EventReader.open(app, '/v1/practitioner/events', token);
    const { patients } = (await queue.next('queue')) as { patients: { name: string }[] };
    assert.deepEqual(
      patients.map((p) => p.name),
      ['Dr. Weber'],
    );
    queue.close();
  });

  it('grants carry the role as a participant attribute set by the server; patients cannot change it', async () => {
    const id = await createConsultation(app, app.keys.acme);
    const token = await practitionerToken(app, app.keys.acme, id);
    const practitioner = decodeJwt(String((await call(app, 'POST', '/v1/practitioner/grant', { auth: token })).body.token));
    assert.deepEqual(practitioner.attributes, { role: 'practitioner' });
    const code = await issueCode(app, app.keys.acme, id);
    const joined = await call(app, 'POST', '/v1/lobby/join', { body: { code, name: 'Dr. Practitioner' } });
    await call(app, 'POST', '/v1/practitioner/admit', { auth: token, body: { ticketId: joined.body.ticketId } });
    const patient = decodeJwt(String((await call(app, 'POST', '/v1/lobby/grant', { auth: String(joined.body.ticket) })).body.token));
    assert.deepEqual(patient.attributes, { role: 'patient' });
    assert.equal(patient.name, 'Dr. Practitioner');
    assert.equal((patient.video as { canUpdateOwnMetadata?: boolean }).canUpdateOwnMetadata, false);
  });

  it('a role the integrator gives a code reaches the queue and the grant; an unknown role is refused', async () => {
    const id = await createConsultation(app, app.keys.acme);
    const token = await practitionerToken(app, app.keys.acme, id);
    for (const role of ['practitioner', 'admin', '', 7]) {
      const refused = await call<ErrorReply>(app, 'POST', `/v1/consultations/${id}/access-codes`, { auth: app.keys.acme, body: { role } });
      assert.equal(refused.status, 400, `role ${JSON.stringify(role)}`);
      assert.equal(refused.body.error.code, 'invalid_request');
      assert.match(refused.body.error.message, /body\.role/);
    }
    const issued = await call(app, 'POST', `/v1/consultations/${id}/access-codes`, { auth: app.keys.acme, body: { role: 'relative' } });
    assert.equal(issued.status, 201);
    assert.equal(issued.body.role, 'relative');
    const plain = await call(app, 'POST', `/v1/consultations/${id}/access-codes`, { auth: app.keys.acme, body: {} });
    assert.equal(plain.body.role, 'patient');
    const relative = await call(app, 'POST', '/v1/lobby/join', { body: { code: issued.body.code, name: 'Dr. Relative' } });
    const patient = await call(app, 'POST', '/v1/lobby/join', { body: { code: plain.body.code, name: 'Interpreter' } });
    const queue = await EventReader.open(app, '/v1/practitioner/events', token);
    const { patients } = (await queue.next('queue')) as { patients: { name: string; role: string }[] };
    assert.deepEqual(
      patients.map((p) => [p.name, p.role]),
      [
        ['Dr. Relative', 'relative'],
        ['Interpreter', 'patient'],
      ],
    );
    queue.close();
    await call(app, 'POST', '/v1/practitioner/admit-all', { auth: token });
    const attributes = async (ticket: unknown) =>
      decodeJwt(String((await call(app, 'POST', '/v1/lobby/grant', { auth: String(ticket) })).body.token)).attributes;
    assert.deepEqual(await attributes(relative.body.ticket), { role: 'relative' });
    assert.deepEqual(await attributes(patient.body.ticket), { role: 'patient' });
  });
});

describe('grant lifetimes', () => {
  let app: LocalApp;
  before(async () => {
    app = await startLocalApp();
  });
  after(async () => {
    await app?.stop();
  });

  it('patient grants last 2 minutes; a declined patient gets no fresh one; practitioner tokens default to 60 minutes', async () => {
    const id = await createConsultation(app, app.keys.acme);
    const issued = await call(app, 'POST', `/v1/consultations/${id}/practitioner-tokens`, { auth: app.keys.acme, body: { name: 'Dr. A' } });
    const minutes = (Date.parse(String(issued.body.expiresAt)) - Date.now()) / 60_000;
    assert.ok(minutes > 59 && minutes <= 60, `practitioner token lasts ${minutes} min`);
    const token = String(issued.body.token);
    const code = await issueCode(app, app.keys.acme, id);
    const joined = await call(app, 'POST', '/v1/lobby/join', { body: { code, name: 'Pat' } });
    await call(app, 'POST', '/v1/practitioner/admit', { auth: token, body: { ticketId: joined.body.ticketId } });
    const grant = decodeJwt(String((await call(app, 'POST', '/v1/lobby/grant', { auth: String(joined.body.ticket) })).body.token));
    assert.equal(Number(grant.exp) - Number(grant.nbf), 120);
    await call(app, 'POST', '/v1/practitioner/decline', { auth: token, body: { ticketId: joined.body.ticketId } });
    const refused = await call<ErrorReply>(app, 'POST', '/v1/lobby/grant', { auth: String(joined.body.ticket) });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'not_admitted');
  });
});
