// The patient's real connection test (issue 12 item 5) through the real token server + SFU, in two real
// browsers: on the open loopback network WebSocket, UDP and the TCP fallback work; in a Chromium whose WebRTC
// may not use UDP (--webrtc-ip-handling-policy=disable_non_proxied_udp, the enterprise policy a locked-down
// network applies) UDP fails with its fix and TCP carries the call. The practitioner's queue shows both outcomes.
// The patient page sets only server-url (the README's embed snippet): the SFU URL comes with the test grant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { consultation, passDeviceCheck, waitForConsultationState } from './consultation-ui.js';
import { createConsultation, type Consultation } from './flows.js';
import { useStack } from './stack.js';

const WAIT = 30_000;
const STEP = { timeout: 120_000 };
const BLOCK_UDP = ['--webrtc-ip-handling-policy=disable_non_proxied_udp'];

const stack = useStack({}, { afterStart: practitionerInCall });
let setup: Consultation;
let practitioner: Page;

async function practitionerInCall(): Promise<void> {
  setup = await createConsultation(stack, { patients: 2 });
  practitioner = await openPage({ role: 'practitioner', token: setup.practitionerToken });
  await passDeviceCheck(practitioner);
  await waitForConsultationState(practitioner, 'in-call');
}

async function openPage(params: Record<string, string>, extraArgs?: string[]): Promise<Page> {
  const page = await stack.newPage(extraArgs ? { extraArgs } : {});
  await page.goto(`${stack.pagesUrl}/e2e/consultation.html?${new URLSearchParams({ server: stack.apiUrl, ...params })}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: WAIT });
  return page;
}

/** A patient types code and name, passes the device check, waits; returns the connection test once it is done. */
async function patientTested(code: string, name: string, extraArgs?: string[]): Promise<Locator> {
  const page = await openPage({ role: 'patient' }, extraArgs);
  await page.getByLabel('Access code').fill(code);
  await page.getByLabel('Your name').fill(name);
  await page.locator('vc-waiting-room [part="join-button"]').click();
  await passDeviceCheck(page);
  await waitForConsultationState(page, 'waiting');
  const result = consultation(page).locator('vc-connection-test');
  await result.locator('[part="summary"].verdict:is(.ok, .warning, .failed)').waitFor({ timeout: WAIT });
  return result;
}

async function steps(result: Locator): Promise<Record<string, string>> {
  const rows = await result
    .locator('li[data-step]')
    .evaluateAll((items) => items.map((li) => [(li as HTMLElement).dataset.step, (li as HTMLElement).dataset.status]));
  return Object.fromEntries(rows);
}

function queueConnection(name: string): Locator {
  return practitioner
    .locator('vc-waiting-room[mode="practitioner"] [part="patient"]')
    .filter({ hasText: name })
    .locator('[part="connection"]');
}

test('on an open network the patient sees WebSocket, UDP and TCP working, and so does the practitioner', STEP, async () => {
  const result = await patientTested(setup.codes[0]!, 'Olga Open');
  const shown = await steps(result);
  assert.deepEqual(shown, { websocket: 'ok', udp: 'ok', tcp: 'ok', turn: 'skipped' }, 'the test SFU offers no TURN');
  assert.equal((await result.locator('[part="summary"]').innerText()).trim(), 'Your connection is ready for the call.');
  assert.equal(await result.locator('.fix').count(), 0, 'nothing to fix');

  const entry = queueConnection('Olga Open');
  await entry.filter({ hasText: 'Connection OK' }).waitFor({ timeout: WAIT });
  assert.match((await entry.innerText()).replace(/\s+/g, ' '), /Fast connection \(UDP\): Works · Backup connection \(TCP\): Works/);
});

test('with UDP blocked the patient is told calls will use TCP, and the queue shows it', STEP, async () => {
  const result = await patientTested(setup.codes[1]!, 'Ulf Blocked', BLOCK_UDP);
  assert.deepEqual(await steps(result), { websocket: 'ok', udp: 'failed', tcp: 'ok', turn: 'skipped' });
  const udp = (await result.locator('li[data-step="udp"]').innerText()).replace(/\s+/g, ' ');
  assert.match(udp, /Fast connection \(UDP\): Blocked/);
  assert.match(
    udp,
    /Your network blocks UDP: calls will use TCP and may be less smooth\. For the best quality, ask your IT to allow UDP to 127\.0\.0\.1\./,
  );
  assert.equal((await result.locator('[part="summary"]').innerText()).trim(), 'The call will work, possibly less smoothly.');

  const entry = queueConnection('Ulf Blocked');
  await entry.filter({ hasText: 'UDP blocked: via TCP' }).waitFor({ timeout: WAIT });
  assert.match((await entry.innerText()).replace(/\s+/g, ' '), /Fast connection \(UDP\): Blocked · Backup connection \(TCP\): Works/);
  const patient = practitioner.locator('[part="patient"]').filter({ hasText: 'Ulf Blocked' });
  assert.match(await patient.innerText(), /Device warning/, 'the verdict the server stores follows the connection test');
});
