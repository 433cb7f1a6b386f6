// The practice software (demo/practice) through the real stack: a newcomer opens the demo index, goes to the
// practice software and sends a patient their code by e-mail; the token server mails it to the local SMTP catcher;
// the patient opens the demo inbox, follows the join link in the e-mail, checks the devices and waits; the doctor
// starts that appointment and admits; both see each other, and the day summary (stats API) counts the code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admitFromQueue, passDeviceCheck, remoteVideoPlays, waitForState } from './demo-flows.js';
import { useStack } from './stack.js';

const stack = useStack({}, { demoApps: true });

test('practice: send code by e-mail → join link from the inbox → doctor starts and admits → video both ways', async () => {
  const doctor = await stack.newPage();
  await doctor.goto(`${stack.pagesUrl}/`);
  await doctor.getByRole('link', { name: 'practice software' }).first().click();
  const row = doctor.locator('#appointments tr').filter({ hasText: 'Anna Schmidt' });
  await row.getByRole('button', { name: 'Send code by e-mail' }).click();
  await row.locator('.state').filter({ hasText: 'code sent' }).waitFor();
  await doctor.locator('#summary div').filter({ hasText: 'codes sent' }).filter({ hasText: '1' }).waitFor();

  const mails = stack.mail!.messages();
  assert.equal(mails.length, 1);
  assert.deepEqual(mails[0]!.to, ['anna.schmidt@example.org']);

  const patient = await stack.newPage();
  await patient.goto(`${stack.pagesUrl}/`);
  await patient.getByRole('link', { name: 'demo inbox' }).click();
  const mail = patient.locator('article').filter({ hasText: 'anna.schmidt@example.org' });
  const link = mail.locator('a[href*="#code="]');
  await link.waitFor();
  const href = (await link.getAttribute('href'))!;
  assert.equal(new URL(href).pathname, '/practice/join', "the join link leads to the practice software's patient page");
  await link.click();
  await patient.waitForURL(/\/practice\/join$/);
  // The code came with the link; the patient only types their name.
  await patient.getByLabel('Your name').fill('Anna');
  await patient.locator('vc-waiting-room [part="join-button"]').click();
  await passDeviceCheck(patient);
  await waitForState(patient, 'waiting');

  await row.getByRole('button', { name: 'Start' }).click();
  await passDeviceCheck(doctor);
  await waitForState(doctor, 'in-call');
  await admitFromQueue(doctor, 'Anna Schmidt');
  await waitForState(patient, 'in-call');
  await remoteVideoPlays(patient);
  await remoteVideoPlays(doctor);
});
