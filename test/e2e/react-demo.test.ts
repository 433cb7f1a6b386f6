// The React host page (demo/react/, a React 19 app using videoconsult/react) through the real stack: a patient
// opens the join link, passes the device check, waits, is admitted by a practitioner and sees their video; the
// app's own state panel shows what the onVc… props received.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passDeviceCheck, remoteFramesPresented, waitForConsultationState } from './consultation-ui.js';
import { admitFromPractitioner, createConsultation, startPractitioner, waitForRemoteVideo } from './flows.js';
import { useStack } from './stack.js';

const WAIT = 30_000;
const stack = useStack();

test('a patient on the React host page is admitted and sees the practitioner; the app receives the events', async () => {
  const consultation = await createConsultation(stack);
  const practitioner = await startPractitioner(stack, consultation);

  const patient = await stack.newPage();
  const errors: string[] = [];
  patient.on('pageerror', (err) => errors.push(err.message));
  await patient.goto(`${stack.pagesUrl}/react/#code=${encodeURIComponent(consultation.codes[0]!)}`);
  // The app took the code from the fragment and dropped it from the address.
  await patient.waitForFunction(() => location.hash === '', undefined, { timeout: WAIT });
  await patient.getByLabel('Your name').fill('Rosa React', { timeout: WAIT });
  await patient.locator('vc-waiting-room [part="join-button"]').click();
  await passDeviceCheck(patient);
  await waitForConsultationState(patient, 'waiting');
  await patient.getByTestId('state').filter({ hasText: 'waiting' }).waitFor({ timeout: WAIT });

  await admitFromPractitioner(practitioner, 'Rosa React');
  await waitForConsultationState(patient, 'in-call');
  await waitForRemoteVideo(practitioner, 1, ['Rosa React']);

  const frames = await remoteFramesPresented(patient);
  assert.equal(frames, 5, 'the patient renders the practitioner’s camera');

  // What the React app itself got through its onVc… props, in order.
  await patient.getByTestId('state').filter({ hasText: 'in-call' }).waitFor({ timeout: WAIT });
  const log = await patient.getByTestId('events').locator('li').allTextContents();
  assert.deepEqual(
    log.map((line) => line.replace(/ \(position \d+\)/, '')),
    ['Waiting', 'Admitted', 'In the call'],
  );
  assert.deepEqual(errors, []);
});
