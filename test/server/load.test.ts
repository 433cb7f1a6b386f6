/**
 * Load: a few hundred waiting patients on lobby event streams at once, plus a burst of concurrent joins, then
 * a few admissions — against the real SFU and the token server (startHarness). Bounded in count and time;
 * no timing thresholds here (bench/ measures speed).
 *
 * Everything comes from one client address (127.0.0.1), so the config raises the per-client lobby rate limit
 * (config.rateLimits.lobbyPerMinute, default 120/min) and the open-code cap of one consultation
 * (maxOpenCodesPerConsultation, default 200) for this test. LOAD_WAITING and LOAD_BURST change the counts.
 *
 * The token server runs in this process, so the RSS printed is the server's plus this client's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { createConsultation, issueCode, practitionerToken, startHarness, type Harness } from './helpers.js';

const WAITING = Number(process.env.LOAD_WAITING ?? 300);
const BURST = Number(process.env.LOAD_BURST ?? 100);
const ADMIT = 5;
const STEP_TIMEOUT_MS = 20_000;

interface Patient {
  ticket: string;
  ticketId: string;
  positions: number[];
  admitted: boolean;
  events: string[];
  closed: boolean;
  errors: string[];
  abort: AbortController;
  /** Resolves the waiters when an event arrives. */
  wake: () => void;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Waits until `done()` holds, waking on every event (no polling interval to tune). */
async function until(what: string, done: () => boolean, patients: Patient[], timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.min(left, 250));
      const wake = (): void => {
        clearTimeout(t);
        resolve();
      };
      for (const p of patients) p.wake = wake;
    });
  }
}

describe('lobby load', { timeout: 60_000 }, () => {
  let h: Harness;
  let agent: Agent;
  const patients: Patient[] = [];

  before(async () => {
    h = await startHarness({
      rateLimits: { lobbyPerMinute: 1_000_000, practitionerPerMinute: 1_000_000 },
      maxOpenCodesPerConsultation: WAITING + BURST + 10,
    });
    // Enough connections for every stream plus the burst, on one origin.
    agent = new Agent({ connections: WAITING + BURST + 50, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 0 });
  });
  after(async () => {
    for (const p of patients) p.abort.abort();
    await agent?.close().catch(() => undefined);
    await h?.stop();
  });

  async function join(code: string, name: string): Promise<{ ticket: string; ticketId: string }> {
    const res = await request(`${h.base}/v1/lobby/join`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, name, deviceCheck: { verdict: 'ok', camera: 'ok', microphone: 'ok', network: 'ok' } }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 201) throw new Error(`join → ${res.statusCode} ${text}`);
    return JSON.parse(text) as { ticket: string; ticketId: string };
  }

  /** Opens the patient's event stream and records every event (parsing SSE by hand, as the SDK does). */
  async function listen(p: Patient): Promise<void> {
    const res = await request(`${h.base}/v1/lobby/events`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${p.ticket}` },
      signal: p.abort.signal,
    });
    if (res.statusCode !== 200) throw new Error(`events → ${res.statusCode} ${await res.body.text()}`);
    void (async () => {
      let buffer = '';
      try {
        for await (const chunk of res.body) {
          buffer += (chunk as Buffer).toString('utf8');
          let i: number;
          while ((i = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!event || data === undefined) continue;
            p.events.push(event);
            const parsed = JSON.parse(data) as { position?: number };
            if (event === 'queue' && typeof parsed.position === 'number') p.positions.push(parsed.position);
            if (event === 'admitted') p.admitted = true;
          }
          p.wake();
        }
      } catch (err) {
        if (!p.abort.signal.aborted) p.errors.push((err as Error).message);
      }
      p.closed = true;
      p.wake();
    })();
  }

  const newPatient = (joined: { ticket: string; ticketId: string }): Patient => ({
    ...joined,
    positions: [],
    admitted: false,
    events: [],
    closed: false,
    errors: [],
    abort: new AbortController(),
    wake: () => undefined,
  });

  const latest = (p: Patient): number | undefined => p.positions.at(-1);

  function assertPermutation(list: Patient[], n: number, what: string): void {
    const seen = list.map(latest).sort((a, b) => (a ?? 0) - (b ?? 0));
    assert.deepEqual(
      seen,
      Array.from({ length: n }, (_, i) => i + 1),
      `${what}: positions are not a permutation of 1..${n}`,
    );
  }

  it(`${WAITING} patients wait on streams, ${BURST} join at once, ${ADMIT} are admitted: nobody is lost`, async (t) => {
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    const id = await createConsultation(h, h.keys.acme, { maxParticipants: 16 });
    const practitioner = await practitionerToken(h, h.keys.acme, id);
    const codes = await pool(
      Array.from({ length: WAITING + BURST }, (_, i) => i),
      16,
      () => issueCode(h, h.keys.acme, id),
    );

    // 1. The waiting room fills up: joins one after another (arrival order = position), each stream opened.
    for (let i = 0; i < WAITING; i++) patients.push(newPatient(await join(codes[i]!, `Waiting ${i + 1}`)));
    await pool(patients, 50, listen);
    await until('every waiting patient’s first position', () => patients.every((p) => p.positions.length > 0), patients);
    assertPermutation(patients, WAITING, 'after the waiting room filled');
    patients.forEach((p, i) => assert.equal(latest(p), i + 1, 'the queue is in arrival order'));
    const rssWaiting = process.memoryUsage().rss;

    // 2. A burst of concurrent joins while all those streams are open.
    const burstStarted = Date.now();
    const burst = await Promise.allSettled(codes.slice(WAITING).map((code, i) => join(code, `Burst ${i + 1}`)));
    const burstMs = Date.now() - burstStarted;
    const rejected = burst.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    assert.deepEqual(rejected, [], 'every join of the burst succeeded');
    const burstPatients = burst.map((r) => newPatient((r as PromiseFulfilledResult<{ ticket: string; ticketId: string }>).value));
    patients.push(...burstPatients);
    await pool(burstPatients, 50, listen);
    const total = WAITING + BURST;
    await until('the burst’s positions', () => burstPatients.every((p) => p.positions.length > 0), patients);
    assertPermutation(patients, total, 'after the burst');
    // The earlier patients kept their places: the burst queued behind them.
    patients.slice(0, WAITING).forEach((p, i) => assert.equal(latest(p), i + 1));

    // 3. Admit the first few (in arrival order): they get a grant, everyone else moves up by that many.
    const before = new Map(patients.map((p) => [p, latest(p)!]));
    const admittedOnes = patients.filter((p) => before.get(p)! <= ADMIT);
    for (const p of admittedOnes) {
      const res = await request(`${h.base}/v1/practitioner/admit`, {
        dispatcher: agent,
        method: 'POST',
        headers: { authorization: `Bearer ${practitioner}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ticketId: p.ticketId }),
      });
      assert.equal(res.statusCode, 200, await res.body.text());
    }
    const stillWaiting = patients.filter((p) => !admittedOnes.includes(p));
    await until(
      'the admissions and the new positions',
      () => admittedOnes.every((p) => p.admitted) && stillWaiting.every((p) => latest(p) === before.get(p)! - ADMIT),
      patients,
    );
    assertPermutation(stillWaiting, total - ADMIT, 'after the admissions');
    for (const p of stillWaiting) assert.ok(!p.admitted && !p.events.includes('ended') && !p.events.includes('declined'));

    // No stream failed or closed under load, and positions only ever went down.
    assert.deepEqual(
      patients.flatMap((p) => p.errors),
      [],
      'stream errors',
    );
    assert.equal(patients.filter((p) => p.closed).length, 0, 'streams closed by the server');
    for (const p of patients)
      assert.deepEqual(
        [...p.positions].sort((a, b) => b - a),
        p.positions,
        'positions never went up',
      );

    // The queue the practitioner sees agrees with what the patients saw.
    const queueRes = await request(`${h.base}/v1/practitioner/events`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${practitioner}` },
    });
    let queueText = '';
    for await (const chunk of queueRes.body) {
      queueText += (chunk as Buffer).toString('utf8');
      if (/^event: queue\ndata: .*\n\n/m.test(queueText)) break; // leaving the loop closes the stream
    }
    const queue = JSON.parse(/^event: queue\ndata: (.*)$/m.exec(queueText)![1]!) as { patients: { ticketId: string }[] };
    assert.equal(queue.patients.length, total - ADMIT);
    assert.deepEqual(
      queue.patients.map((w) => w.ticketId),
      [...stillWaiting].sort((a, b) => latest(a)! - latest(b)!).map((p) => p.ticketId),
      'the practitioner’s queue order is the patients’ positions',
    );

    const rssAfter = process.memoryUsage().rss;
    const heapAfter = process.memoryUsage().heapUsed;
    const events = patients.reduce((n, p) => n + p.events.length, 0);
    t.diagnostic(
      `patients on streams: ${total} (${WAITING} waiting first, then a burst of ${BURST} concurrent joins in ${burstMs} ms); admitted ${ADMIT}`,
    );
    t.diagnostic(`events delivered: ${events}; request errors: 0; lost patients: 0`);
    t.diagnostic(
      `RSS (token server + this client, one process): before ${mb(rssBefore)}, ${WAITING} waiting ${mb(rssWaiting)}, after ${mb(rssAfter)} (+${mb(rssAfter - rssBefore)}); heap used ${mb(heapBefore)} → ${mb(heapAfter)}`,
    );
    // Every patient hangs up: the server lets go of the streams and still answers.
    for (const p of patients) p.abort.abort();
    await new Promise((r) => setTimeout(r, 500));
    const health = await request(`${h.base}/v1/health`, { dispatcher: agent });
    assert.equal(health.statusCode, 200);
    await health.body.text();
    t.diagnostic(`RSS after every stream closed: ${mb(process.memoryUsage().rss)}; heap used ${mb(process.memoryUsage().heapUsed)}`);
    console.log(`[load] ${total} streams, burst ${BURST} in ${burstMs} ms, RSS ${mb(rssBefore)} → ${mb(rssAfter)}`);
  });
});
