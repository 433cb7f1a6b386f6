// End-to-end encryption through the real stack: on by default, unreadable with the wrong key, and a
// consultation that switches it off explicitly still works.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { admitFromPractitioner, createConsultation, patientWaits, startPractitioner, waitForRemoteVideo, waitForState } from './flows.js';
import { startStack, type Stack } from './stack.js';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

test('with E2EE on (the default) both pages decode each other; a client with the wrong key decodes nothing', async () => {
  const consultation = await createConsultation(stack);
  const practitioner = await startPractitioner(stack, consultation);
  const patient = await patientWaits(stack, consultation.codes[0]!, 'Pat');
  await admitFromPractitioner(practitioner, 'Pat');
  await waitForState(patient, 'in-call');
  await waitForRemoteVideo(practitioner, 1);
  await waitForRemoteVideo(patient, 1);
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
});

test('a consultation with E2EE switched off explicitly works without a key', async () => {
  const consultation = await createConsultation(stack, { e2ee: false });
  const practitioner = await startPractitioner(stack, consultation);
  const patient = await patientWaits(stack, consultation.codes[0]!, 'Pat');
  await admitFromPractitioner(practitioner, 'Pat');
  await waitForState(patient, 'in-call');
  await waitForRemoteVideo(practitioner, 1);
  await waitForRemoteVideo(patient, 1);
  for (const page of [practitioner, patient]) assert.equal(await page.evaluate(() => window.vc.session!.snapshot.encrypted), false);
  const res = await fetch(`${stack.apiUrl}/v1/practitioner/grant`, {
    method: 'POST',
    headers: { authorization: `Bearer ${consultation.practitionerToken}` },
  });
  assert.equal(((await res.json()) as { e2eeKey?: string }).e2eeKey, undefined);
});
