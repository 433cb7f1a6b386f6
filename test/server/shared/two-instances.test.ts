/**
 * Two token-server instances (two createApp on two ports) on one PostgreSQL, one Redis and one SFU: what a patient
 * does through one is seen through the other. Runs under the browser lock (it starts livekit-server).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, EventReader, issueCode } from '../helpers.js';
import { measureAdmitDelays } from './admit-delay.js';
import { PatientPage } from './patient-page.js';
import {
  admit,
  clientAddress,
  joinThrough,
  openConsultation,
  percentile,
  startEngines,
  startInstance,
  type Engines,
  type Instance,
} from './instances.js';
import { eventually, withinSeconds } from './support.js';

let engines: Engines;
let a: Instance;
let b: Instance;
const pages: PatientPage[] = [];
const page = (ticket: { ticket: string; ticketId: string }, bases: string[], address: string): PatientPage => {
  const p = new PatientPage(ticket.ticket, ticket.ticketId, bases, address);
  pages.push(p);
  return p;
};

before(async () => {
  engines = await startEngines();
  [a, b] = [await startInstance(engines), await startInstance(engines)];
});

after(async () => {
  await Promise.all(pages.map((p) => p.close()));
  await a?.stop();
  await b?.stop();
  await engines?.stop();
});

describe('two instances', () => {
  it('a patient waiting on A receives `admitted` when the practitioner admits through B (delay over 60 admissions)', async () => {
    const { crossInstance, sameInstance } = await measureAdmitDelays(engines, a, b, 60);
    assert.equal(crossInstance.length, 60);
    // A benchmark figure (target p99 ≤ 50 ms on loopback), reported here and by `npm run bench`, not judged by this test.
    const line = (xs: number[]) => {
      const sorted = [...xs].sort((x, y) => x - y);
      return `p50=${percentile(sorted, 50).toFixed(1)} ms p99=${percentile(sorted, 99).toFixed(1)} ms`;
    };
    console.log(
      `admit → admitted, n=60 each: through B (cross-instance) ${line(crossInstance)}; through A (same instance) ${line(sameInstance)}`,
    );
  });

  it("the practitioner's queue on B shows a patient who joined through A", async () => {
    const consultation = await openConsultation(engines, a);
    const queue = await EventReader.open(b, '/v1/practitioner/events', consultation.practitioner);
    try {
      assert.deepEqual((await queue.next('queue')).patients, []);
      const patient = await joinThrough(engines, a, consultation.id, clientAddress(), 'Ada');
      const update = (await queue.next('queue')) as { patients: { ticketId: string; name: string }[] };
      assert.deepEqual(
        update.patients.map((p) => [p.ticketId, p.name]),
        [[patient.ticketId, 'Ada']],
      );
    } finally {
      queue.close();
    }
  });

  it('the code lockout holds across instances: 5 failures over A and B, the 6th on either is 429', async () => {
    const consultation = await openConsultation(engines, a);
    const address = clientAddress();
    const attempt = (via: Instance, code: string) =>
      call(via, 'POST', '/v1/lobby/join', { body: { code, name: 'Mallory' }, headers: { 'x-forwarded-for': address } });
    for (const via of [a, b, a, b, a]) {
      const res = await attempt(via, 'WRONGCODE2');
      assert.equal(res.status, 404, 'a wrong code');
    }
    for (const via of [a, b]) {
      const res = await attempt(via, 'WRONGCODE2');
      assert.equal(res.status, 429, `6th attempt on ${via === a ? 'A' : 'B'}`);
      assert.equal((res.body as { error: { code: string } }).error.code, 'too_many_attempts');
      assert.ok(Number(res.headers.get('retry-after')) > 14 * 60);
    }
    // Locked out means even a valid code is not looked at.
    assert.equal((await attempt(b, await issueCode(a, engines.apiKey, consultation.id))).status, 429);
    // Another client is unaffected.
    await joinThrough(engines, b, consultation.id, clientAddress());
  });

  it('stream caps hold across instances: a fourth stream for one ticket, on B, closes the oldest, on A', async () => {
    const consultation = await openConsultation(engines, a);
    const address = clientAddress();
    const { ticket } = await joinThrough(engines, a, consultation.id, address);
    const headers = { 'x-forwarded-for': address };
    const onA: EventReader[] = [];
    for (let i = 0; i < 3; i++) {
      const stream = await EventReader.open(a, '/v1/lobby/events', ticket, headers);
      await stream.next('queue');
      onA.push(stream);
    }
    const onB = await EventReader.open(b, '/v1/lobby/events', ticket, headers);
    try {
      await onB.next('queue');
      await onA[0]!.waitClosed(3000);
      assert.equal(onA[1]!.closed || onA[2]!.closed || onB.closed, false, 'only the oldest is closed');
    } finally {
      for (const s of [...onA, onB]) s.close();
    }
  });

  it('Redis restarts under waiting patients: a clear 503 while it is down, then everything recovers by itself', async () => {
    await outageUnderWaitingPatients(engines.redis, 'shared_state_unavailable', 'bus_unavailable');
  });

  it('PostgreSQL restarts (after a crash) under waiting patients: a clear 503 while it is down, then everything recovers by itself', async () => {
    await outageUnderWaitingPatients(engines.postgres, 'store_unavailable', 'store_unavailable');
  });
});

/**
 * Three patients wait (through A and B); the engine is SIGKILLed; requests to both instances are answered 503
 * with `code` within seconds; the engine starts again and, without touching A or B, admission works, the
 * others move up in their order and a new patient can join: nothing committed before the crash is lost.
 */
async function outageUnderWaitingPatients(
  engine: { kill(): Promise<void>; restart(): Promise<void> },
  code: string,
  readyCode: string,
): Promise<void> {
  const consultation = await openConsultation(engines, a);
  const waiting: PatientPage[] = [];
  for (let i = 0; i < 3; i++) {
    const address = clientAddress();
    waiting.push(page(await joinThrough(engines, i % 2 ? b : a, consultation.id, address), [a.base, b.base], address));
  }
  for (const [i, p] of waiting.entries()) await p.until((x) => x.position === i + 1, 5000, `position ${i + 1}`);

  await engine.kill();
  try {
    const down = [
      call(a, 'POST', '/v1/lobby/join', { body: { code: 'ABCDEFGHJK', name: 'Late' }, headers: { 'x-forwarded-for': clientAddress() } }),
      admit(b, consultation.practitioner, waiting[0]!.ticketId),
      call(b, 'GET', '/v1/lobby/events', { auth: waiting[1]!.ticket }),
      call(a, 'POST', `/v1/consultations/${consultation.id}/access-codes`, { auth: engines.apiKey, body: {} }),
    ];
    for (const res of await withinSeconds(10, Promise.all(down))) {
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal((res.body as { error: { code: string } }).error.code, code);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
    }
    // The load balancer's view: neither instance is ready, and each says why.
    for (const via of [a, b]) {
      const ready = await withinSeconds(5, call(via, 'GET', '/v1/ready'));
      assert.equal(ready.status, 503);
      assert.equal((ready.body as { error: { code: string } }).error.code, readyCode);
    }
  } finally {
    await engine.restart();
  }
  // Recovers by itself: no restart of A or B.
  await eventually(async () => (await admit(b, consultation.practitioner, waiting[0]!.ticketId)).status === 200, 15_000, 'B admits again');
  await waiting[0]!.until((x) => x.of('admitted').length === 1, 10_000, 'admitted after the restart');
  for (const via of [a, b]) await eventually(async () => (await call(via, 'GET', '/v1/ready')).status === 200, 10_000, 'ready again');
  // Nothing committed was lost: the others still wait, in their order, and move up.
  for (const [i, p] of waiting.slice(1).entries()) await p.until((x) => x.position === i + 1, 10_000, `moved up to ${i + 1}`);
  const late = await joinThrough(engines, a, consultation.id, clientAddress());
  const queue = await EventReader.open(b, '/v1/practitioner/events', consultation.practitioner);
  try {
    const { patients } = (await queue.next('queue')) as { patients: { ticketId: string }[] };
    assert.deepEqual(
      patients.map((p) => p.ticketId),
      [waiting[1]!.ticketId, waiting[2]!.ticketId, late.ticketId],
    );
  } finally {
    queue.close();
  }
}
