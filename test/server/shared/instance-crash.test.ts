/**
 * Two token-server processes (server/main.ts) on one PostgreSQL, one Redis and one SFU. Instance A is killed with
 * SIGKILL while patients wait on it: their streams reconnect to B and keep their places; nobody is lost or
 * admitted twice. Runs under the browser lock (it starts livekit-server).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { EventReader } from '../helpers.js';
import { PatientPage } from './patient-page.js';
import { admit, clientAddress, joinThrough, openConsultation, spawnInstance, startEngines, type Engines } from './instances.js';

let engines: Engines;
let a: Awaited<ReturnType<typeof spawnInstance>>;
let b: Awaited<ReturnType<typeof spawnInstance>>;
const pages: PatientPage[] = [];

before(async () => {
  engines = await startEngines();
  [a, b] = await Promise.all([spawnInstance(engines, 'a'), spawnInstance(engines, 'b')]);
});

after(async () => {
  await Promise.all(pages.map((p) => p.close()));
  await a?.stop();
  await b?.stop();
  await engines?.stop();
});

it('SIGKILL of the instance patients wait on: they reconnect to the other, keep their places, nobody lost or admitted twice', async () => {
  const consultation = await openConsultation(engines, b, { maxParticipants: 16 });
  const waiting: PatientPage[] = [];
  for (let i = 0; i < 8; i++) {
    const address = clientAddress();
    const ticket = await joinThrough(engines, a, consultation.id, address, `Patient ${i + 1}`);
    // A load balancer would send them anywhere; here they all start on A, and fail over in list order.
    const p = new PatientPage(ticket.ticket, ticket.ticketId, [a.base, b.base], address);
    pages.push(p);
    waiting.push(p);
  }
  for (const [i, p] of waiting.entries()) await p.until((x) => x.position === i + 1, 5000, `position ${i + 1} on A`);
  assert.ok(waiting.every((p) => p.connections.length === 1 && p.connections[0] === a.base));

  // Two admitted while on A, so a duplicate `admitted` after the fail-over would show.
  for (const p of waiting.slice(0, 2)) {
    assert.equal((await admit(b, consultation.practitioner, p.ticketId)).status, 200);
    await p.until((x) => x.of('admitted').length === 1, 5000, 'admitted on A');
  }

  await a.kill();
  assert.equal(a.process.signalCode, 'SIGKILL');

  for (const p of waiting) await p.until((x) => x.connections.includes(b.base), 10_000, 'a stream on B');
  // Their places: those still waiting are told the same order again, by B.
  for (const [i, p] of waiting.slice(2).entries()) {
    await p.until((x) => x.events.at(-1)?.base === b.base && x.position === i + 1, 5000, `position ${i + 1} from B`);
  }
  const queue = await EventReader.open(b, '/v1/practitioner/events', consultation.practitioner);
  try {
    const { patients } = (await queue.next('queue')) as { patients: { ticketId: string }[] };
    assert.deepEqual(
      patients.map((p) => p.ticketId),
      waiting.slice(2).map((p) => p.ticketId),
      'nobody lost, order kept',
    );
  } finally {
    queue.close();
  }

  // The practitioner's page retries an admit whose answer it never saw (as when its instance died mid-request):
  // a second admit of the same patient changes nothing.
  for (const p of waiting.slice(2)) {
    assert.equal((await admit(b, consultation.practitioner, p.ticketId)).status, 200);
    assert.equal((await admit(b, consultation.practitioner, p.ticketId)).status, 200);
  }
  for (const p of waiting.slice(2)) await p.until((x) => x.of('admitted').length >= 1, 5000, 'admitted on B');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const identities = new Set<string>();
  for (const [i, p] of waiting.entries()) {
    const admitted = p.of('admitted');
    const mine = new Set(admitted.map((e) => String(e.data.identity)));
    assert.equal(mine.size, 1, `patient ${i + 1}: one identity, got ${[...mine].join(', ')}`);
    identities.add([...mine][0]!);
    // Admitted on A before the crash: B's stream hands out a fresh grant for the same identity, as on any
    // reconnect. That is one admission, told once per connection.
    assert.deepEqual(
      admitted.map((e) => e.base),
      i < 2 ? [a.base, b.base] : [b.base],
      `patient ${i + 1}`,
    );
  }
  assert.equal(identities.size, waiting.length, 'one identity per patient');
});
