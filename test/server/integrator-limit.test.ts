import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

type ErrorReply = { error: { code: string; message: string } };

describe('integrator API rate limit', () => {
  let app: LocalApp;
  before(async () => {
    app = await startLocalApp({ rateLimits: { integratorPerMinute: 5 } });
  });
  after(async () => {
    await app?.stop();
  });

  it('limits each API key on its own, on every integrator path, and keyless guessing per client', async () => {
    const paths = [
      '/v1/consultations',
      '/v1/stats?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z',
      '/v1/CONSULTATIONS',
      '/v1/consultations/c_x',
      '/v1/audit?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z',
    ];
    for (const path of paths) assert.notEqual((await call(app, 'GET', path, { auth: app.keys.acme })).status, 429, path);
    const sixth = await call<ErrorReply>(app, 'GET', '/v1/consultations', { auth: app.keys.acme });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.error.code, 'rate_limited');
    assert.ok(Number(sixth.headers.get('retry-after')) > 0);
    // The other tenant's key, from the same address, is unaffected.
    assert.equal((await call(app, 'GET', '/v1/consultations', { auth: app.keys.globex })).status, 200);
    // Patients are not counted against integrators (their own limit applies).
    assert.equal((await call(app, 'POST', '/v1/lobby/join', { body: { code: 'x' } })).status, 400);
    // Without a valid key, attempts count per client (a fresh made-up key each time gains nothing).
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(app, 'GET', '/v1/consultations', i % 2 ? { auth: `guess${i}` } : {})).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  });
});
