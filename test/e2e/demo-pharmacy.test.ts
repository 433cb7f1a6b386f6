// The pharmacy portal (demo/pharmacy) through the real stack: a newcomer opens the demo index, goes to the portal
// as the signed-in customer and presses "talk to a pharmacist now" (no code, no name to type); the pharmacist's
// page, opened from the index too, shows the customer in the counter's queue and admits; both see each other.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admitFromQueue, passDeviceCheck, remoteVideoPlays, waitForState } from './demo-flows.js';
import { useStack } from './stack.js';

const stack = useStack({}, { demoApps: true });

test('pharmacy: walk-in customer → counter queue → pharmacist admits → video both ways', async () => {
  const customer = await stack.newPage();
  await customer.goto(`${stack.pagesUrl}/`);
  await customer.getByRole('link', { name: 'customer portal' }).click();
  await customer.getByRole('button', { name: 'Talk to a pharmacist now' }).click();
  await passDeviceCheck(customer);
  await waitForState(customer, 'waiting');
  // Nothing was typed: no access-code form was ever shown.
  assert.equal(await customer.locator('vc-waiting-room [part="form"]').count(), 0);

  const pharmacist = await stack.newPage();
  await pharmacist.goto(`${stack.pagesUrl}/`);
  await pharmacist.getByRole('link', { name: "pharmacist's counter" }).click();
  await passDeviceCheck(pharmacist);
  await waitForState(pharmacist, 'in-call');
  // The portal's back end named the code after the signed-in customer's account.
  await admitFromQueue(pharmacist, 'Maria Keller');

  await waitForState(customer, 'in-call');
  await remoteVideoPlays(customer);
  await remoteVideoPlays(pharmacist);
});

test('pharmacy back end: refuses an unknown or malformed customer with a clear error', async () => {
  const post = (body: unknown) =>
    fetch(`${stack.pagesUrl}/pharmacy/api/walk-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const malformed = await post({ customerId: 'x' });
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'invalid_request');
  const unknown = await post({ customerId: 'c-99999' });
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'unknown_customer');
});
