import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { call, createConsultation, EventReader, issueCode, joinLobby, sha256 } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

/** Practitioner streams (desk and practice) last no longer than the token they were opened with (review item 4). */
describe('practitioner streams end with `expired` when their token does', () => {
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  let app: LocalApp;
  let offset = 0;
  let practiceId: string;
  const readers: EventReader[] = [];

  before(async () => {
    app = await startLocalApp({ admin: { apiKeySha256: [sha256(adminKey)] } }, { now: () => Date.now() + offset });
    await app.server.tenantsReady;
    const practice = await call(app, 'POST', '/v1/admin/tenants/acme/practices', { auth: adminKey, body: { name: 'Expiry' } });
    practiceId = String(practice.body.id);
  });
  after(async () => {
    for (const r of readers) r.close();
    await app?.stop();
  });

  /** A one-minute practice token for a new desk of the practice, minted at the current clock. */
  const desk = async (): Promise<{ consultationId: string; token: string }> => {
    const consultationId = await createConsultation(app, app.keys.acme, { practiceId });
    const res = await call(app, 'POST', `/v1/practices/${practiceId}/practitioner-tokens`, {
      auth: app.keys.acme,
      body: { consultationId, name: 'Dr Brief', ttlMinutes: 1 },
    });
    assert.equal(res.status, 201);
    return { consultationId, token: String(res.body.token) };
  };
  const open = async (path: string, token: string): Promise<EventReader> => {
    const reader = await EventReader.open(app, path, token);
    assert.equal(reader.status, 200);
    readers.push(reader);
    return reader;
  };

  it('on the next change after the expiry: no more queue (patient names) after it', async () => {
    offset = 0;
    const { consultationId, token } = await desk();
    const [own, shared] = [await open('/v1/practitioner/events', token), await open('/v1/practice/events', token)];
    await own.next('queue');
    await shared.next('queue');
    offset = 61_000;
    await joinLobby(app, await issueCode(app, app.keys.acme, consultationId), 'Late Patient');
    for (const reader of [own, shared]) {
      await reader.next('expired');
      await reader.waitClosed();
      assert.ok(!reader.all().some((e) => JSON.stringify(e.data).includes('Late Patient')));
    }
  });

  it('at the expiry itself, when nothing changes', async () => {
    offset = 0;
    const { token } = await desk();
    offset = 59_000; // one second of the token's minute left
    const [own, shared] = [await open('/v1/practitioner/events', token), await open('/v1/practice/events', token)];
    await own.next('queue');
    await shared.next('queue');
    await own.next('expired', 4000);
    await shared.next('expired', 4000);
  });
});
