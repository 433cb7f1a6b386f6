// Chat through the real stack (token server, LiveKit SFU, E2EE on by default) with two and three pages, each
// a host page using dist/videoconsult.js with a standalone <vc-chat> bound to its session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createConsultation } from './flows.js';
import { chatReady, patientInCall, practitionerInCall, sendChat, shownTexts, waitForMessages } from './pages/collab-flows.js';
import { png } from './png.js';
import { useStack } from './stack.js';

const stack = useStack();

function bySender(messages: Array<{ name: string; text: string }>, prefix: string): string[] {
  return messages.filter((m) => m.text.startsWith(prefix)).map((m) => m.text);
}

test(
  'messages arrive in order on every page; a patient admitted later gets the conversation, marked as history',
  { timeout: 240_000 },
  async () => {
    // The second code is a relative's: the role travels as the server-set participant attribute through the SFU.
    const consultation = await createConsultation(stack, { patients: 2, roles: ['patient', 'relative'] });
    assert.equal(consultation.codes.length, 2);
    const practitioner = await practitionerInCall(stack, consultation);
    const first = await patientInCall(stack, practitioner, consultation.codes[0]!, 'Ann');
    assert.equal(await first.evaluate(() => window.vc.session!.snapshot.consultation?.e2ee), true, 'end-to-end encrypted (the default)');

    // Two bursts at once, typed and sent with Enter: each sender's messages must keep their order everywhere.
    const fromPractitioner = Array.from({ length: 6 }, (_, i) => `doc-${i + 1}`);
    const fromPatient = Array.from({ length: 4 }, (_, i) => `ann-${i + 1}`);
    await Promise.all([
      (async () => {
        for (const text of fromPractitioner) await sendChat(practitioner, text);
      })(),
      (async () => {
        for (const text of fromPatient) await sendChat(first, text);
      })(),
    ]);
    for (const page of [practitioner, first]) {
      await waitForMessages(page, 10);
      const shown = await page.evaluate(() => window.collab.shownMessages());
      assert.equal(shown.length, 10, `exactly ten messages, no duplicates: ${JSON.stringify(shown)}`);
      assert.deepEqual(bySender(shown, 'doc-'), fromPractitioner);
      assert.deepEqual(bySender(shown, 'ann-'), fromPatient);
      assert.ok(
        shown.every((m) => !m.history),
        'live messages are not history',
      );
    }
    // Names as the other side sees them (one's own messages say "You").
    const atPatient = await first.evaluate(() => window.collab.shownMessages());
    assert.deepEqual([...new Set(atPatient.filter((m) => m.text.startsWith('doc-')).map((m) => m.name))], ['Dr. Test']);
    assert.deepEqual([...new Set(atPatient.filter((m) => m.text.startsWith('ann-')).map((m) => m.name))], ['You']);

    // A question and its answer: a total order every page agrees on. The answer is markup, shown as typed.
    const answer = '<img src=x onerror="window.pwned=1"> yes';
    await sendChat(practitioner, 'question?');
    await waitForMessages(first, 11);
    await sendChat(first, answer);
    for (const page of [practitioner, first]) {
      await waitForMessages(page, 12);
      assert.deepEqual((await shownTexts(page)).slice(-2), ['question?', answer]);
      assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    }
    // (During the concurrent bursts each page shows its own messages at once, so the interleaving may differ
    // between the two pages; the history a newcomer gets is the practitioner's view.)
    const conversation = await shownTexts(practitioner);
    assert.deepEqual([...(await shownTexts(first))].sort(), [...conversation].sort(), 'both pages show the same messages');

    // A third page admitted now receives everything so far from the practitioner's client, marked as history.
    const late = await patientInCall(stack, practitioner, consultation.codes[1]!, 'Ben');
    await waitForMessages(late, 12);
    const history = await late.evaluate(() => window.collab.shownMessages());
    assert.deepEqual(
      history.map((m) => m.text),
      conversation,
      'the history arrives complete and in order',
    );
    assert.ok(
      history.every((m) => m.history),
      'every replayed message is marked as history',
    );
    assert.equal(await late.evaluate(() => window.collab.historyDividerShown()), true);
    assert.deepEqual([...new Set(history.filter((m) => m.text.startsWith('doc-')).map((m) => m.name))], ['Dr. Test']);
    assert.deepEqual(
      [...new Set(history.filter((m) => m.text.startsWith('ann-')).map((m) => m.name))],
      ['Patient 1'],
      'the server names patients by their alias in the room',
    );

    // And it takes part live: its message reaches all three pages, after the history, not marked as history.
    const before = [conversation, await shownTexts(first), conversation];
    await sendChat(late, 'ben here');
    for (const [index, page] of [practitioner, first, late].entries()) {
      await waitForMessages(page, 13);
      const shown = await page.evaluate(() => window.collab.shownMessages());
      assert.deepEqual(
        shown.map((m) => m.text),
        [...before[index]!, 'ben here'],
      );
      assert.equal(shown.at(-1)!.history, false);
    }
    // The relative is marked as such on the other pages, from the attribute the server set (not from "Ben").
    for (const page of [practitioner, first]) {
      assert.equal((await page.evaluate(() => window.collab.shownMessages())).at(-1)!.role, 'relative');
      assert.equal(
        await page.evaluate(() => window.vc.session!.snapshot.participants.find((p) => p.name === 'Patient 2')?.role),
        'relative',
      );
    }
    assert.equal(await late.evaluate(() => window.vc.session!.snapshot.participants.find((p) => p.name === 'Patient 1')?.role), 'patient');
    // The practitioner's and the first patient's own views never turned live messages into history.
    for (const page of [practitioner, first])
      assert.ok((await page.evaluate(() => window.collab.shownMessages())).every((m) => !m.history));
  },
);

test('an image attached in the chat uploads with the sender’s grant and previews on the other page', { timeout: 180_000 }, async () => {
  const consultation = await createConsultation(stack);
  const practitioner = await practitionerInCall(stack, consultation);
  const patient = await patientInCall(stack, practitioner, consultation.codes[0]!, 'Ann');
  await chatReady(patient);
  await patient.locator('vc-chat [part="attach-button"]').waitFor({ timeout: 20000 });
  await patient
    .locator('vc-chat input[type=file]')
    .setInputFiles({ name: 'rash.png', mimeType: 'image/png', buffer: png(12, 7, [200, 30, 30]) });
  // The practitioner's chat shows the message with a preview fetched through its own grant.
  await practitioner.waitForFunction(
    () => {
      const img = document.querySelector('vc-chat')?.shadowRoot?.querySelector<HTMLImageElement>('[part="attachment"] img');
      return !!img && img.complete && img.naturalWidth === 12 && img.naturalHeight === 7;
    },
    undefined,
    { timeout: 30000 },
  );
  const label = await practitioner.evaluate(() =>
    document.querySelector('vc-chat')!.shadowRoot!.querySelector('[part="attachment"] button')!.textContent!.trim(),
  );
  assert.equal(label, 'Download rash.png');
  assert.deepEqual(await patient.evaluate(() => window.collab.errors()), []);
  assert.deepEqual(await practitioner.evaluate(() => window.collab.errors()), []);
});
