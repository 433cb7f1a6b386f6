// A waiting patient's tab that closes leaves the queue by itself, through the real token server and Chromium: the
// page's keepalive request on pagehide (cross-origin, so with a CORS preflight), the server's grace period, the
// practitioner's live queue and a Standard Webhooks receiver on loopback. A patient who reloads keeps their place.
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createConsultation, patientWaits, waitForState } from './flows.js';
import { EventStreamReader } from './sse.js';
import { useStack } from './stack.js';

const GRACE_SECONDS = 5;
const adminKey = `admin_${randomBytes(16).toString('hex')}`;
const stack = useStack(
  { departureGraceSeconds: GRACE_SECONDS, admin: { apiKeySha256: [createHash('sha256').update(adminKey).digest('hex')] } },
  { afterStart: () => listenForWebhooks() },
);

/** Verified deliveries, by type and ticket. */
const received: { type: string; data: { ticketId?: string; reason?: string } }[] = [];
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      received.push(new Webhook(secret).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as never);
      res.writeHead(204).end();
    } catch {
      res.writeHead(400).end();
    }
  });
});

async function listenForWebhooks(): Promise<void> {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const res = await fetch(`${stack.apiUrl}/v1/admin/tenants/demo/webhook-endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, secrets: [secret] }),
  });
  assert.equal(res.status, 201, await res.text());
}
after(() => new Promise<void>((r) => receiver.close(() => r())));

interface Queue {
  patients: { ticketId: string; name: string }[];
}

test("a waiting patient's closed tab leaves the practitioner's queue within seconds, with one patient.left; a reload keeps its place", async (t) => {
  const consultation = await createConsultation(stack, { patients: 3 });
  const queue = new EventStreamReader(`${stack.apiUrl}/v1/practitioner/events`, consultation.practitionerToken);
  try {
    const names = (q: Queue) => q.patients.map((p) => p.name).join(',');
    const first = await patientWaits(stack, consultation.codes[0]!, 'Ada Stays');
    const closing = await patientWaits(stack, consultation.codes[1]!, 'Ben Closes');
    const reloading = await patientWaits(stack, consultation.codes[2]!, 'Cy Reloads');
    const all = await queue.latest<Queue>((e) => e.type === 'queue' && names(e.data as Queue) === 'Ada Stays,Ben Closes,Cy Reloads');
    const ticketOf = (name: string) => all.patients.find((p) => p.name === name)!.ticketId;

    // The reloading tab: the page goes away (pagehide sends the same keepalive leave as a closing tab) and comes
    // back, resuming with the ticket it kept in session storage.
    await reloading.reload();
    await reloading.waitForFunction(() => document.body.dataset.ready === 'true');
    await reloading.evaluate((serverUrl) => window.vc.create({ serverUrl, role: 'patient', connectionTest: false }), stack.apiUrl);
    assert.equal(await reloading.evaluate(() => window.vc.session!.resume()), true, 'the tab kept its ticket');
    await waitForState(reloading, 'waiting');

    const closedAt = Date.now();
    await closing.close();
    await queue.latest<Queue>((e) => e.type === 'queue' && names(e.data as Queue) === 'Ada Stays,Cy Reloads', (GRACE_SECONDS + 10) * 1000);
    const gone = Date.now() - closedAt;
    t.diagnostic(`the closed tab left the practitioner's queue ${(gone / 1000).toFixed(1)} s after it closed (grace ${GRACE_SECONDS} s)`);
    assert.ok(gone >= GRACE_SECONDS * 1000 - 500, 'not before the grace period: a reload must have the time to come back');

    // The reloaded patient is second now: moved up by one, not out.
    await reloading.waitForFunction(() => window.vc.session!.snapshot.queue?.position === 2, undefined, { timeout: 15000 });
    assert.equal(await first.evaluate(() => window.vc.session!.snapshot.queue?.position), 1);

    // The receiver hears of it once (the worker delivers within a poll), and of nobody else leaving.
    const deadline = Date.now() + 15_000;
    while (!received.some((d) => d.type === 'patient.left') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, (GRACE_SECONDS + 2) * 1000)); // time for a wrong second event to show up
    const left = received.filter((d) => d.type === 'patient.left');
    assert.deepEqual(
      left.map((d) => d.data),
      [{ consultationId: consultation.id, ticketId: ticketOf('Ben Closes'), reason: 'page_closed' }],
    );
    assert.equal(await reloading.evaluate(() => window.vc.state()), 'waiting');
  } finally {
    queue.close();
  }
});
