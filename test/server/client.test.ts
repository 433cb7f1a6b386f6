import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret } from '../../server/outbox/signing.js';
import { sha256 } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

type ClientModule = typeof import('../../client/index.js');

describe('videoconsult/client', () => {
  let app: LocalApp;
  let out: string;
  let built: ClientModule;
  const adminKey = `admin_${Date.now().toString(36)}_client_test`;
  before(async () => {
    app = await startLocalApp({ admin: { apiKeySha256: [sha256(adminKey)] } });
    // The module integrators get: compiled by the build's own config, then imported from the output.
    out = mkdtempSync(join(tmpdir(), 'vc-client-build-'));
    await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.client.json', '--outDir', out]);
    built = (await import(pathToFileURL(join(out, 'client', 'index.js')).href)) as ClientModule;
  });
  after(async () => {
    await app?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('builds to ESM with declarations that name the server schemas, and is exported as videoconsult/client', () => {
    assert.ok(existsSync(join(out, 'client', 'index.d.ts')));
    assert.match(readFileSync(join(out, 'client', 'index.d.ts'), 'utf8'), /consultations\.schema\.js/);
    assert.ok(existsSync(join(out, 'server', 'consultations', 'consultations.schema.d.ts')), 'the types it refers to ship too');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, { types: string; import: string }> };
    assert.deepEqual(pkg.exports['./client'], { types: './dist/client/index.d.ts', import: './dist/client/index.js' });
  });

  it('drives the integrator API', async () => {
    const vc = new built.VideoconsultClient({ baseUrl: `${app.base}/`, apiKey: app.keys.acme });
    const c = await vc.createConsultation({ title: 'Follow-up', maxParticipants: 3 });
    assert.equal(c.status, 'scheduled');
    assert.equal(c.maxParticipants, 3);
    assert.equal((await vc.getConsultation(c.id)).id, c.id);
    const code = await vc.createAccessCode(c.id, { alias: 'Patient 7' });
    assert.match(code.code, /^[2-9A-Z]{10}$/);
    assert.match((await vc.createPractitionerToken(c.id, { name: 'Dr. Who' })).token, /\S{20,}/);
    for (let i = 0; i < 3; i++) await vc.createConsultation();
    const page = await vc.listConsultations({ limit: 2 });
    assert.equal(page.items.length, 2);
    assert.ok(page.nextCursor);
    const all = [];
    for await (const item of vc.consultations({ limit: 1 })) all.push(item.id);
    assert.equal(all.length, 4);
    assert.equal((await vc.endConsultation(c.id)).status, 'ended');
    assert.ok((await vc.audit()).items.some((a) => a.action === 'consultation.end'));
    assert.equal((await vc.stats()).totals.sessions, 1);
  });

  it('throws typed errors carrying the code', async () => {
    const vc = new built.VideoconsultClient({ baseUrl: app.base, apiKey: app.keys.acme });
    await assert.rejects(vc.getConsultation('missing'), (e: unknown) => {
      assert.ok(e instanceof built.VideoconsultApiError);
      assert.deepEqual([e.status, e.code], [404, 'consultation_not_found']);
      return true;
    });
    await assert.rejects(new built.VideoconsultClient({ baseUrl: app.base, apiKey: 'wrong' }).listConsultations(), {
      status: 401,
      code: 'unauthorized',
    });
    // Type-checked input can still be refused by the server: the message names the field.
    await assert.rejects(vc.createConsultation({ maxParticipants: 99 }), {
      status: 400,
      code: 'invalid_request',
      message: /maxParticipants/,
    });
    await assert.rejects(new built.VideoconsultClient({ baseUrl: 'http://127.0.0.1:1', apiKey: app.keys.acme }).stats(), {
      status: 0,
      code: 'network_error',
    });
  });

  it('makes a practice with the admin key and mints practice tokens for its consultations', async () => {
    const admin = new built.VideoconsultAdminClient({ baseUrl: app.base, apiKey: adminKey });
    assert.deepEqual((await admin.listPractices('acme')).items, []);
    const practice = await admin.createPractice('acme', { name: 'Riverside' });
    assert.match(practice.id, /^pr_/);
    assert.deepEqual(
      (await admin.listPractices('acme')).items.map((p) => [p.id, p.name]),
      [[practice.id, 'Riverside']],
    );
    // The admin key is not a tenant key, nor the other way round.
    await assert.rejects(new built.VideoconsultAdminClient({ baseUrl: app.base, apiKey: app.keys.acme }).listPractices('acme'), {
      status: 401,
      code: 'unauthorized',
    });
    await assert.rejects(admin.createPractice('nobody', { name: 'X' }), { status: 404 });

    const vc = new built.VideoconsultClient({ baseUrl: app.base, apiKey: app.keys.acme });
    const desk = await vc.createConsultation({ title: 'Reception', practiceId: practice.id });
    const token = await vc.createPracticeToken(practice.id, { consultationId: desk.id, name: 'Reception' });
    assert.match(token.token, /\S{20,}/);
    assert.ok(Date.parse(token.expiresAt) > Date.now());
    const practiceEvents = await fetch(`${app.base}/v1/practice/events`, { headers: { authorization: `Bearer ${token.token}` } });
    assert.equal(practiceEvents.status, 200, 'the token watches the practice queue');
    await practiceEvents.body?.cancel();
    const outside = await vc.createConsultation({ title: 'Elsewhere' });
    await assert.rejects(vc.createPracticeToken(practice.id, { consultationId: outside.id, name: 'Dr' }), {
      status: 409,
      code: 'not_in_practice',
    });
    await assert.rejects(
      new built.VideoconsultClient({ baseUrl: app.base, apiKey: app.keys.globex }).createPracticeToken(practice.id, {
        consultationId: desk.id,
        name: 'Dr',
      }),
      { status: 404, code: 'practice_not_found' },
    );
  });

  it('verifies webhooks signed by the reference library, with either secret of a rotation', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const body = JSON.stringify({
      type: 'patient.waiting',
      timestamp: new Date().toISOString(),
      data: { consultationId: 'c', ticketId: 't' },
    });
    const at = new Date();
    const sig = `${new Webhook(newSecret).sign('msg_1', at, body)} ${new Webhook(oldSecret).sign('msg_1', at, body)}`;
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': sig };
    for (const accepted of [[oldSecret], [newSecret], [newWebhookSecret(), oldSecret]]) {
      assert.equal(built.verifyWebhook(accepted, body, headers).type, 'patient.waiting');
    }
    assert.equal(built.verifyWebhook(oldSecret, Buffer.from(body), new Headers(headers)).type, 'patient.waiting');
    assert.throws(() => built.verifyWebhook(newWebhookSecret(), body, headers), built.WebhookVerificationError);
    assert.throws(() => built.verifyWebhook(oldSecret, body.replace('waiting', 'admitted'), headers), /No matching signature/);
    assert.throws(() => built.verifyWebhook(oldSecret, body, headers, { now: at.getTime() + 301_000 }), /too old/);
    assert.throws(() => built.verifyWebhook(oldSecret, body, { ...headers, 'webhook-id': 'msg_2' }), /No matching/);
  });
});
