// The practice software's practice-wide waiting room (demo/practice/reception + the doctor's video room on
// demo/practice/), through the real stack: reception sends Anna her code by e-mail; she follows the join link from
// the demo inbox, checks her devices and waits for her appointment; reception sees her in the practice's one
// queue, takes her to its own desk and talks to her, then transfers her to the doctor's room; the doctor, whose
// room is open, sees her arrive, admits her, and both see each other. Reception's desk shows who took her.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { admitFromQueue, joinFromInbox, passDeviceCheck, remoteVideoPlays, WAIT, waitForState } from './demo-flows.js';
import { useStack } from './stack.js';

const stack = useStack({}, { demoApps: true });

/**
 * Waits until `name`'s entry in the page's practice queue says which consultation they are for, or who has them,
 * as `expected` (the queue is live; the entry's transfer list, which names consultations too, does not count).
 */
async function queueEntryShows(page: Page, name: string, expected: string): Promise<void> {
  await page
    .locator('vc-waiting-room[mode="practitioner"] [part="patient"]')
    .filter({ hasText: name })
    .locator('[part="consultation"], [part="taken-by"]')
    .filter({ hasText: expected })
    .waitFor({ timeout: WAIT });
}

/** Transfers `name` from the page's practice queue to the consultation the transfer list names `target`. */
async function transfer(page: Page, name: string, target: string): Promise<void> {
  const entry = page.locator('vc-waiting-room[mode="practitioner"] [part="patient"]').filter({ hasText: name });
  await entry.getByLabel(`Transfer ${name}`).selectOption({ label: target });
  await entry.getByRole('button', { name: 'Transfer' }).click();
}

/** The patient's page says they are being transferred to `title`, and they wait there (no code, no device check). */
async function transferredTo(patient: Page, title: string): Promise<void> {
  await patient
    .locator('vc-consultation [part="transferred"]')
    .filter({ hasText: `You are being transferred to ${title}. Please wait.` })
    .waitFor({ timeout: WAIT });
  await waitForState(patient, 'waiting');
}

test("practice: reception sees the patient in the practice queue, talks to her, transfers her to the doctor's room; the doctor admits; video both ways", async () => {
  const reception = await stack.newPage();
  await reception.goto(`${stack.pagesUrl}/`);
  await reception.getByRole('link', { name: 'reception desk' }).click();
  await reception.waitForURL(/\/practice\/reception$/);

  const doctor = await stack.newPage();
  await doctor.goto(`${stack.pagesUrl}/`);
  await doctor.getByRole('link', { name: 'practice software' }).first().click();
  await doctor.getByRole('button', { name: 'Open my video room' }).click();
  await passDeviceCheck(doctor);
  await waitForState(doctor, 'in-call');

  const row = reception.locator('#appointments tr').filter({ hasText: 'Anna Schmidt' });
  await row.getByRole('button', { name: 'Send code by e-mail' }).click();
  await row.locator('.state').filter({ hasText: 'code sent' }).waitFor();

  const patient = await stack.newPage();
  await patient.goto(`${stack.pagesUrl}/mail/`);
  await joinFromInbox(patient, 'anna.schmidt@example.org', 'Anna');
  assert.equal(new URL(patient.url()).pathname, '/practice/join');

  // One queue for the whole practice: reception and the doctor both see her, waiting for her appointment.
  for (const desk of [reception, doctor]) await queueEntryShows(desk, 'Anna Schmidt', 'For Anna Schmidt: Blood test results');
  assert.equal(
    await doctor.locator('vc-waiting-room [part="patient"]').filter({ hasText: 'Anna Schmidt' }).locator('[part="admit-button"]').count(),
    0,
    'the doctor cannot admit her before reception sends her on: she waits for her appointment, not for his room',
  );

  // Reception talks to her first: to its own desk, checks its camera, admits her; they see each other.
  await transfer(reception, 'Anna Schmidt', 'For you');
  await transferredTo(patient, 'Reception');
  await passDeviceCheck(reception);
  await waitForState(reception, 'in-call');
  await admitFromQueue(reception, 'Anna Schmidt');
  await waitForState(patient, 'in-call');
  await remoteVideoPlays(patient);
  await remoteVideoPlays(reception);
  await queueEntryShows(doctor, 'Anna Schmidt', 'With Reception · Maria Keller');

  // Then sends her on to the doctor's room, straight from the call.
  await transfer(reception, 'Anna Schmidt', 'Dr. Sam Okafor');
  await transferredTo(patient, 'Dr. Sam Okafor');
  assert.equal(await patient.locator('vc-device-check').count(), 0, 'no second device check');
  await queueEntryShows(doctor, 'Anna Schmidt', 'For you');
  await admitFromQueue(doctor, 'Anna Schmidt');
  await waitForState(patient, 'in-call');
  await patient.locator('vc-call figure.remote figcaption').filter({ hasText: 'Dr. Sam Okafor' }).waitFor({ timeout: WAIT });
  await remoteVideoPlays(patient);
  await remoteVideoPlays(doctor);

  // Reception leaves its call; its desk opens again on the practice queue, which shows who has her now.
  await reception.locator('vc-call [part="leave-button"]').click();
  await queueEntryShows(reception, 'Anna Schmidt', 'With Dr. Sam Okafor');
});
