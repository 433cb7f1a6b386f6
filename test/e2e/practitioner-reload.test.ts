// Issue 17 item 5, through the real token server and SFU with the drop-in <vc-consultation>: a practitioner
// whose host allows it (`resume-on-reload`) reloads mid-call, and the page goes back into the call by itself,
// without the host passing the token again, and shows the chat so far, handed back by the patient's client
// over the (end-to-end encrypted) data channel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { consultation, openConsultation, passDeviceCheck, patientWaitsViaForm, waitForConsultationState } from './consultation-ui.js';
import { createConsultation } from './flows.js';
import { useStack } from './stack.js';

const WAIT = 30_000;

const stack = useStack();

async function say(page: Page, text: string): Promise<void> {
  const input = consultation(page).locator('vc-chat textarea');
  await input.fill(text);
  await input.press('Enter');
}

function shown(page: Page): Promise<Array<{ text: string; history: boolean; own: boolean }>> {
  return consultation(page)
    .locator('vc-chat li.message')
    .evaluateAll((items) =>
      items.map((li) => ({
        text: li.querySelector('.text')?.textContent?.trim() ?? '',
        history: li.classList.contains('history'),
        own: li.classList.contains('own'),
      })),
    );
}

async function waitForTexts(page: Page, texts: string[]): Promise<void> {
  const end = Date.now() + WAIT;
  for (;;) {
    const now = (await shown(page)).map((m) => m.text);
    if (texts.every((t) => now.includes(t))) return;
    if (Date.now() > end) throw new Error(`expected ${JSON.stringify(texts)}, shown ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test(
  'a practitioner who reloads is back in the call without the host passing anything, with the chat so far',
  { timeout: 180_000 },
  async () => {
    const { codes, practitionerToken } = await createConsultation(stack, { patients: 1 });
    const practitioner = await openConsultation(stack, { role: 'practitioner', token: practitionerToken, resume: '1' });
    await passDeviceCheck(practitioner);
    await waitForConsultationState(practitioner, 'in-call');
    const patient = await patientWaitsViaForm(stack, codes[0]!, 'Anna');
    await practitioner.getByRole('button', { name: /^Admit Patient 1/ }).click();
    await waitForConsultationState(patient, 'in-call');

    await say(practitioner, 'Good morning, what brings you here?');
    await waitForTexts(patient, ['Good morning, what brings you here?']);
    await say(patient, 'A rash on my arm since Monday.');
    const conversation = ['Good morning, what brings you here?', 'A rash on my arm since Monday.'];
    await waitForTexts(practitioner, conversation);

    // The reload as a host page without the token would do it: the same tab, the URL without `token`.
    const url = new URL(practitioner.url());
    url.searchParams.delete('token');
    await practitioner.goto(url.href);
    await waitForConsultationState(practitioner, 'in-call', 40_000);
    assert.equal(await consultation(practitioner).locator('vc-device-check').count(), 0, 'straight back into the call');
    await waitForTexts(practitioner, conversation);
    const after = await shown(practitioner);
    assert.deepEqual(
      after.map((m) => m.text),
      conversation,
      'the conversation in order, once',
    );
    assert.ok(
      after.every((m) => m.history),
      'marked as history',
    );
    assert.deepEqual(
      after.map((m) => m.own),
      [true, false],
      "the practitioner's own earlier message is shown as theirs",
    );
    // The call itself is back: the patient sees the practitioner again, and a new message goes both ways.
    await consultation(patient).locator('vc-call figure.remote figcaption').filter({ hasText: 'Dr. Test' }).waitFor({ timeout: WAIT });
    await say(practitioner, 'Sorry, my page reloaded.');
    await waitForTexts(patient, ['Sorry, my page reloaded.']);
    assert.equal(await patient.evaluate(() => document.querySelector('vc-consultation')?.getAttribute('state')), 'in-call');
  },
);

test('without resume-on-reload, a reloaded practitioner page without the token does not enter the call', { timeout: 120_000 }, async () => {
  const { practitionerToken } = await createConsultation(stack, { patients: 1 });
  const practitioner = await openConsultation(stack, { role: 'practitioner', token: practitionerToken });
  await passDeviceCheck(practitioner);
  await waitForConsultationState(practitioner, 'in-call');
  const url = new URL(practitioner.url());
  url.searchParams.delete('token');
  await practitioner.goto(url.href);
  await practitioner.waitForFunction(() => document.body.dataset.ready === 'true');
  await new Promise((r) => setTimeout(r, 2000));
  assert.notEqual(await consultation(practitioner).getAttribute('state'), 'in-call');
  assert.equal(
    await practitioner.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('videoconsult.practitioner')).length),
    0,
  );
});
