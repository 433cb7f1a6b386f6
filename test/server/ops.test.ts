// Operations: the JSON log of a whole consultation holds no IP, code, ticket, token, key, name or address;
// /metrics moves with the consultation (and needs its bearer token); /v1/ready fails and recovers with the SFU.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { CodeSender } from '../../server/context.js';
import { createLogger } from '../../server/ops/logger.js';
import { call, createConsultation, EventReader, issueCode, joinLobby, practitionerToken, startHarness, type Harness } from './helpers.js';

const PATIENT = 'Zebediah Quarrington';
const ADDRESS = 'zebediah.q@patients.example';
const FORWARDED_IP = '203.0.113.77';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

/** One sample's value from the Prometheus text format (0 when absent). */
function sample(text: string, name: string, labels = ''): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `) || (!labels && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('operations: logs, metrics, readiness', () => {
  let h: Harness;
  const log = capture();
  const sent: { to: string; code: string }[] = [];
  const bearer = randomBytes(24).toString('hex');
  before(async () => {
    const mailer: CodeSender = {
      async sendAccessCode(to, message) {
        sent.push({ to, code: message.code });
      },
    };
    const logger = createLogger({ level: 'info', destination: log.stream });
    h = await startHarness({ metrics: { bearerToken: bearer } }, { logger, log: (line) => logger.warn(line), mailer });
  });
  after(async () => {
    await h?.stop();
  });

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${h.base}/metrics`, { headers: { authorization: `Bearer ${bearer}` } });
    assert.equal(res.status, 200);
    return res.text();
  };

  it('a full consultation: metrics move, and the log names none of its secrets or people', async () => {
    const unauthorized = await fetch(`${h.base}/metrics`);
    assert.equal(unauthorized.status, 401);
    assert.equal((await fetch(`${h.base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const before = await scrape();
    assert.equal(sample(before, 'videoconsult_waiting_patients'), 0);

    const id = await createConsultation(h, h.keys.acme, { title: 'Follow-up' });
    const emailed = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, {
      auth: h.keys.acme,
      body: { deliver: { email: ADDRESS } },
    });
    assert.equal(emailed.status, 201);
    const code = sent[0]!.code;
    const spareCode = await issueCode(h, h.keys.acme, id);
    const doctor = await practitionerToken(h, h.keys.acme, id);

    const join = await call<{ ticket: string; ticketId: string }>(h, 'POST', '/v1/lobby/join', {
      body: { code, name: PATIENT },
      headers: { origin: 'https://acme.example', 'x-forwarded-for': FORWARDED_IP, 'x-request-id': 'trace-1234abcd' },
    });
    assert.equal(join.status, 201);
    assert.equal(join.headers.get('x-request-id'), 'trace-1234abcd', 'a well-formed request id is echoed');
    const { ticket, ticketId } = join.body;
    const patientEvents = await EventReader.open(h, '/v1/lobby/events', ticket, { origin: 'https://acme.example' });
    const queue = await EventReader.open(h, '/v1/practitioner/events', doctor, { origin: 'https://acme.example' });
    await patientEvents.next('queue');

    const waiting = await scrape();
    assert.equal(sample(waiting, 'videoconsult_waiting_patients'), 1);
    assert.equal(sample(waiting, 'videoconsult_lobby_joins_total') - sample(before, 'videoconsult_lobby_joins_total'), 1);
    assert.ok(sample(waiting, 'videoconsult_open_streams') >= 2, 'both streams counted');
    assert.ok(
      sample(waiting, 'videoconsult_http_request_duration_seconds_count', 'method="POST",route="/v1/lobby/join",status="201"') >= 1,
    );

    const message = await call(h, 'POST', '/v1/practitioner/message', {
      auth: doctor,
      body: { ticketId, text: 'Two minutes, please.' },
      headers: { origin: 'https://acme.example' },
    });
    assert.equal(message.status, 200);
    const admit = await call(h, 'POST', '/v1/practitioner/admit', {
      auth: doctor,
      body: { ticketId },
      headers: { origin: 'https://acme.example' },
    });
    assert.equal(admit.status, 200, JSON.stringify(admit.body));
    await patientEvents.next('admitted');
    const patientGrant = await call<{ token: string; e2eeKey?: string }>(h, 'POST', '/v1/lobby/grant', {
      auth: ticket,
      body: {},
      headers: { origin: 'https://acme.example' },
    });
    assert.equal(patientGrant.status, 200);
    const doctorGrant = await call<{ token: string; e2eeKey?: string }>(h, 'POST', '/v1/practitioner/grant', {
      auth: doctor,
      headers: { origin: 'https://acme.example' },
    });
    assert.equal(doctorGrant.status, 200);

    const admitted = await scrape();
    assert.equal(sample(admitted, 'videoconsult_waiting_patients'), 0);
    assert.equal(sample(admitted, 'videoconsult_admissions_total') - sample(before, 'videoconsult_admissions_total'), 1);
    assert.equal(sample(admitted, 'videoconsult_grants_total', 'role="patient"'), 1);
    assert.equal(sample(admitted, 'videoconsult_grants_total', 'role="practitioner"'), 1);

    // A wrong code and an unexpected error path are logged too, without the code.
    const wrong = await call(h, 'POST', '/v1/lobby/join', { body: { code: 'WRONG-CODE-9', name: PATIENT } });
    assert.ok(wrong.status >= 400);
    const end = await call(h, 'POST', '/v1/practitioner/end', { auth: doctor, body: {}, headers: { origin: 'https://acme.example' } });
    assert.ok(end.status < 300, JSON.stringify(end.body));
    // The SFU's webhooks about the room (created and deleted through its API) reach us and are counted.
    const deadline = Date.now() + 15_000;
    let webhooks: number;
    while (
      (webhooks = sample(await scrape(), 'videoconsult_webhook_deliveries_total', 'outcome="accepted"')) === 0 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(webhooks >= 1, 'webhook deliveries counted');
    patientEvents.close();
    queue.close();
    await new Promise((r) => setTimeout(r, 100));

    // The log: JSON lines, requests with an id and a route template; none of the secrets or people.
    assert.ok(log.lines.length > 10, `${log.lines.length} log lines`);
    const entries = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = entries.filter((e) => e.msg === 'request');
    assert.ok(requests.some((e) => e.route === '/v1/lobby/join' && e.reqId === 'trace-1234abcd'));
    assert.ok(requests.every((e) => typeof e.reqId === 'string' && typeof e.status === 'number'));
    assert.ok(
      requests.some((e) => e.route === '/v1/lobby/events'),
      'the stream is logged when it closes',
    );
    const all = log.lines.join('\n');
    const secrets: Record<string, string> = {
      'access code': code,
      'spare access code': spareCode,
      'wrong code': 'WRONG-CODE-9',
      ticket,
      'practitioner token': doctor,
      'patient grant': patientGrant.body.token,
      'practitioner grant': doctorGrant.body.token,
      'API key': h.keys.acme,
      'patient name': PATIENT,
      'practitioner name': 'Dr. Who',
      'e-mail address': ADDRESS,
      'client IP': '127.0.0.1',
      'forwarded IP': FORWARDED_IP,
      'message text': 'Two minutes, please.',
    };
    if (patientGrant.body.e2eeKey) secrets['E2EE key'] = patientGrant.body.e2eeKey;
    for (const [what, value] of Object.entries(secrets)) assert.ok(!all.includes(value), `the log contains the ${what}`);
  });

  it('/v1/ready fails naming the SFU while it is down (killed), and recovers when it is back', async () => {
    const ok = await call<{ status: string; checks: Record<string, string> }>(h, 'GET', '/v1/ready');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { status: 'ready', checks: { store: 'ok', bus: 'ok', sfu: 'ok' } });
    await h.sfu.kill();
    const down = await call<{ error: { code: string; message: string }; checks: Record<string, string> }>(h, 'GET', '/v1/ready');
    assert.equal(down.status, 503);
    assert.equal(down.body.error.code, 'sfu_unavailable');
    assert.match(down.body.error.message, /sfu/);
    assert.equal(down.body.checks.store, 'ok');
    assert.match(down.body.checks.sfu!, /^failed: /);
    await h.sfu.restart();
    const deadline = Date.now() + 15_000;
    let status: number;
    while ((status = (await call(h, 'GET', '/v1/ready')).status) !== 200 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal(status, 200);
  });

  it('/v1/ready answers 503 "draining" once a shutdown began, and drain() ends the open streams', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const { ticket } = await joinLobby(h, await issueCode(h, h.keys.acme, id), 'Drained Patient');
    const stream = await EventReader.open(h, '/v1/lobby/events', ticket, { origin: 'https://acme.example' });
    await stream.next('queue');
    h.server.drain();
    await stream.waitClosed();
    const res = await call<{ error: { code: string } }>(h, 'GET', '/v1/ready');
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'draining');
  });
});
