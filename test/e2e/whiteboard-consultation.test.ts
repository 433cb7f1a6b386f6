// The drop-in <vc-consultation> (embed bundle from dist/, E2EE on) driven through its UI: the chat beside the
// call works both ways, the practitioner's whiteboard button loads the board, the patient's board opens by
// itself when the practitioner's does, and a stroke drawn with the mouse shows on the patient's canvas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bluePixels, openConsultation, passDeviceCheck, waitForConsultationState } from './consultation-ui.js';
import { createConsultation } from './flows.js';
import { useStack } from './stack.js';

const WAIT = 40_000;
const stack = useStack();

test(
  'in <vc-consultation>: chat beside the call, the whiteboard button, and the peer’s board opening by itself',
  { timeout: 300_000 },
  async () => {
    const consultation = await createConsultation(stack);
    const practitioner = await openConsultation(stack, { role: 'practitioner', token: consultation.practitionerToken }, WAIT);
    await passDeviceCheck(practitioner, WAIT);
    await waitForConsultationState(practitioner, 'in-call', WAIT);

    const patient = await openConsultation(stack, { role: 'patient' }, WAIT);
    await patient.getByLabel('Access code').fill(consultation.codes[0]!);
    await patient.getByLabel('Your name').fill('Anna');
    await patient.locator('vc-waiting-room [part="join-button"]').click();
    await passDeviceCheck(patient, WAIT);
    await waitForConsultationState(patient, 'waiting', WAIT);
    const admit = practitioner
      .locator('vc-waiting-room[mode="practitioner"] [part="patient"]')
      .filter({ hasText: 'Anna' })
      .getByRole('button', { name: /^Admit/ });
    await admit.click({ timeout: WAIT });
    await waitForConsultationState(patient, 'in-call', WAIT);

    // The chat sits beside the call on both pages; a message typed on one shows on the other.
    for (const page of [practitioner, patient])
      await page.locator('vc-consultation [part="sidebar"] vc-chat textarea:not([disabled])').waitFor({ timeout: WAIT });
    const input = patient.locator('vc-consultation vc-chat textarea');
    await input.fill('I have a question about the dosage');
    await input.press('Enter');
    await practitioner
      .locator('vc-consultation vc-chat li.message .text')
      .filter({ hasText: 'I have a question about the dosage' })
      .waitFor({ timeout: WAIT });

    // Nothing of the board is loaded or shown until someone opens it.
    for (const page of [practitioner, patient]) {
      assert.equal(await page.locator('vc-consultation [part="whiteboard"]').count(), 0);
      assert.equal(await page.evaluate(() => !!customElements.get('vc-whiteboard')), false, 'the board code is not loaded yet');
    }
    const button = practitioner.locator('vc-consultation [part="whiteboard-button"]');
    assert.equal(await button.getAttribute('aria-pressed'), 'false');
    await button.click();
    const board = practitioner.locator('vc-consultation [part="whiteboard"] canvas');
    await board.waitFor({ timeout: WAIT });
    assert.equal(await button.getAttribute('aria-pressed'), 'true');
    // The patient's board opens by itself: the practitioner's board announced itself on the data channel.
    await patient.locator('vc-consultation [part="whiteboard"] canvas').waitFor({ timeout: WAIT });
    assert.equal(await patient.locator('vc-consultation [part="whiteboard-button"]').getAttribute('aria-pressed'), 'true');

    // A stroke drawn with the mouse on the practitioner's board shows on the patient's.
    assert.equal(await bluePixels(patient), 0);
    const box = await board.boundingBox();
    assert.ok(box);
    await practitioner.mouse.move(box.x + 60, box.y + 40);
    await practitioner.mouse.down();
    await practitioner.mouse.move(box.x + 200, box.y + 120, { steps: 10 });
    await practitioner.mouse.up();
    const deadline = Date.now() + WAIT;
    let pixels = 0;
    while (Date.now() < deadline && (pixels = await bluePixels(patient)) <= 30) await new Promise((r) => setTimeout(r, 250));
    assert.ok(pixels > 30, `the stroke is on the patient's canvas (${pixels} blue pixels)`);

    // Closing the board on one page hides it there only.
    await button.click();
    await practitioner.locator('vc-consultation [part="whiteboard"]').waitFor({ state: 'detached', timeout: WAIT });
    assert.equal(await patient.locator('vc-consultation [part="whiteboard"]').count(), 1);
    const errors = await Promise.all(
      [practitioner, patient].map((p) => p.evaluate(() => window.vcPage.events.filter((e) => e === 'vc-error'))),
    );
    assert.deepEqual(errors, [[], []]);
  },
);
