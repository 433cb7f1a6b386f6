// End-to-end encryption through the real stack: on by default, unreadable with the wrong key, and a
// consultation that switches it off explicitly still works.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  admitFromPractitioner,
  createConsultation,
  patientWaits,
  startCall,
  startPractitioner,
  waitForRemoteVideo,
  waitForState,
} from './flows.js';
import { useStack } from './stack.js';

const stack = useStack();

/**
 * Pages of a finished test would go on encoding and decoding video until the stack stops: on a small machine that
 * starves the next test's calls (the key-rotation test took 119 s after the two above, 25 s alone).
 */
async function closePages(...pages: Page[]): Promise<void> {
  for (const page of pages) await page.context().close();
}

test('with E2EE on (the default) both pages decode each other; a client with the wrong key decodes nothing', async () => {
  const consultation = await createConsultation(stack);
  const { practitioner, patient } = await startCall(stack, consultation);
  for (const page of [practitioner, patient]) assert.equal(await page.evaluate(() => window.vc.session!.snapshot.encrypted), true);

  // An intruder with a perfectly valid grant for the room (its own identity), but not the consultation's key.
  const { token: intruderToken } = await stack.integrator<{ token: string }>(
    'POST',
    `/v1/consultations/${consultation.id}/practitioner-tokens`,
    { name: 'Intruder' },
  );
  const res = await fetch(`${stack.apiUrl}/v1/practitioner/grant`, {
    method: 'POST',
    headers: { authorization: `Bearer ${intruderToken}` },
  });
  const grant = (await res.json()) as { livekitUrl: string; token: string; e2eeKey?: string };
  assert.ok(grant.e2eeKey, 'an encrypted consultation hands its key out with the grant');
  const intruder = await stack.newPage();
  await intruder.goto(`${stack.pagesUrl}/e2e/bare-room.html`);
  await intruder.waitForFunction(() => document.body.dataset.ready === 'true');
  await intruder.evaluate(([url, token]) => window.bare.join(url!, token!, 'not-the-consultation-key'), [grant.livekitUrl, grant.token]);
  // It does receive both encrypted video tracks from the SFU…
  await intruder.waitForFunction(() => window.bare.subscribedVideoTracks() >= 2, undefined, { timeout: 20000 });
  // …but for several seconds decodes not a single frame of them.
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(await intruder.evaluate(() => window.bare.framesDecoded()), 0);
  // Meanwhile the legitimate pages still decode each other (and, equally, not the intruder).
  await waitForRemoteVideo(patient, 2, ['Dr. Test']);
  await waitForRemoteVideo(practitioner, 2, ['Patient 1']);
  assert.equal(await patient.evaluate(() => window.vc.remoteVideoPlaying(['Intruder'])), false);
  await closePages(practitioner, patient, intruder);
});

test('a consultation with E2EE switched off explicitly works without a key', async () => {
  const consultation = await createConsultation(stack, { e2ee: false });
  const { practitioner, patient } = await startCall(stack, consultation);
  for (const page of [practitioner, patient]) assert.equal(await page.evaluate(() => window.vc.session!.snapshot.encrypted), false);
  const res = await fetch(`${stack.apiUrl}/v1/practitioner/grant`, {
    method: 'POST',
    headers: { authorization: `Bearer ${consultation.practitionerToken}` },
  });
  assert.equal(((await res.json()) as { e2eeKey?: string }).e2eeKey, undefined);
  await closePages(practitioner, patient);
});

test('removing a participant rotates the key: those still in the call keep decoding, the old key decodes nothing', async () => {
  const consultation = await createConsultation(stack, { patients: 2 });
  const practitioner = await startPractitioner(stack, consultation);
  const stays = await patientWaits(stack, consultation.codes[0]!, 'Stays');
  const leaves = await patientWaits(stack, consultation.codes[1]!, 'Leaves');
  // The ticket id of the patient who will be removed, from the practitioner's queue.
  await practitioner.waitForFunction(() => window.vc.session!.snapshot.waitingPatients.length === 2, undefined, { timeout: 15000 });
  const leavingTicket = await practitioner.evaluate(
    () => window.vc.session!.snapshot.waitingPatients.find((p) => p.name === 'Leaves')!.ticketId,
  );
  await admitFromPractitioner(practitioner, 'Stays');
  await admitFromPractitioner(practitioner, 'Leaves');
  await waitForState(stays, 'in-call');
  await waitForState(leaves, 'in-call');
  await waitForRemoteVideo(stays, 2);

  const grantFor = async (name: string) => {
    const { token } = await stack.integrator<{ token: string }>('POST', `/v1/consultations/${consultation.id}/practitioner-tokens`, {
      name,
    });
    const res = await fetch(`${stack.apiUrl}/v1/practitioner/grant`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as { livekitUrl: string; token: string; e2eeKey: string };
  };
  const oldKey = (await grantFor('Before')).e2eeKey;

  const decline = await fetch(`${stack.apiUrl}/v1/practitioner/decline`, {
    method: 'POST',
    headers: { authorization: `Bearer ${consultation.practitionerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ticketId: leavingTicket }),
  });
  assert.equal(decline.status, 200, await decline.text());
  await waitForState(leaves, 'ended', 20000);

  const fresh = await grantFor('After');
  assert.ok(fresh.e2eeKey && fresh.e2eeKey !== oldKey, 'the consultation has a new key');
  // Those still in the call switched to it and go on decoding each other.
  await new Promise((r) => setTimeout(r, 1500));
  await waitForRemoteVideo(stays, 1, ['Dr. Test']);
  await waitForRemoteVideo(practitioner, 1, ['Patient 1']);

  // A client holding only the old key (as the removed patient does) decodes nothing any more…
  const withKey = async (name: string, key: string) => {
    const grant = await grantFor(name);
    const page = await stack.newPage();
    await page.goto(`${stack.pagesUrl}/e2e/bare-room.html`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    await page.evaluate(([url, token, k]) => window.bare.join(url!, token!, k!), [grant.livekitUrl, grant.token, key]);
    await page.waitForFunction(() => window.bare.subscribedVideoTracks() >= 2, undefined, { timeout: 20000 });
    return page;
  };
  const oldKeyPage = await withKey('Old key', oldKey);
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(await oldKeyPage.evaluate(() => window.bare.framesDecoded()), 0, 'the old key decodes no frame');
  // …while the new key does (so the call really runs on it).
  const newKeyPage = await withKey('New key', fresh.e2eeKey);
  await newKeyPage.waitForFunction(() => window.bare.framesDecoded().then((n) => n > 0), undefined, { timeout: 20000, polling: 500 });
});
