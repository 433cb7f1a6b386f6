import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createConsultation, EventReader, issueCode, joinLobby, practitionerToken, startHarness, type Harness } from './helpers.js';

describe("the practitioner's note for everyone waiting", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it('reaches every waiting patient live (and on connect), shows in the practitioner queue, clears, and is gone at the end', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const a = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    const b = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    const streamA = await EventReader.open(h, '/v1/lobby/events', a.ticket);
    const streamB = await EventReader.open(h, '/v1/lobby/events', b.ticket);
    const desk = await EventReader.open(h, '/v1/practitioner/events', pt);
    await streamA.next('queue');
    await streamB.next('queue');
    assert.equal((await desk.next('queue')).notice, undefined);

    const text = 'Dr. Weber is running about 10 minutes late';
    const set = await call(h, 'POST', '/v1/practitioner/notice', { auth: pt, body: { text: `  ${text} ` } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    for (const stream of [streamA, streamB]) {
      const notice = await stream.next('notice');
      assert.equal(notice.text, text);
      assert.ok(!Number.isNaN(Date.parse(String(notice.at))));
    }
    assert.equal(((await desk.next('queue')).notice as { text: string }).text, text);

    // A patient who connects later gets it at once.
    const c = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    const streamC = await EventReader.open(h, '/v1/lobby/events', c.ticket);
    assert.equal((await streamC.next('notice')).text, text);

    assert.equal((await call(h, 'POST', '/v1/practitioner/notice', { auth: pt, body: { text: null } })).status, 200);
    assert.deepEqual(await streamA.next('notice'), { text: null });
    // The queue changed meanwhile (C arrived): the latest queue event has no note.
    let queue = await desk.next('queue');
    while (queue.notice !== undefined) queue = await desk.next('queue');

    await call(h, 'POST', '/v1/practitioner/notice', { auth: pt, body: { text: 'again' } });
    await streamA.next('notice');
    const audit = await call<{ items: { action: string }[] }>(h, 'GET', '/v1/audit', { auth: h.keys.acme });
    assert.deepEqual(
      audit.body.items.filter((e) => e.action.startsWith('lobby.notice')).map((e) => e.action),
      ['lobby.notice', 'lobby.notice_clear', 'lobby.notice'],
    );
    assert.equal((await call(h, 'POST', `/v1/consultations/${id}/end`, { auth: h.keys.acme })).status, 200);
    assert.equal(await h.server.store.getWaitingNotice(id), undefined, 'the note is deleted with the consultation');
    for (const s of [streamA, streamB, streamC, desk]) s.close();
  });

  it('validates the note (blank, too long, unknown fields, missing) and needs a practitioner token', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    for (const body of [{ text: '   ' }, { text: 'x'.repeat(281) }, { text: 'ok', extra: 1 }, {}, { text: 5 }]) {
      const res = await call<{ error: { code: string } }>(h, 'POST', '/v1/practitioner/notice', { auth: pt, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'invalid_request');
    }
    assert.equal(await h.server.store.getWaitingNotice(id), undefined, 'nothing half-written');
    assert.equal((await call(h, 'POST', '/v1/practitioner/notice', { auth: 'vcp.nope.nope', body: { text: 'hi' } })).status, 401);
  });
});

describe("the patient's connection rating", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it('counts once per admitted ticket, also after the end, into the anonymous stats only', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const waiting = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    const refused = await call<{ error: { code: string } }>(h, 'POST', '/v1/lobby/rating', {
      auth: waiting.ticket,
      body: { rating: 'good' },
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'not_admitted');

    const patients = [waiting, await joinLobby(h, await issueCode(h, h.keys.acme, id))];
    for (const p of patients) await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: p.ticketId } });
    assert.equal((await call(h, 'POST', '/v1/lobby/rating', { auth: patients[0]!.ticket, body: { rating: 'poor' } })).status, 200);
    const twice = await call<{ error: { code: string } }>(h, 'POST', '/v1/lobby/rating', {
      auth: patients[0]!.ticket,
      body: { rating: 'good' },
    });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, 'already_rated');
    await call(h, 'POST', `/v1/consultations/${id}/end`, { auth: h.keys.acme });
    // The end screen comes after the end: the ticket still rates once.
    assert.equal((await call(h, 'POST', '/v1/lobby/rating', { auth: patients[1]!.ticket, body: { rating: 'good' } })).status, 200);
    for (const body of [{ rating: 'great' }, { rating: 'good', comment: 'x' }, {}]) {
      assert.equal((await call(h, 'POST', '/v1/lobby/rating', { auth: patients[1]!.ticket, body })).status, 400, JSON.stringify(body));
    }
    assert.equal((await call(h, 'POST', '/v1/lobby/rating', { auth: 'vct_unknown', body: { rating: 'good' } })).status, 401);

    const stats = await call<{ ratings: Record<string, number> }>(h, 'GET', '/v1/stats', { auth: h.keys.acme });
    assert.deepEqual(stats.body.ratings, { good: 1, fair: 0, poor: 1 });
    const other = await call<{ ratings: Record<string, number> }>(h, 'GET', '/v1/stats', { auth: h.keys.globex });
    assert.deepEqual(other.body.ratings, { good: 0, fair: 0, poor: 0 });
  });
});
