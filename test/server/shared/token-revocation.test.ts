/**
 * Practitioner token revocation across two token-server instances on one PostgreSQL and one Redis: a token revoked
 * through one instance is refused by the other at once (its cached read is dropped by the Redis bus), not only
 * after the cache's age limit. Runs under the browser lock (the engines start livekit-server).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, EventReader } from '../helpers.js';
import { openConsultation, startEngines, startInstance, type Engines, type Instance } from './instances.js';
import { eventually } from './support.js';

type Issued = { token: string; tokenId: string; expiresAt: string };
type ErrorReply = { error?: { code: string } };

let engines: Engines;
let a: Instance;
let b: Instance;

before(async () => {
  engines = await startEngines();
  [a, b] = [await startInstance(engines), await startInstance(engines)];
});

after(async () => {
  await a?.stop();
  await b?.stop();
  await engines?.stop();
});

describe('practitioner token revocation on two instances', () => {
  const issue = async (via: Instance, id: string): Promise<Issued> => {
    const res = await call<Issued>(via, 'POST', `/v1/consultations/${id}/practitioner-tokens`, {
      auth: engines.apiKey,
      body: { name: 'Dr. B' },
    });
    assert.equal(res.status, 201);
    return res.body;
  };
  const grant = (via: Instance, token: string) => call<ErrorReply>(via, 'POST', '/v1/practitioner/grant', { auth: token });
  const refusedAsRevoked = async (via: Instance, token: string): Promise<boolean> => {
    const res = await grant(via, token);
    return res.status === 401 && res.body.error?.code === 'token_revoked';
  };

  it('a token revoked through A is refused by B within a moment (401 token_revoked), its stream on B ends, refresh fails; revoking all through B holds on A', async () => {
    const { id } = await openConsultation(engines, a);
    const [first, second] = [await issue(a, id), await issue(a, id)];
    // B has read (and cached) this consultation's revocations while the token was still good.
    assert.equal((await grant(b, first.token)).status, 200);
    const stream = await EventReader.open(b, '/v1/practitioner/events', first.token);
    await stream.next('queue');

    const revoked = await call(a, 'POST', `/v1/consultations/${id}/practitioner-tokens/${first.tokenId}/revoke`, { auth: engines.apiKey });
    assert.equal(revoked.status, 200);
    assert.ok(await refusedAsRevoked(a, first.token), 'A refuses at once');
    // Well below the 10-s cache age: only the bus can make B refuse this soon.
    await eventually(() => refusedAsRevoked(b, first.token), 2000, 'B refuses the revoked token');
    await stream.next('revoked', 2000);
    const refresh = await call<ErrorReply>(b, 'POST', '/v1/practitioner/token', { auth: first.token });
    assert.equal(refresh.status, 401);
    assert.equal(refresh.body.error?.code, 'token_revoked');
    assert.equal((await grant(b, second.token)).status, 200, 'another token of the consultation still works');

    assert.equal((await grant(a, second.token)).status, 200);
    const all = await call(b, 'POST', `/v1/consultations/${id}/practitioner-tokens/revoke`, { auth: engines.apiKey });
    assert.equal(all.status, 200);
    await eventually(() => refusedAsRevoked(a, second.token), 2000, 'A refuses every token revoked through B');
    stream.close();
  });
});
