// Foundation proof: two real Chromium pages, each with a grant from the real token server, meet in one
// room on the real SFU; each decodes the other's video and receives the other's data message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { useStack } from './stack.js';

const stack = useStack();

interface Grant {
  livekitUrl: string;
  token: string;
  identity: string;
}

async function practitionerGrant(consultationId: string, name: string): Promise<Grant> {
  const { token } = await stack.integrator<{ token: string }>('POST', `/v1/consultations/${consultationId}/practitioner-tokens`, { name });
  const res = await fetch(`${stack.apiUrl}/v1/practitioner/grant`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Grant;
}

async function openBareRoom(grant: Grant): Promise<Page> {
  const page = await stack.newPage();
  await page.goto(`${stack.pagesUrl}/e2e/bare-room.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const identity = await page.evaluate(([url, token]) => window.bare.join(url!, token!), [grant.livekitUrl, grant.token]);
  assert.equal(identity, grant.identity);
  return page;
}

test("two pages decode each other's video and exchange a data message through the SFU", async () => {
  const consultation = await stack.integrator<{ id: string }>('POST', '/v1/consultations', { title: 'Foundation' });
  const [a, b] = [await practitionerGrant(consultation.id, 'Dr. A'), await practitionerGrant(consultation.id, 'Dr. B')];
  assert.notEqual(a.identity, b.identity, 'the server generates distinct identities');
  const [pageA, pageB] = [await openBareRoom(a), await openBareRoom(b)];

  for (const [page, other] of [
    [pageA, b],
    [pageB, a],
  ] as const) {
    await page.waitForFunction((id) => window.bare.remoteIdentities().includes(id), other.identity, { timeout: 20000 });
    await page.waitForFunction(() => window.bare.framesDecoded().then((n) => n > 0), undefined, { timeout: 20000, polling: 250 });
  }

  await pageA.evaluate(() => window.bare.send('hello from A'));
  await pageB.evaluate(() => window.bare.send('hello from B'));
  await pageB.waitForFunction(() => window.bare.received().includes('hello from A'), undefined, { timeout: 10000 });
  await pageA.waitForFunction(() => window.bare.received().includes('hello from B'), undefined, { timeout: 10000 });
  assert.deepEqual(await pageB.evaluate(() => window.bare.received()), ['hello from A']);
  assert.deepEqual(await pageA.evaluate(() => window.bare.received()), ['hello from B']);
});
