import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChangeHints } from '../../server/admin/tenant-directory.js';
import { closeServer, createApp, type VideoconsultApp } from '../../server/app.js';
import { parseConfig, type ConfigInput } from '../../server/config.js';
import { newWebhookSecret } from '../../server/outbox/signing.js';
import type { SqliteStore } from '../../server/store/sqlite.js';
import { SqliteOutbox } from '../../server/store/sqlite-outbox.js';
import { sha256 } from './helpers.js';
import { fakeRooms } from './local-app.js';

/** What a shared bus (Redis pub/sub) does between instances, here between two apps in one process. */
function sharedHints(): () => ChangeHints {
  const wire = new EventEmitter();
  return () => ({
    publish: () => wire.emit('changed'),
    subscribe: (fn) => {
      wire.on('changed', fn);
      return () => wire.off('changed', fn);
    },
  });
}

interface Instance {
  base: string;
  server: VideoconsultApp;
  http: Server;
}

describe('admin API (two instances, one store)', () => {
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  const acmeKey = `acme_${randomBytes(16).toString('hex')}`;
  let dir: string;
  let input: ConfigInput;
  const instances: Instance[] = [];
  const hints = sharedHints();

  async function start(overrides: Partial<ConfigInput> = {}): Promise<Instance> {
    // Each instance parses its own config, as separate processes would.
    const server = createApp(parseConfig({ ...input, ...overrides }), {
      rooms: fakeRooms,
      log: () => undefined,
      tenantHints: hints(),
      tenantRefreshMs: 0,
    });
    await server.tenantsReady;
    const http: Server = await new Promise((resolve) => {
      const s = server.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const instance = { base: `http://127.0.0.1:${(http.address() as { port: number }).port}`, server, http };
    instances.push(instance);
    return instance;
  }
  async function stop(i: Instance): Promise<void> {
    await closeServer(i.http);
    await i.server.close();
    instances.splice(instances.indexOf(i), 1);
  }

  const request = async (i: Instance, method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${i.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
  };
  const listAs = async (i: Instance, key: string) => (await request(i, 'GET', '/v1/consultations', key)).status;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vc-admin-'));
    input = {
      livekit: { url: 'ws://127.0.0.1:9', apiKey: 'devkey', apiSecret: randomBytes(32).toString('hex') },
      database: { path: join(dir, 'shared.sqlite') },
      secret: randomBytes(32).toString('hex'),
      tenants: [{ id: 'acme', name: 'Acme Health', apiKeySha256: [sha256(acmeKey)], allowedOrigins: ['https://acme.example'] }],
      admin: { apiKeySha256: [sha256(adminKey)] },
      sweepIntervalSeconds: 0,
    };
  });
  after(async () => {
    for (const i of [...instances]) await stop(i);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is closed to tenant keys and to anyone when no admin key is configured', async () => {
    const a = await start();
    assert.equal((await request(a, 'GET', '/v1/admin/tenants', acmeKey)).status, 401);
    assert.equal((await request(a, 'GET', '/v1/admin/tenants', adminKey)).status, 200);
    const closed = await start({ admin: undefined });
    assert.equal((await request(closed, 'GET', '/v1/admin/tenants', adminKey)).status, 401);
    await stop(closed);
    await stop(a);
  });

  it('a new tenant and a rotated key work at once on every instance; the old key stops after its grace', async () => {
    const [a, b] = [await start(), await start()];
    const created = await request(a, 'POST', '/v1/admin/tenants', adminKey, {
      id: 'globex',
      name: 'Globex',
      allowedOrigins: ['https://globex.example'],
    });
    assert.equal(created.status, 201);
    const firstKey = String(created.body.apiKey);
    assert.deepEqual([await listAs(a, firstKey), await listAs(b, firstKey)], [200, 200]);
    assert.equal((await request(a, 'POST', '/v1/admin/tenants', adminKey, { id: 'globex', name: 'Again' })).status, 409);

    const rotated = await request(b, 'POST', '/v1/admin/tenants/globex/api-keys', adminKey, { graceSeconds: 2 });
    assert.equal(rotated.status, 201);
    const secondKey = String(rotated.body.apiKey);
    assert.deepEqual([await listAs(a, secondKey), await listAs(b, secondKey)], [200, 200], 'the new key works at once on both');
    assert.deepEqual([await listAs(a, firstKey), await listAs(b, firstKey)], [200, 200], 'the old key still works during the grace');
    await new Promise((r) => setTimeout(r, 2100));
    assert.deepEqual([await listAs(a, firstKey), await listAs(b, firstKey)], [401, 401], 'the old key stopped after its grace');
    assert.deepEqual([await listAs(a, secondKey), await listAs(b, secondKey)], [200, 200]);

    // A rotation with no grace ends the key at once, everywhere.
    const third = String((await request(a, 'POST', '/v1/admin/tenants/globex/api-keys', adminKey, { graceSeconds: 0 })).body.apiKey);
    assert.deepEqual([await listAs(a, secondKey), await listAs(b, secondKey), await listAs(b, third)], [401, 401, 200]);
    const listed = await request(a, 'GET', '/v1/admin/tenants', adminKey);
    assert.ok(!JSON.stringify(listed.body).includes(sha256(third)), 'no key hashes in answers');
    await stop(a);
    await stop(b);
  });

  it('allowed origins apply on every instance at once', async () => {
    const [a, b] = [await start(), await start()];
    const preflight = (i: Instance, origin: string) =>
      fetch(`${i.base}/v1/lobby/join`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } }).then((r) =>
        r.headers.get('access-control-allow-origin'),
      );
    assert.equal(await preflight(b, 'https://new.example'), null);
    const set = await request(a, 'POST', '/v1/admin/tenants/acme/allowed-origins', adminKey, {
      origins: ['https://acme.example', 'https://new.example'],
    });
    assert.equal(set.status, 200);
    assert.equal(await preflight(b, 'https://new.example'), 'https://new.example');
    assert.equal(
      (await request(a, 'POST', '/v1/admin/tenants/acme/allowed-origins', adminKey, { origins: ['https://x.example/path'] })).status,
      400,
    );
    // The pattern allows xn-- labels (IDN hosts), but one that is not valid punycode cannot be a URL: 422, not a 500.
    const unusable = await request(a, 'POST', '/v1/admin/tenants/acme/allowed-origins', adminKey, { origins: ['http://a.xn--a'] });
    assert.equal(unusable.status, 422);
    assert.equal((unusable.body as { error: { code: string } }).error.code, 'invalid_origin');
    assert.equal(await preflight(b, 'https://new.example'), 'https://new.example', 'nothing half-written');
    assert.equal((await request(a, 'POST', '/v1/admin/tenants/nobody/allowed-origins', adminKey, { origins: [] })).status, 404);
    await stop(a);
    await stop(b);
  });

  it('practices and webhook endpoints (secret shown once; http only on loopback)', async () => {
    const a = await start();
    const p = await request(a, 'POST', '/v1/admin/tenants/acme/practices', adminKey, { name: 'Praxis Mitte' });
    assert.equal(p.status, 201);
    assert.deepEqual((await request(a, 'GET', '/v1/admin/tenants/acme/practices', adminKey)).body.items, [p.body]);
    const ep = await request(a, 'POST', '/v1/admin/tenants/acme/webhook-endpoints', adminKey, { url: 'http://127.0.0.1:9/hooks' });
    assert.equal(ep.status, 201);
    assert.match(String(ep.body.secret), /^whsec_/);
    const list = await request(a, 'GET', '/v1/admin/tenants/acme/webhook-endpoints', adminKey);
    assert.ok(!JSON.stringify(list.body).includes('whsec_'));
    assert.equal(
      (await request(a, 'POST', '/v1/admin/tenants/acme/webhook-endpoints', adminKey, { url: 'http://hooks.example/x' })).status,
      400,
    );

    // A secret rotation through the admin API: both sign until the old one is dropped.
    const epPath = `/v1/admin/tenants/acme/webhook-endpoints/${String(ep.body.id)}`;
    const next = newWebhookSecret();
    const rotated = await request(a, 'POST', epPath, adminKey, { secrets: [next, String(ep.body.secret)] });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.body.url, 'http://127.0.0.1:9/hooks');
    const outbox = new SqliteOutbox(a.server.store as SqliteStore);
    const stored = async () => (await outbox.listWebhookEndpoints('acme')).find((e) => e.id === ep.body.id);
    assert.deepEqual((await stored())?.secrets, [next, ep.body.secret]);
    assert.equal((await request(a, 'POST', epPath, adminKey, { url: 'http://127.0.0.1:9/moved', secrets: [next] })).status, 200);
    assert.deepEqual([(await stored())?.url, (await stored())?.secrets], ['http://127.0.0.1:9/moved', [next]]);
    assert.equal((await request(a, 'POST', epPath, adminKey, { secrets: ['whsec_short'] })).status, 400);
    assert.equal(
      (await request(a, 'POST', `/v1/admin/tenants/globex/webhook-endpoints/${String(ep.body.id)}`, adminKey, {})).status,
      404,
      "another tenant's endpoint is not found",
    );
    assert.equal((await request(a, 'POST', `${epPath}/remove`, adminKey, {})).status, 200);
    assert.equal(await stored(), undefined);
    assert.equal((await request(a, 'POST', `${epPath}/remove`, adminKey, {})).status, 404);
    await stop(a);
  });

  it('webhook endpoints from the config file: seeded at start, replaced when changed, removed when taken out', async () => {
    const [first, second] = [newWebhookSecret(), newWebhookSecret()];
    const withEndpoints = (endpoints: { id?: string; url: string; secrets: string[] }[]): Partial<ConfigInput> => ({
      tenants: [{ ...input.tenants[0]!, webhookEndpoints: endpoints }],
    });
    const endpoints = async (i: Instance) =>
      // Only this test's (an earlier one added its own).
      ((await request(i, 'GET', '/v1/admin/tenants/acme/webhook-endpoints', adminKey)).body.items as { id: string; url: string }[]).filter(
        (e) => /\/(billing|admin)$/.test(e.url),
      );
    let a = await start(withEndpoints([{ id: 'billing', url: 'http://127.0.0.1:9/billing', secrets: [first] }]));
    const viaAdmin = await request(a, 'POST', '/v1/admin/tenants/acme/webhook-endpoints', adminKey, { url: 'http://127.0.0.1:9/admin' });
    assert.equal(viaAdmin.status, 201);
    assert.deepEqual(
      (await endpoints(a)).map((e) => e.url),
      ['http://127.0.0.1:9/billing', 'http://127.0.0.1:9/admin'],
    );
    await stop(a);

    // A rotation in the config: both secrets sign from the next start on.
    a = await start(withEndpoints([{ id: 'billing', url: 'http://127.0.0.1:9/billing', secrets: [second, first] }]));
    const outbox = new SqliteOutbox(a.server.store as SqliteStore);
    const billing = (await outbox.listWebhookEndpoints('acme')).find((e) => e.url.endsWith('/billing'));
    assert.deepEqual(billing?.secrets, [second, first]);
    const fromConfig = (await endpoints(a)).find((e) => e.url.endsWith('/billing'))!;
    const changed = await request(a, 'POST', `/v1/admin/tenants/acme/webhook-endpoints/${fromConfig.id}`, adminKey, { secrets: [first] });
    assert.deepEqual([changed.status, changed.body.error?.code], [409, 'endpoint_from_config']);
    await stop(a);

    a = await start(withEndpoints([]));
    assert.deepEqual(
      (await endpoints(a)).map((e) => e.url),
      ['http://127.0.0.1:9/admin'],
      'the config endpoint is gone; the admin one stays',
    );
    assert.throws(
      () => parseConfig({ ...input, ...withEndpoints([{ url: 'http://hooks.example/x', secrets: [first] }]) }),
      /webhookEndpoints.*https/s,
    );
    assert.throws(
      () => parseConfig({ ...input, ...withEndpoints([{ url: 'https://hooks.example/x', secrets: ['whsec_short'] }]) }),
      /whsec_/,
    );
    await stop(a);
  });

  it('the config still seeds tenants; a key taken out of the config stops working', async () => {
    const newKey = `acme2_${randomBytes(16).toString('hex')}`;
    const a = await start({ tenants: [{ id: 'acme', name: 'Acme Health', apiKeySha256: [sha256(newKey)], allowedOrigins: [] }] });
    assert.deepEqual([await listAs(a, newKey), await listAs(a, acmeKey)], [200, 401]);
    const names = ((await request(a, 'GET', '/v1/admin/tenants', adminKey)).body.items as { id: string }[]).map((t) => t.id);
    assert.deepEqual(names, ['acme', 'globex'], 'what the admin API made survives restarts');
    await stop(a);
  });
});
