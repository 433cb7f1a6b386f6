import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  allResponses,
  call,
  createConsultation,
  EventReader,
  issueCode,
  joinLobby,
  practitionerToken,
  startHarness,
  type Harness,
} from './helpers.js';

type ErrorReply = { error: { code: string; message: string } };

describe('security', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it('locks a client out after 5 failed codes: the 6th attempt gets 429 with Retry-After even with the right code', async () => {
    await h.restart(); // fresh in-memory counters
    const id = await createConsultation(h, h.keys.acme);
    const code = await issueCode(h, h.keys.acme, id);
    for (let i = 0; i < 5; i++) {
      const res = await call<ErrorReply>(h, 'POST', '/v1/lobby/join', { body: { code: `WRONG${i}2345`, name: 'Mallory' } });
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'invalid_code');
    }
    const sixth = await call<ErrorReply>(h, 'POST', '/v1/lobby/join', { body: { code, name: 'Mallory' } });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.error.code, 'too_many_attempts');
    const retryAfter = Number(sixth.headers.get('retry-after'));
    assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `Retry-After ${retryAfter}`);
    // The lockout did not burn the code: after the window (a restart here) it still works.
    await h.restart();
    await joinLobby(h, code);
  });

  it('rate-limits the patient endpoints however the path is cased (Express matches routes case-insensitively)', async () => {
    await h.restart(); // fresh in-memory counters; the lobby allows 120 requests a minute per client
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) {
      const path = i % 2 ? '/V1/LOBBY/join' : '/v1/Lobby/join';
      statuses.push((await call<ErrorReply>(h, 'POST', path, { body: { code: 'x' } })).status);
    }
    assert.deepEqual([...new Set(statuses.slice(0, 120))], [400], 'the route answers on both casings');
    assert.equal(statuses[120], 429);
  });

  it('expired codes answer exactly like wrong ones', async () => {
    await h.restart();
    let clock = Date.now();
    await h.restart({ now: () => clock });
    const id = await createConsultation(h, h.keys.acme);
    const code = await issueCode(h, h.keys.acme, id, { expiresInMinutes: 5 });
    clock += 6 * 60_000;
    const expired = await call(h, 'POST', '/v1/lobby/join', { body: { code, name: 'Late' } });
    const wrong = await call(h, 'POST', '/v1/lobby/join', { body: { code: 'ABCDEFGHJK', name: 'Late' } });
    assert.equal(expired.status, 404);
    assert.deepEqual(expired.body, wrong.body);
    await h.restart();
  });

  it('caps the unused codes of one consultation (per-consultation brute-force bound)', async () => {
    h.config.maxOpenCodesPerConsultation = 3;
    try {
      const id = await createConsultation(h, h.keys.acme);
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push(await issueCode(h, h.keys.acme, id));
      const fourth = await call<ErrorReply>(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: {} });
      assert.equal(fourth.status, 409);
      assert.equal(fourth.body.error.code, 'too_many_codes');
      await joinLobby(h, codes[0]!); // a used code frees its place
      assert.equal((await call(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: {} })).status, 201);
      const other = await createConsultation(h, h.keys.acme);
      assert.equal((await call(h, 'POST', `/v1/consultations/${other}/access-codes`, { auth: h.keys.acme, body: {} })).status, 201);
    } finally {
      h.config.maxOpenCodesPerConsultation = 200;
    }
  });

  it('isolates tenants: another tenant sees 404, cannot end, issue codes or mint tokens, and does not list it', async () => {
    const id = await createConsultation(h, h.keys.acme, { title: 'Acme only' });
    for (const [method, path] of [
      ['GET', `/v1/consultations/${id}`],
      ['POST', `/v1/consultations/${id}/end`],
      ['POST', `/v1/consultations/${id}/access-codes`],
      ['POST', `/v1/consultations/${id}/practitioner-tokens`],
    ] as const) {
      const body = path.endsWith('practitioner-tokens') ? { name: 'Dr. Evil' } : method === 'POST' ? {} : undefined;
      const res = await call<ErrorReply>(h, method, path, { auth: h.keys.globex, body });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'consultation_not_found');
    }
    const list = await call<{ items: { id: string }[] }>(h, 'GET', '/v1/consultations?limit=100', { auth: h.keys.globex });
    assert.ok(!list.body.items.some((c) => c.id === id));
    const own = await call<{ items: { id: string }[] }>(h, 'GET', '/v1/consultations?limit=100', { auth: h.keys.acme });
    assert.ok(own.body.items.some((c) => c.id === id));
    assert.equal((await call(h, 'GET', `/v1/consultations/${id}`, { auth: h.keys.acme })).body.status, 'scheduled');
  });

  it('paginates lists with an opaque cursor', async () => {
    for (let i = 0; i < 3; i++) await createConsultation(h, h.keys.globex);
    const page1 = await call<{ items: { id: string }[]; nextCursor?: string }>(h, 'GET', '/v1/consultations?limit=2', {
      auth: h.keys.globex,
    });
    assert.equal(page1.body.items.length, 2);
    assert.ok(page1.body.nextCursor);
    const page2 = await call<{ items: { id: string }[] }>(h, 'GET', `/v1/consultations?limit=2&cursor=${page1.body.nextCursor}`, {
      auth: h.keys.globex,
    });
    assert.ok(page2.body.items.length >= 1);
    assert.ok(!page2.body.items.some((c) => page1.body.items.some((d) => d.id === c.id)));
  });

  it('refuses unknown fields and bad values with 400 invalid_request naming the field', async () => {
    const unknown = await call<ErrorReply>(h, 'POST', '/v1/consultations', { auth: h.keys.acme, body: { title: 'x', roomAdmin: true } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'invalid_request');
    assert.match(unknown.body.error.message, /body\.roomAdmin/);
    const bad = await call<ErrorReply>(h, 'POST', '/v1/consultations', { auth: h.keys.acme, body: { maxParticipants: 100 } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /body\.maxParticipants/);
    const query = await call<ErrorReply>(h, 'GET', '/v1/consultations?status=open', { auth: h.keys.acme });
    assert.equal(query.status, 400);
    assert.match(query.body.error.message, /query\.status/);
    const lobby = await call<ErrorReply>(h, 'POST', '/v1/lobby/join', { body: { code: 'ABCDEFGH', name: 'x', isAdmin: true } });
    assert.equal(lobby.status, 400);
    assert.match(lobby.body.error.message, /body\.isAdmin/);
    const broken = await call<ErrorReply>(h, 'POST', '/v1/consultations', {
      auth: h.keys.acme,
      raw: '{"title":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, 'invalid_json');
  });

  it('refuses bodies over 16 KiB with 413', async () => {
    const res = await call<ErrorReply>(h, 'POST', '/v1/consultations', { auth: h.keys.acme, body: { title: 'x'.repeat(17 * 1024) } });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'payload_too_large');
  });

  it('sends security headers and never x-powered-by', async () => {
    const res = await call(h, 'GET', '/v1/openapi.json');
    assert.equal(res.headers.get('x-powered-by'), null);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(res.headers.get('content-security-policy'));
    assert.ok(res.headers.get('strict-transport-security'));
  });

  it("CORS: only the tenant's allowed origins on browser endpoints, never on the integrator API", async () => {
    const preflight = await fetch(`${h.base}/v1/lobby/join`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://acme.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://acme.example');
    const evil = await fetch(`${h.base}/v1/lobby/join`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const integrator = await fetch(`${h.base}/v1/consultations`, {
      method: 'OPTIONS',
      headers: { origin: 'https://acme.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(integrator.headers.get('access-control-allow-origin'), null);
    const withOrigin = await call(h, 'GET', '/v1/consultations', { auth: h.keys.acme, headers: { origin: 'https://acme.example' } });
    assert.equal(withOrigin.headers.get('access-control-allow-origin'), null);

    // Globex's page cannot use an Acme ticket, even though Globex's origin is allowed somewhere.
    const id = await createConsultation(h, h.keys.acme);
    const p = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    const fromGlobex = await call<ErrorReply>(h, 'POST', '/v1/lobby/grant', {
      auth: p.ticket,
      headers: { origin: 'https://globex.example' },
    });
    assert.equal(fromGlobex.status, 403);
    assert.equal(fromGlobex.body.error.code, 'origin_not_allowed');
    const fromAcme = await call(h, 'POST', '/v1/lobby/grant', { auth: p.ticket, headers: { origin: 'https://acme.example' } });
    assert.equal(fromAcme.status, 403); // reached the handler: not admitted yet
    assert.equal(fromAcme.headers.get('access-control-allow-origin'), 'https://acme.example');
    assert.equal((fromAcme.body as unknown as ErrorReply).error.code, 'not_admitted');
  });

  it('practitioner tokens are scoped: forged, other-consultation and ticket-as-token are refused', async () => {
    const a = await createConsultation(h, h.keys.acme);
    const b = await createConsultation(h, h.keys.acme);
    const tokenA = await practitionerToken(h, h.keys.acme, a);
    const pb = await joinLobby(h, await issueCode(h, h.keys.acme, b));
    const cross = await call<ErrorReply>(h, 'POST', '/v1/practitioner/admit', { auth: tokenA, body: { ticketId: pb.ticketId } });
    assert.equal(cross.status, 404);
    const [prefix, payload] = tokenA.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, c: b })).toString('base64url')}.${tokenA.split('.')[2]}`;
    assert.equal((await call(h, 'POST', '/v1/practitioner/grant', { auth: forged })).status, 401);
    assert.equal((await call(h, 'POST', '/v1/practitioner/grant', { auth: pb.ticket })).status, 401);
    assert.equal((await call(h, 'POST', '/v1/lobby/grant', { auth: tokenA })).status, 401);
    assert.equal((await call(h, 'POST', '/v1/practitioner/grant', { auth: h.keys.acme })).status, 401);
  });

  it('caps concurrent event streams per ticket at 3: a new connection closes the oldest', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const p = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    const streams = [];
    for (let i = 0; i < 4; i++) {
      const s = await EventReader.open(h, '/v1/lobby/events', p.ticket);
      assert.equal(s.status, 200);
      await s.next('queue');
      streams.push(s);
    }
    await streams[0]!.waitClosed(2000);
    assert.deepEqual(
      streams.map((s) => s.closed),
      [true, false, false, false],
    );
    for (const s of streams) s.close();
  });

  it('logs carry no keys, codes, tickets, tokens or names, even when things go wrong', async () => {
    const logs: string[] = [];
    let sfuDown = false;
    await h.restart({
      log: (line) => logs.push(line),
      rooms: {
        createRoom: async (o) => {
          if (sfuDown) throw new Error('connect ECONNREFUSED');
          return h.rooms.createRoom(o);
        },
        deleteRoom: async (r) => {
          if (sfuDown) throw new Error('connect ECONNREFUSED');
          return h.rooms.deleteRoom(r);
        },
        removeParticipant: (r, i) => h.rooms.removeParticipant(r, i),
        listRooms: (n) => h.rooms.listRooms(n),
      },
    });
    const id = await createConsultation(h, h.keys.acme);
    const code = await issueCode(h, h.keys.acme, id);
    const p = await joinLobby(h, code, 'Quentin Lognamé');
    const pt = await practitionerToken(h, h.keys.acme, id);
    await call(h, 'POST', '/v1/practitioner/admit', { auth: pt, body: { ticketId: p.ticketId } });
    const grant = await call(h, 'POST', '/v1/lobby/grant', { auth: p.ticket });
    sfuDown = true;
    assert.equal((await call(h, 'POST', '/v1/lobby/grant', { auth: p.ticket })).status, 502);
    assert.equal((await call(h, 'POST', '/v1/practitioner/grant', { auth: pt })).status, 502);
    await call(h, 'POST', `/v1/consultations/${id}/end`, { auth: h.keys.acme, body: {} });
    sfuDown = false;
    assert.ok(logs.length >= 2, `the failure paths logged nothing: ${JSON.stringify(logs)}`);
    const all = logs.join('\n');
    for (const secret of [h.keys.acme, code, p.ticket, pt, String(grant.body.token), 'Quentin', h.config.secret, h.sfu.apiSecret]) {
      assert.ok(!all.includes(secret), `a log line contains ${secret.slice(0, 12)}…`);
    }
    await h.restart();
  });

  it('no response ever sets a cookie', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const stream = await EventReader.open(h, '/v1/practitioner/events', pt);
    await stream.next('queue');
    stream.close();
    await call(h, 'GET', '/v1/nowhere');
    assert.ok(allResponses.length > 30, `only ${allResponses.length} responses seen`);
    for (const headers of allResponses) assert.equal(headers.get('set-cookie'), null);
  });
});
