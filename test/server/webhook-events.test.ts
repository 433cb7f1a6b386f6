/**
 * The services emit their webhook events through the outbox, in the same transaction as the change: the whole
 * path from an API call to a signed delivery on a loopback receiver. Runs on SQLite, and on PostgreSQL with
 * VC_TEST_DATABASE=postgres (startLocalApp gives each app a server of its own then).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { webhookEnvelope, webhookEventData, webhookEventTypes, type WebhookEventType } from '../../server/outbox/events.js';
import { newWebhookSecret } from '../../server/outbox/signing.js';
import { RETURN_CHECK_MS } from '../../server/lobby/departures.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { Store, StoreOps } from '../../server/store/store.js';
import { call, createConsultation, EventReader, issueCode, joinLobby, practitionerToken, sha256, signWebhook } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

interface Delivery {
  id: string;
  type: WebhookEventType;
  data: Record<string, unknown>;
  body: string;
}

/** A loopback receiver that verifies every delivery with the reference library before accepting it. */
async function receiver(secret: string) {
  const got: Delivery[] = [];
  const waiters: (() => void)[] = [];
  const verifier = new Webhook(secret);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: { type: WebhookEventType; data: Record<string, unknown> };
      try {
        payload = verifier.verify(body, req.headers as Record<string, string>) as typeof payload;
      } catch {
        res.writeHead(401).end();
        return;
      }
      got.push({ id: String(req.headers['webhook-id']), type: payload.type, data: payload.data, body });
      res.writeHead(204).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    secret,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`,
    got,
    /** The first delivery of this type (matching `where`), waiting up to 10 s for it. */
    async next(type: WebhookEventType, where: (d: Delivery) => boolean = () => true): Promise<Delivery> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = got.find((d) => d.type === type && where(d));
        if (found) return found;
        const left = deadline - Date.now();
        assert.ok(left > 0, `no ${type} within 10 s; got ${got.map((d) => d.type).join(', ')}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, Math.min(left, 200)).unref();
        });
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('services emit webhook events', () => {
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  let app: LocalApp;
  let hooks: Awaited<ReturnType<typeof receiver>>;

  before(async () => {
    app = await startLocalApp(
      { admin: { apiKeySha256: [sha256(adminKey)] }, departureGraceSeconds: 1 },
      { webhookWorker: { pollMs: 100 } },
    );
    await app.server.tenantsReady;
    hooks = await receiver(newWebhookSecret());
    const created = await call(app, 'POST', '/v1/admin/tenants/acme/webhook-endpoints', {
      auth: adminKey,
      body: { url: hooks.url, secrets: [hooks.secret] },
    });
    assert.equal(created.status, 201);
  });
  after(async () => {
    await hooks?.close();
    await app?.stop();
  });

  it('a consultation and its patients, from creation to the end, each as a signed event with a valid payload', async () => {
    const id = await createConsultation(app, app.keys.acme, { scheduledAt: '2030-01-01T10:00:00.000Z' });
    const created = await hooks.next('consultation.created', (d) => d.data.consultationId === id);
    assert.equal(created.data.scheduledAt, '2030-01-01T10:00:00.000Z');

    const practitioner = await practitionerToken(app, app.keys.acme, id);
    const join = async (name: string, extra: Record<string, unknown> = {}, alias?: string) => {
      const code = await issueCode(app, app.keys.acme, id, alias ? { alias } : {});
      const res = await call(app, 'POST', '/v1/lobby/join', { body: { code, name, ...extra } });
      assert.equal(res.status, 201);
      return { ticket: String(res.body.ticket), ticketId: String(res.body.ticketId) };
    };
    const deviceCheck = { verdict: 'warning', camera: 'ok', microphone: 'ok', network: 'unknown' };
    const a = await join('Zacharias Unverwechselbar', { deviceCheck }, 'Termin 10:40');
    const waiting = await hooks.next('patient.waiting', (d) => d.data.ticketId === a.ticketId);
    assert.deepEqual(waiting.data, { consultationId: id, ticketId: a.ticketId, alias: 'Termin 10:40', deviceVerdict: 'warning' });
    assert.ok(!waiting.body.includes('Zacharias') && !waiting.body.includes('Unverwechselbar'), 'never the typed name');

    const b = await join('Bea Other');
    const c = await join('Cem Third');
    assert.equal((await call(app, 'POST', '/v1/practitioner/admit', { auth: practitioner, body: { ticketId: a.ticketId } })).status, 200);
    await hooks.next('patient.admitted', (d) => d.data.ticketId === a.ticketId);
    const declined = await call(app, 'POST', '/v1/practitioner/decline', {
      auth: practitioner,
      body: { ticketId: b.ticketId, reason: 'Bitte morgen wiederkommen' },
    });
    assert.equal(declined.status, 200);
    const declinedEvent = await hooks.next('patient.declined', (d) => d.data.ticketId === b.ticketId);
    assert.ok(!declinedEvent.body.includes('morgen'), 'the reason is for the patient, not the payload');
    assert.equal((await call(app, 'POST', '/v1/lobby/leave', { auth: c.ticket, body: {} })).status, 204);
    const left = await hooks.next('patient.left', (d) => d.data.ticketId === c.ticketId);
    assert.equal(left.data.reason, 'left');

    // The SFU reports the first participant: the consultation starts, once.
    const sfu = async (identity: string) => {
      const body = JSON.stringify({
        event: 'participant_joined',
        id: `EV_${randomBytes(6).toString('hex')}`,
        createdAt: String(Math.floor(Date.now() / 1000)),
        room: { name: `vc-${id}`, sid: 'RM_x' },
        participant: { identity, sid: 'PA_x' },
      });
      const auth = await signWebhook(body, app.config.livekit.apiKey, app.config.livekit.apiSecret);
      const res = await call(app, 'POST', '/v1/webhooks/livekit', {
        raw: body,
        headers: { authorization: auth, 'content-type': 'application/webhook+json' },
      });
      assert.equal(res.status, 200);
    };
    const grant = await call(app, 'POST', '/v1/lobby/grant', { auth: a.ticket, body: {} });
    assert.equal(grant.status, 200);
    await sfu(String(grant.body.identity));
    await hooks.next('consultation.started', (d) => d.data.consultationId === id);
    await sfu(String(grant.body.identity));

    assert.equal((await call(app, 'POST', `/v1/consultations/${id}/end`, { auth: app.keys.acme, body: {} })).status, 200);
    const ended = await hooks.next('consultation.ended', (d) => d.data.consultationId === id);
    assert.equal(ended.data.by, 'integrator');

    const mine = hooks.got.filter((d) => d.data.consultationId === id);
    assert.deepEqual(
      mine.map((d) => d.type),
      [
        'consultation.created',
        'patient.waiting',
        'patient.waiting',
        'patient.waiting',
        'patient.admitted',
        'patient.declined',
        'patient.left',
        'consultation.started',
        'consultation.ended',
      ],
      'each change once, in order',
    );
    for (const d of mine) {
      assert.ok(webhookEnvelope(d.type, webhookEventData[d.type].strict()).safeParse(JSON.parse(d.body)).success, `${d.type} payload`);
    }
    assert.equal(new Set(mine.map((d) => d.id)).size, mine.length, 'every event has its own id');

    // The served OpenAPI document describes every event type, and each delivery fits its description.
    type Schema = { properties: Record<string, Schema & { const?: string }>; required?: string[] };
    const doc = (
      await call<{ webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: Schema }> } } }> }>(
        app,
        'GET',
        '/v1/openapi.json',
      )
    ).body;
    assert.deepEqual(Object.keys(doc.webhooks).sort(), [...webhookEventTypes].sort());
    for (const d of mine) {
      const envelope = doc.webhooks[d.type]?.post.requestBody.content['application/json']?.schema;
      assert.equal(envelope?.properties.type?.const, d.type);
      const data = envelope.properties.data!;
      const keys = Object.keys(d.data);
      assert.ok(
        keys.every((k) => k in data.properties),
        `${d.type}: ${keys.join(', ')} all described`,
      );
      assert.ok(
        (data.required ?? []).every((k) => keys.includes(k)),
        `${d.type}: every required field sent`,
      );
    }
    // Another tenant's endpoints get nothing of acme's.
    await createConsultation(app, app.keys.globex);
  });

  it("a waiting patient's page that closes leaves after the grace period, once; one that comes back (a reload) keeps its place", async () => {
    const id = await createConsultation(app, app.keys.acme);
    const practitioner = await practitionerToken(app, app.keys.acme, id);
    const join = async (name: string) => joinLobby(app, await issueCode(app, app.keys.acme, id), name);
    const a = await join('Ada First');
    const gone = await join('Ben Closes');
    const back = await join('Cy Reloads');
    const waitingIds = async () => (await app.server.store.listLobbyEntries(id, 'waiting')).map((e) => e.id);
    const closed = (ticket: string) => call(app, 'POST', '/v1/lobby/leave', { auth: ticket, body: { reason: 'page_closed' } });

    assert.equal((await closed(gone.ticket)).status, 202);
    assert.equal((await closed(back.ticket)).status, 202);
    // Within the grace period both are still in the queue: a reload must not cost the place.
    assert.deepEqual(await waitingIds(), [a.ticketId, gone.ticketId, back.ticketId]);
    // The reloading page's stream reconnects with its ticket: its departure is called off.
    const stream = await EventReader.open(app, '/v1/lobby/events', back.ticket);
    assert.equal((await stream.next('queue')).position, 3);
    await hooks.next('patient.left', (d) => d.data.ticketId === gone.ticketId);
    assert.deepEqual(await waitingIds(), [a.ticketId, back.ticketId]);
    assert.equal((await stream.next('queue')).position, 2, 'moved up by one, not out');

    // Repeats change nothing: the closed one has left, and a page_closed that follows a leave is no new event.
    assert.equal((await closed(gone.ticket)).status, 202);
    assert.equal((await call(app, 'POST', '/v1/lobby/leave', { auth: gone.ticket })).status, 204);
    // The sweeper completes a departure whose timer was lost (a restart, or it ran on another instance).
    assert.ok(await app.server.store.setLobbyDeparture(a.ticketId, Date.now() - 5_000));
    assert.equal((await app.server.sweep()).departed, 1);
    assert.equal((await app.server.sweep()).departed, 0);
    await new Promise((r) => setTimeout(r, 1_500)); // past the grace period of every mark above, and a delivery poll
    stream.close();
    assert.deepEqual(await waitingIds(), [back.ticketId]);
    assert.equal(
      (await call(app, 'POST', '/v1/practitioner/admit', { auth: practitioner, body: { ticketId: back.ticketId } })).status,
      200,
    );

    const left = hooks.got.filter((d) => d.type === 'patient.left' && d.data.consultationId === id);
    assert.deepEqual(
      left.map((d) => [d.data.ticketId, d.data.reason]).sort(),
      [
        [a.ticketId, 'page_closed'],
        [gone.ticketId, 'page_closed'],
      ].sort(),
      'one patient.left per departed patient, none for the one who came back',
    );
    assert.equal((await call(app, 'POST', '/v1/lobby/leave', { auth: back.ticket, body: { reason: 'gone' } })).status, 400);
  });

  it("a reload whose old page's leave reaches the server after the new page connected keeps its place", async () => {
    const id = await createConsultation(app, app.keys.acme);
    const late = await joinLobby(app, await issueCode(app, app.keys.acme, id), 'Di Late');
    const stream = await EventReader.open(app, '/v1/lobby/events', late.ticket);
    assert.equal((await stream.next('queue')).position, 1);
    const closed = await call(app, 'POST', '/v1/lobby/leave', { auth: late.ticket, body: { reason: 'page_closed' } });
    assert.equal(closed.status, 202);
    await new Promise((r) => setTimeout(r, 1_000 + RETURN_CHECK_MS + 500)); // the grace period and its check
    assert.deepEqual(
      (await app.server.store.listLobbyEntries(id, 'waiting')).map((e) => e.id),
      [late.ticketId],
    );
    assert.equal((await app.server.store.getLobbyEntry(late.ticketId))?.departingAt, null, 'the departure is called off');
    stream.close();
    assert.ok(!hooks.got.some((d) => d.type === 'patient.left' && d.data.ticketId === late.ticketId));
  });

  it('practitioners admitting (or declining) one patient at the same moment change it once: one event, one audit row', async () => {
    const id = await createConsultation(app, app.keys.acme);
    const [first, second] = [await practitionerToken(app, app.keys.acme, id), await practitionerToken(app, app.keys.acme, id)];
    const join = async (name: string) => {
      const code = await issueCode(app, app.keys.acme, id, {});
      const res = await call(app, 'POST', '/v1/lobby/join', { body: { code, name } });
      assert.equal(res.status, 201);
      return String(res.body.ticketId);
    };
    const a = await join('Ada Race');
    const admits = await Promise.all(
      [first, second, first, second].map((auth) => call(app, 'POST', '/v1/practitioner/admit', { auth, body: { ticketId: a } })),
    );
    assert.deepEqual(
      admits.map((r) => r.status),
      [200, 200, 200, 200],
      'admitting an admitted patient is what was asked',
    );
    const b = await join('Bo Race');
    const declines = await Promise.all(
      [first, second, first].map((auth) => call(app, 'POST', '/v1/practitioner/decline', { auth, body: { ticketId: b } })),
    );
    assert.deepEqual(
      declines.map((r) => r.status),
      [200, 200, 200],
    );
    await hooks.next('patient.declined', (d) => d.data.ticketId === b);
    await new Promise((r) => setTimeout(r, 500)); // the worker polls every 100 ms: a second event would be here by now
    const count = (type: string, ticketId: string) => hooks.got.filter((d) => d.type === type && d.data.ticketId === ticketId).length;
    assert.equal(count('patient.admitted', a), 1, 'one patient.admitted');
    assert.equal(count('patient.declined', b), 1, 'one patient.declined');
    const audit = await call<{ items: { action: string; consultationId?: string }[] }>(app, 'GET', '/v1/audit', { auth: app.keys.acme });
    assert.equal(audit.status, 200);
    const actions = audit.body.items.filter((e) => e.consultationId === id).map((e) => e.action);
    assert.equal(actions.filter((x) => x === 'patient.admit').length, 1, actions.join(', '));
    assert.equal(actions.filter((x) => x === 'patient.decline').length, 1, actions.join(', '));
  });

  it('no change without its event: when the event cannot be queued, the change is rolled back', async () => {
    const store = new SqliteStore(':memory:');
    const failing = new Proxy(store, {
      get(target: Store, key) {
        if (key !== 'transaction') return Reflect.get(target, key) as unknown;
        return <T>(fn: (tx: StoreOps) => Promise<T>) =>
          target.transaction((tx) =>
            fn(
              new Proxy(tx, {
                get: (t, k) =>
                  k === 'enqueueWebhookEvent' ? () => Promise.reject(new Error('outbox unavailable')) : (Reflect.get(t, k) as unknown),
              }),
            ),
          );
      },
    });
    const broken = await startLocalApp({}, { store: failing });
    try {
      await broken.server.tenantsReady;
      const res = await call(broken, 'POST', '/v1/consultations', { auth: broken.keys.acme, body: {} });
      assert.equal(res.status, 500);
      assert.deepEqual(await store.listConsultations('acme', { limit: 10 }), [], 'the consultation was not stored');
      assert.equal((await store.listAudit('acme', 0, Date.now() + 1)).length, 0, 'nor its audit entry');
    } finally {
      await broken.stop();
      await store.close();
    }
  });
});
