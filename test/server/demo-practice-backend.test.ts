import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { VideoconsultAdminClient, VideoconsultClient } from '../../client/index.js';
import { practiceRoutes } from '../../scripts/demo-backends/practice.js';
import { call, sha256 } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

/** The demo practice software's desks, against the real token server: no practice token of a replaced desk lives on. */
describe('demo back end: practice desks', () => {
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  let app: LocalApp;
  let backend: import('node:http').Server;
  let base: string;
  let vc: VideoconsultClient;

  before(async () => {
    app = await startLocalApp({ admin: { apiKeySha256: [sha256(adminKey)] } });
    await app.server.tenantsReady;
    vc = new VideoconsultClient({ baseUrl: app.base, apiKey: app.keys.acme });
    const web = express().use(practiceRoutes(vc, new VideoconsultAdminClient({ baseUrl: app.base, apiKey: adminKey }), 'acme'));
    backend = web.listen(0, '127.0.0.1');
    await new Promise((r) => backend.once('listening', r));
    base = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => backend?.close(r));
    await app?.stop();
  });

  const open = async (): Promise<string> => {
    const res = await fetch(`${base}/desks/reception/open`, { method: 'POST' });
    assert.equal(res.status, 200);
    return ((await res.json()) as { practitionerToken: string }).practitionerToken;
  };
  /** 404 (no such patient) for a token that works, 401 token_revoked for one that was revoked. */
  const refusal = async (token: string): Promise<string> => {
    const res = await call(app, 'POST', '/v1/practice/transfer', { auth: token, body: { ticketId: 't_nobody', toConsultationId: 'c_x' } });
    return (res.body.error as { code: string }).code;
  };

  it("a desk opened twice (a double click) keeps both tokens; a new desk consultation revokes every one of the old one's", async () => {
    const [first, second] = [await open(), await open()];
    assert.equal(await refusal(first), 'patient_not_found');
    assert.equal(await refusal(second), 'patient_not_found');
    const { items } = await vc.listConsultations();
    const desk = items.find((c) => c.title === 'Reception');
    assert.ok(desk);
    await vc.endConsultation(desk.id);
    const third = await open();
    assert.equal(await refusal(first), 'token_revoked');
    assert.equal(await refusal(second), 'token_revoked');
    assert.equal(await refusal(third), 'patient_not_found');
  });
});
