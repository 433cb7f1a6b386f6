// The drop-in <vc-consultation> from the built embed bundle, driven only through its UI (typing, clicking,
// answering the host's confirm dialog) in real Chromium, through the real token server and the real SFU.
// One consultation, step by step: two patients wait, one is declined, the other is admitted; video, audio and
// a screen share flow both ways; the practitioner ends it for everyone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { consultation, openConsultation, passDeviceCheck, patientWaitsViaForm, waitForConsultationState } from './consultation-ui.js';
import { useStack } from './stack.js';

const WAIT = 30_000;
const STEP = { timeout: 120_000 };

const stack = useStack({}, { afterStart: createConsultationWithCodes });
let consultationId: string;
let practitionerToken: string;
const codes: string[] = [];
const pages: { practitioner?: Page; anna?: Page; bruno?: Page } = {};

async function createConsultationWithCodes(): Promise<void> {
  ({ id: consultationId } = await stack.integrator<{ id: string }>('POST', '/v1/consultations', { title: 'Consultation e2e' }));
  for (const alias of ['Patient A', 'Patient B']) {
    codes.push((await stack.integrator<{ code: string }>('POST', `/v1/consultations/${consultationId}/access-codes`, { alias })).code);
  }
  ({ token: practitionerToken } = await stack.integrator<{ token: string }>(
    'POST',
    `/v1/consultations/${consultationId}/practitioner-tokens`,
    { name: 'Dr. Test' },
  ));
}

/** Polls until `check` holds; never an assertion by itself — callers assert on what it returns. */
async function until<T>(what: string, check: () => Promise<T | false | undefined>, timeout = WAIT): Promise<T> {
  const end = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms: ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function queueEntry(practitioner: Page, name: string): Locator {
  return practitioner.locator('vc-waiting-room[mode="practitioner"] [part="patient"]').filter({ hasText: name });
}

/** How many frames the rendered <video> presents (requestVideoFrameCallback), up to `wanted`. */
async function framesPresented(video: Locator, wanted = 5): Promise<number> {
  return video.evaluate((element, n) => window.vcPage.framesPresented(element as HTMLVideoElement, n), wanted, { timeout: WAIT });
}

async function receivedBytes(page: Page): Promise<{ audio: number; video: number }> {
  return page.evaluate(() => window.vcPage.receivedBytes());
}

/** Inbound audio bytes keep growing: the remote microphone track is being received right now. */
async function assertAudioFlowing(page: Page, who: string): Promise<void> {
  const before = (await receivedBytes(page)).audio;
  const later = await until(`${who} receives more audio`, async () => {
    const now = (await receivedBytes(page)).audio;
    return now > before + 4000 ? now : false;
  });
  assert.ok(later > before + 4000, `${who}: audio bytes ${before} → ${later}`);
}

test(
  'a patient types the code and name, passes the device check and waits; the queue shows them with their device verdict',
  STEP,
  async () => {
    const practitioner = await openConsultation(stack, { role: 'practitioner', token: practitionerToken });
    pages.practitioner = practitioner;
    await passDeviceCheck(practitioner);
    await waitForConsultationState(practitioner, 'in-call');

    const anna = await patientWaitsViaForm(stack, codes[0]!, 'Anna Erste');
    pages.anna = anna;
    await consultation(anna).locator('[part="status"]').filter({ hasText: 'You are number 1 in line.' }).waitFor({ timeout: WAIT });
    assert.deepEqual(await anna.evaluate(() => window.vcPage.events), ['vc-waiting']);

    const entry = queueEntry(practitioner, 'Anna Erste');
    await entry.waitFor({ timeout: WAIT });
    const text = (await entry.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Patient A \(Anna Erste\)/);
    assert.match(text, /Devices OK/, `the patient's device-check verdict travels into the queue: "${text}"`);
  },
);

test('a second waiting patient sees only their own position, never another patient', STEP, async () => {
  assert.ok(pages.practitioner && pages.anna, 'needs the waiting patient of the previous step');
  const bruno = await patientWaitsViaForm(stack, codes[1]!, 'Bruno Zweite');
  pages.bruno = bruno;
  await consultation(bruno).locator('[part="status"]').filter({ hasText: 'You are number 2 in line.' }).waitFor({ timeout: WAIT });
  // The practitioner's queue now holds both: what the server knows, Bruno's page does not get.
  await queueEntry(pages.practitioner, 'Bruno Zweite').waitFor({ timeout: WAIT });
  assert.equal(await queueEntry(pages.practitioner, 'Anna Erste').count(), 1);

  // The same text dump on the practitioner's page does find both names: the check below can see a leak.
  const practitionerText = await pages.practitioner.evaluate(() => window.vcPage.deepText());
  for (const name of ['Anna Erste', 'Patient A', 'Bruno Zweite', 'Patient B']) assert.ok(practitionerText.includes(name), name);

  const everything = await bruno.evaluate(() => window.vcPage.deepText());
  assert.match(everything, /You are number 2 in line\./, 'deepText reaches into the shadow roots');
  for (const other of ['Anna', 'Erste', 'Patient A']) {
    assert.ok(!everything.includes(other), `"${other}" appears in the second patient's page`);
  }
  // …and the first patient's page still shows number 1, with nothing of the second.
  const annaText = await pages.anna.evaluate(() => window.vcPage.deepText());
  assert.match(annaText, /You are number 1 in line\./);
  for (const other of ['Bruno', 'Zweite', 'Patient B'])
    assert.ok(!annaText.includes(other), `"${other}" appears in the first patient's page`);
});

test('a declined patient sees a clear "declined" screen', STEP, async () => {
  assert.ok(pages.practitioner && pages.bruno, 'needs the second waiting patient');
  await pages.practitioner.getByRole('button', { name: 'Decline Patient B (Bruno Zweite)' }).click();
  await waitForConsultationState(pages.bruno, 'declined');
  const heading = consultation(pages.bruno).getByRole('heading', { name: 'Your consultation request was declined' });
  await heading.waitFor({ timeout: WAIT });
  assert.ok(await heading.isVisible(), 'the declined heading is visible');
  assert.ok(await consultation(pages.bruno).getByText('The practice cannot see you right now. Please contact them.').isVisible());
  assert.deepEqual(await pages.bruno.evaluate(() => window.vcPage.events), ['vc-waiting', 'vc-declined']);
  // Bruno left the queue; Anna is still waiting.
  await queueEntry(pages.practitioner, 'Bruno Zweite').waitFor({ state: 'detached', timeout: WAIT });
  assert.equal(await queueEntry(pages.practitioner, 'Anna Erste').count(), 1);
});

test("the practitioner admits from the queue; both pages see each other's video and receive audio", STEP, async () => {
  const { practitioner, anna } = pages;
  assert.ok(practitioner && anna, 'needs the practitioner in the call and the waiting patient');
  await practitioner.getByRole('button', { name: 'Admit Patient A (Anna Erste)' }).click();
  await waitForConsultationState(anna, 'in-call');
  await queueEntry(practitioner, 'Anna Erste').waitFor({ state: 'detached', timeout: WAIT });

  for (const [page, who, remoteName] of [
    [anna, 'patient', 'Dr. Test'],
    [practitioner, 'practitioner', 'Patient A'],
  ] as const) {
    const tile = consultation(page).locator('vc-call figure.remote:not(.screen)');
    await tile.locator('figcaption').filter({ hasText: remoteName }).waitFor({ timeout: WAIT });
    const video = tile.locator('video.camera');
    assert.equal(await framesPresented(video), 5, `${who} renders the remote camera`);
    assert.ok((await video.evaluate((v) => (v as HTMLVideoElement).videoWidth)) > 0, `${who}: the remote video has a size`);
    await assertAudioFlowing(page, who);
    assert.equal(await consultation(page).locator('[part="sound-banner"]').count(), 0, `${who}: sound is not blocked`);
  }
  const events = await anna.evaluate(() => window.vcPage.events);
  assert.deepEqual(events, ['vc-waiting', 'vc-admitted', 'vc-joined']);
});

test('a screen share from the practitioner reaches the patient, and stopping it removes it', STEP, async () => {
  const { practitioner, anna } = pages;
  assert.ok(practitioner && anna, 'needs the call');
  await consultation(practitioner).locator('[part="screen-button"]').click();
  await consultation(practitioner).locator('[part="sharing-banner"]').waitFor({ timeout: WAIT });

  const screenTile = consultation(anna).locator('vc-call figure.remote.screen');
  await screenTile.locator('figcaption').filter({ hasText: 'Screen of Dr. Test' }).waitFor({ timeout: WAIT });
  const video = screenTile.locator('video.screen');
  assert.equal(await framesPresented(video), 5, 'the patient renders the shared screen');
  assert.ok((await video.evaluate((v) => (v as HTMLVideoElement).videoWidth)) > 0);

  await consultation(practitioner).locator('[part="sharing-banner"]').getByRole('button', { name: 'Stop sharing' }).click();
  await screenTile.waitFor({ state: 'detached', timeout: WAIT });
  await consultation(anna).locator('vc-call figure.remote video.camera').waitFor({ timeout: WAIT });
});

test('"end for everyone": declining the confirmation keeps the call, confirming ends it on both pages', STEP, async () => {
  const { practitioner, anna } = pages;
  assert.ok(practitioner && anna, 'needs the call');
  const endButton = consultation(practitioner).locator('[part="end-button"]');

  // The host page asks before the cancelable vc-end-request goes ahead; the user says no first.
  practitioner.once('dialog', (dialog) => void dialog.dismiss());
  await endButton.click();
  await until('the end request was answered', () => practitioner.evaluate(() => window.vcPage.endRequests.length === 1 || undefined));
  assert.deepEqual(await practitioner.evaluate(() => window.vcPage.endRequests), [{ confirmed: false }]);
  // The call really goes on: media still flows to the patient and both pages stay in the call.
  await assertAudioFlowing(anna, 'patient after the vetoed end');
  assert.equal(await consultation(anna).getAttribute('state'), 'in-call');
  assert.equal(await consultation(practitioner).getAttribute('state'), 'in-call');
  const during = await stack.integrator<{ status: string }>('GET', `/v1/consultations/${consultationId}`);
  assert.equal(during.status, 'active', 'the vetoed request never reached the server');

  practitioner.once('dialog', (dialog) => void dialog.accept());
  await endButton.click();
  await waitForConsultationState(practitioner, 'ended');
  await waitForConsultationState(anna, 'ended');
  assert.deepEqual(await practitioner.evaluate(() => window.vcPage.endRequests), [{ confirmed: false }, { confirmed: true }]);
  // Each side's end screen says who ended it and how long the call lasted.
  for (const [page, heading] of [
    [practitioner, 'You ended the consultation for everyone'],
    [anna, 'The practitioner ended the consultation'],
  ] as const) {
    const screen = consultation(page).locator('[part="end-screen"]');
    await screen.getByRole('heading', { name: heading }).waitFor({ timeout: WAIT });
    assert.match((await screen.locator('[part="duration"]').textContent()) ?? '', /^Duration: \d+ min$/);
    assert.equal(await consultation(page).locator('vc-call').count(), 0, 'the call is gone');
  }
  // The patient rates the connection with one tap; it lands in the anonymous stats (the practitioner is not asked).
  assert.equal(await consultation(practitioner).locator('[part="rate-button"]').count(), 0);
  await consultation(anna).locator('[part="rate-button"][data-rating="fair"]').click();
  await consultation(anna).getByText('Thank you for your feedback.').waitFor({ timeout: WAIT });
  const stats = await stack.integrator<{ ratings: Record<string, number> }>('GET', '/v1/stats');
  assert.equal(stats.ratings.fair, 1, JSON.stringify(stats.ratings));
  assert.ok((await anna.evaluate(() => window.vcPage.events)).includes('vc-ended'));
  // The server agrees: the consultation is over.
  const record = await stack.integrator<{ status: string; endedAt?: string }>('GET', `/v1/consultations/${consultationId}`);
  assert.equal(record.status, 'ended', JSON.stringify(record));
  assert.ok(record.endedAt, 'the end time is recorded');
});
