// End-to-end encryption of data (chat and whiteboard) through the real stack: a participant with a valid grant
// for the room but the wrong key runs the very same SDK (dist/videoconsult.js, <vc-chat>, <vc-whiteboard>) and
// receives nothing readable, while the pages with the consultation's key see each other's messages and strokes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createConsultation, practitionerGrant, waitForState } from './flows.js';
import {
  chatReady,
  drag,
  openBoard,
  openCollabPage,
  patientInCall,
  practitionerInCall,
  sendChat,
  shownTexts,
  waitForMessages,
} from './pages/collab-flows.js';
import { useStack } from './stack.js';

const stack = useStack();

test(
  'a participant in the room with the wrong key receives no readable chat message and no whiteboard update',
  { timeout: 240_000 },
  async () => {
    const consultation = await createConsultation(stack);
    const practitioner = await practitionerInCall(stack, consultation);
    const patient = await patientInCall(stack, practitioner, consultation.codes[0]!, 'Ann');

    // A valid grant for this room, exactly as the SDK receives one — only the key in it is not the consultation's.
    const grant = await practitionerGrant(stack, consultation.id, 'Intruder');
    assert.ok(grant.e2eeKey, 'the consultation is encrypted');
    const wrongKey = randomBytes(32).toString('base64');
    // No practitioner token: the intruder's page has no queue stream, so nothing could hand it the key later.
    const intruder = await openCollabPage(stack, { role: 'practitioner', grant: { ...grant, e2eeKey: wrongKey } });
    await intruder.evaluate(() => void window.vc.session!.startPractitioner());
    await waitForState(intruder, 'in-call', 40000);
    await chatReady(intruder);
    assert.equal(await intruder.evaluate(() => window.vc.session!.snapshot.encrypted), true);
    // It is really in the room with the others: the SFU forwards it their (encrypted) tracks and it sees them.
    await intruder.waitForFunction(
      () => window.vc.session!.snapshot.participants.filter((p) => !p.isLocal && !!p.camera).length >= 2,
      undefined,
      { timeout: 20000 },
    );

    for (const page of [practitioner, patient, intruder]) await openBoard(page);

    // Chat both ways between the two with the key, and a stroke on the board from each of them.
    await sendChat(practitioner, 'secret-from-doctor');
    await sendChat(patient, 'secret-from-patient');
    for (const page of [practitioner, patient]) {
      await waitForMessages(page, 2);
      assert.deepEqual([...(await shownTexts(page))].sort(), ['secret-from-doctor', 'secret-from-patient']);
    }
    await drag(practitioner, [
      [420, 80],
      [480, 120],
      [540, 100],
    ]);
    await drag(patient, [
      [650, 60],
      [700, 200],
    ]);
    for (const page of [practitioner, patient]) {
      await page.waitForFunction(() => window.collab.boardCount() === 2, undefined, { timeout: 30000 });
    }
    // The intruder's own message reaches nobody with the key either.
    await sendChat(intruder, 'intruder-says-hi');

    // Long enough for anything that would come to have come (the two pages above got theirs within this time).
    await new Promise((r) => setTimeout(r, 8000));
    assert.deepEqual(await shownTexts(intruder), ['intruder-says-hi'], 'only its own message: nothing from the others');
    assert.equal(await intruder.evaluate(() => window.collab.boardCount()), 0, 'no whiteboard element reached the intruder');
    const intruderText = await intruder.evaluate(
      () => document.body.innerText + (document.querySelector('vc-chat')?.shadowRoot?.textContent ?? ''),
    );
    assert.ok(!intruderText.includes('secret-from'), 'no message text anywhere on the page');
    for (const page of [practitioner, patient]) {
      assert.ok(!(await shownTexts(page)).includes('intruder-says-hi'), "the intruder's message is unreadable to the others");
      assert.equal(await page.evaluate(() => window.collab.boardCount()), 2);
    }
  },
);
