import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientKeyOf } from '../../server/client-key.js';
import { ConfigError, parseConfig } from '../../server/config.js';
import { call, createConsultation, issueCode } from './helpers.js';
import { minimalConfig, startLocalApp, type LocalApp } from './local-app.js';

type ErrorReply = { error: { code: string; message: string } };

const minimal = minimalConfig;

describe('client keys behind proxies', () => {
  it('refuses trustProxy: true at config load, saying why and what to give instead', () => {
    assert.throws(
      () => parseConfig({ ...minimal, trustProxy: true }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /trustProxy: .*X-Forwarded-For/);
        assert.match(err.message, /number of proxies|addresses\/CIDRs/);
        return true;
      },
    );
    assert.throws(() => parseConfig({ ...minimal, trustProxy: 'loopback, everything' }), /trustProxy: must be a hop count/);
    assert.throws(
      () => parseConfig({ ...minimal, trustProxy: ['10.0.0.0/8', 'proxy.local'] }),
      /"proxy.local" is not an IP address or CIDR/,
    );
    assert.throws(() => parseConfig({ ...minimal, trustProxy: [] }), /trustProxy: give at least one/);
    assert.equal(parseConfig({ ...minimal, trustProxy: 1 }).trustProxy, 1);
    assert.deepEqual(parseConfig({ ...minimal, trustProxy: ['10.0.0.0/8', '::1', '192.0.2.7'] }).trustProxy, [
      '10.0.0.0/8',
      '::1',
      '192.0.2.7',
    ]);
    assert.equal(parseConfig(minimal).trustProxy, false);
  });

  it('groups IPv6 clients by /64 and counts IPv4-mapped addresses as IPv4', () => {
    assert.equal(clientKeyOf('2001:db8:1:2:aaaa::1'), clientKeyOf('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    assert.equal(clientKeyOf('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.notEqual(clientKeyOf('2001:db8:1:2::1'), clientKeyOf('2001:db8:1:3::1'));
    assert.equal(clientKeyOf('::ffff:192.0.2.1'), '192.0.2.1');
    assert.notEqual(clientKeyOf('192.0.2.1'), clientKeyOf('192.0.2.2'));
    assert.equal(clientKeyOf(undefined), 'unknown');
    assert.equal(clientKeyOf('not an address'), 'unknown');
  });
});

describe('code lockout and tenant budget over HTTP (one proxy hop)', () => {
  let app: LocalApp;
  before(async () => {
    app = await startLocalApp({
      trustProxy: 1,
      codeGuessBudget: { failuresPerWindow: 8, windowMinutes: 15, spacingMs: 1000, maxWaitSeconds: 1 },
    });
  });
  after(async () => {
    await app?.stop();
  });

  const join = (code: string, forwardedFor: string, origin = 'https://acme.example') =>
    call<ErrorReply>(app, 'POST', '/v1/lobby/join', { body: { code, name: 'Pat' }, headers: { 'x-forwarded-for': forwardedFor, origin } });

  it('a client cannot escape the lockout by sending its own X-Forwarded-For: only the hop the proxy added counts', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await join('WRONGCODE2', `203.0.113.${i}, 198.51.100.7`)).status, 404);
    const sixth = await join('WRONGCODE2', '203.0.113.99, 198.51.100.7');
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.error.code, 'too_many_attempts');
  });

  it('IPv6: fresh addresses from one /64 share one lockout; another /64 is unaffected', async () => {
    for (let i = 1; i <= 5; i++) assert.equal((await join('WRONGCODE3', `2001:db8:5:6::${i.toString(16)}`)).status, 404);
    assert.equal((await join('WRONGCODE3', '2001:db8:5:6:ffff::1')).status, 429);
    assert.equal((await join('WRONGCODE3', '2001:db8:5:7::1')).status, 404);
  });

  it("many addresses: past the tenant's budget, guesses are evaluated one per spacing; the tenant's patients still get in", async () => {
    // 11 failures so far (5 + 6), over the budget of 8, all from acme's origin.
    const id = await createConsultation(app, app.keys.acme);
    const code = await issueCode(app, app.keys.acme, id);
    await new Promise((r) => setTimeout(r, 1100)); // the slowed attempts above have had their slots
    const flood = await Promise.all([1, 2, 3, 4].map((i) => join('WRONGCODE4', `192.0.2.${i}`)));
    const statuses = flood.map((r) => r.status).sort();
    // One evaluated at once, one a second later (within maxWait), the rest refused instead of queued.
    assert.deepEqual(statuses, [404, 404, 429, 429]);
    const refused = flood.find((r) => r.status === 429);
    assert.ok(Number(refused?.headers.get('retry-after')) >= 1);
    // Another tenant's budget is its own: no wait there.
    const globexId = await createConsultation(app, app.keys.globex);
    const globexCode = await issueCode(app, app.keys.globex, globexId);
    assert.equal((await join(globexCode, '192.0.2.50', 'https://globex.example')).status, 201);
    // An acme patient with the right code, from a fresh address, is slowed but admitted (no lockout).
    await new Promise((r) => setTimeout(r, 1100));
    const patient = await join(code, '192.0.2.60');
    assert.equal(patient.status, 201, JSON.stringify(patient.body));
  });
});
