// The practice-wide waiting room (issue 16 item 2), through the drop-in <vc-consultation> from the built embed
// bundle, driven through its UI in real Chromium, the real token server and the real SFU: two doctors and
// reception watch one practice queue; Dr One admits Anna and every desk shows who took her; reception transfers
// Bruno to Dr Two's consultation; Bruno, who typed his code once, ends up in Dr Two's call with media flowing.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { consultation, openConsultation, passDeviceCheck, patientWaitsViaForm, waitForConsultationState } from './consultation-ui.js';
import { useStack } from './stack.js';

const WAIT = 30_000;
const STEP = { timeout: 120_000 };
const adminKey = `admin_${randomBytes(16).toString('hex')}`;

const stack = useStack(
  { admin: { apiKeySha256: [createHash('sha256').update(adminKey).digest('hex')] } },
  { afterStart: createPracticeWithDesks },
);
const ids: { practice?: string; reception?: string; one?: string; two?: string } = {};
const tokens: { reception?: string; one?: string; two?: string } = {};
const codes: { anna?: string; bruno?: string } = {};
const pages: { reception?: Page; one?: Page; two?: Page; anna?: Page; bruno?: Page } = {};

async function admin<T>(method: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as T;
}

async function createPracticeWithDesks(): Promise<void> {
  ({ id: ids.practice } = await admin<{ id: string }>('POST', '/v1/admin/tenants/demo/practices', { name: 'Health Centre' }));
  for (const [key, title] of [
    ['reception', 'Reception'],
    ['one', 'Dr One'],
    ['two', 'Dr Two'],
  ] as const) {
    ({ id: ids[key] } = await stack.integrator<{ id: string }>('POST', '/v1/consultations', { title, practiceId: ids.practice }));
    ({ token: tokens[key] } = await stack.integrator<{ token: string }>('POST', `/v1/practices/${ids.practice}/practitioner-tokens`, {
      consultationId: ids[key],
      name: title,
    }));
  }
  ({ code: codes.anna } = await stack.integrator<{ code: string }>('POST', `/v1/consultations/${ids.one}/access-codes`, {}));
  ({ code: codes.bruno } = await stack.integrator<{ code: string }>('POST', `/v1/consultations/${ids.reception}/access-codes`, {}));
}

/** Polls until `check` holds; never an assertion by itself — callers assert on what it returns. */
async function until<T>(what: string, check: () => Promise<T | false | undefined>, timeout = WAIT): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== false && value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function queueEntry(desk: Page, name: string): Locator {
  return desk.locator('vc-waiting-room[mode="practitioner"] [part="patient"]').filter({ hasText: name });
}

/** The entry's text once it contains `expected` (the practice queue is live: it changes under us). */
async function entryShows(desk: Page, name: string, expected: string): Promise<string> {
  const entry = queueEntry(desk, name);
  return until(`the queue entry of ${name} shows "${expected}"`, async () => {
    const text = (await entry.innerText({ timeout: 1000 })).replace(/\s+/g, ' ');
    return text.includes(expected) ? text : false;
  });
}

async function doctorInCall(token: string): Promise<Page> {
  const page = await openConsultation(stack, { role: 'practitioner', token });
  await passDeviceCheck(page);
  await waitForConsultationState(page, 'in-call');
  return page;
}

test('two doctors and reception watch one practice queue: every patient, with the consultation they wait for', STEP, async () => {
  pages.one = await doctorInCall(tokens.one!);
  pages.two = await doctorInCall(tokens.two!);
  // Reception watches the queue without joining a call of its own.
  pages.reception = await openConsultation(stack, { role: 'practitioner', token: tokens.reception! });
  pages.anna = await patientWaitsViaForm(stack, codes.anna!, 'Anna Erste');
  pages.bruno = await patientWaitsViaForm(stack, codes.bruno!, 'Bruno Zweite');

  assert.match(await entryShows(pages.one, 'Anna Erste', 'For you'), /Waiting \d+ min/);
  assert.match(await entryShows(pages.two, 'Anna Erste', 'For Dr One'), /Devices OK/);
  await entryShows(pages.reception, 'Anna Erste', 'For Dr One');
  for (const desk of [pages.one, pages.two]) await entryShows(desk, 'Bruno Zweite', 'For Reception');
  await entryShows(pages.reception, 'Bruno Zweite', 'For you');
});

test('Dr One admits Anna; both doctors (and reception) see that Dr One took her', STEP, async () => {
  const { one, two, reception, anna } = pages;
  assert.ok(one && two && reception && anna, 'needs the desks and the waiting patients of the previous step');
  await one.getByRole('button', { name: 'Admit Anna Erste' }).click();
  await waitForConsultationState(anna, 'in-call');
  for (const desk of [one, two, reception]) {
    const text = await entryShows(desk, 'Anna Erste', 'With Dr One');
    assert.ok(!/Waiting \d+ min/.test(text), `an admitted patient is no longer shown as waiting: "${text}"`);
  }
  // Dr Two cannot admit Anna: she is not in Dr Two's consultation.
  assert.equal(await queueEntry(two, 'Anna Erste').getByRole('button', { name: 'Admit Anna Erste' }).count(), 0);
});

test("reception transfers Bruno to Dr Two's consultation; he sees it, and ends up in Dr Two's call without a new code", STEP, async () => {
  const { one, two, reception, bruno } = pages;
  assert.ok(one && two && reception && bruno, 'needs the desks and the waiting patient');
  const entry = queueEntry(reception, 'Bruno Zweite');
  await entry.getByLabel('Transfer Bruno Zweite to').selectOption({ label: 'Dr Two' });
  await entry.getByRole('button', { name: 'Transfer' }).click();

  // The patient's page: "you are being transferred", still waiting, no form, no second device check.
  await consultation(bruno)
    .locator('[part="transferred"]')
    .filter({ hasText: 'You are being transferred to Dr Two. Please wait.' })
    .waitFor({ timeout: WAIT });
  await waitForConsultationState(bruno, 'waiting');
  assert.equal(await consultation(bruno).locator('vc-device-check, [part="form"]').count(), 0);

  await entryShows(two, 'Bruno Zweite', 'For you');
  await entryShows(one, 'Bruno Zweite', 'For Dr Two');
  await two.getByRole('button', { name: 'Admit Bruno Zweite' }).click();
  await waitForConsultationState(bruno, 'in-call');
  for (const desk of [one, two, reception]) await entryShows(desk, 'Bruno Zweite', 'With Dr Two');

  // Media flows between Bruno and Dr Two: each presents the other's camera frames and receives audio.
  for (const [page, remoteName] of [
    [bruno, 'Dr Two'],
    [two, 'Bruno Zweite'],
  ] as const) {
    const tile = consultation(page).locator('vc-call figure.remote:not(.screen)');
    await tile.locator('figcaption').filter({ hasText: remoteName }).waitFor({ timeout: WAIT });
    const frames = await tile
      .locator('video.camera')
      .evaluate((element) => window.vcPage.framesPresented(element as HTMLVideoElement, 5), undefined, { timeout: WAIT });
    assert.equal(frames, 5, `${remoteName}'s camera renders`);
    const start = (await page.evaluate(() => window.vcPage.receivedBytes())).audio;
    const later = await until('audio keeps arriving', async () => {
      const now = (await page.evaluate(() => window.vcPage.receivedBytes())).audio;
      return now > start + 4000 ? now : false;
    });
    assert.ok(later > start + 4000, `audio bytes ${start} → ${later}`);
  }
  // Bruno is in Dr Two's room only: nobody from Dr One's call is on his page.
  assert.equal(await consultation(bruno).locator('vc-call figure.remote figcaption').filter({ hasText: 'Dr One' }).count(), 0);
  assert.deepEqual(await bruno.evaluate(() => window.vcPage.events), ['vc-waiting', 'vc-admitted', 'vc-joined']);
});

test("a patient in a call is transferred on: he leaves Dr Two's call and, admitted by Dr One, is in Dr One's call", STEP, async () => {
  const { one, two, bruno } = pages;
  assert.ok(one && two && bruno, "needs Bruno in Dr Two's call");
  const entry = queueEntry(two, 'Bruno Zweite');
  await entry.getByLabel('Transfer Bruno Zweite to').selectOption({ label: 'Dr One' });
  await entry.getByRole('button', { name: 'Transfer' }).click();
  await consultation(bruno)
    .locator('[part="transferred"]')
    .filter({ hasText: 'You are being transferred to Dr One. Please wait.' })
    .waitFor({ timeout: WAIT });
  // Dr Two's call no longer has him.
  await consultation(two)
    .locator('vc-call figure.remote figcaption')
    .filter({ hasText: 'Bruno Zweite' })
    .waitFor({ state: 'detached', timeout: WAIT });
  await entryShows(one, 'Bruno Zweite', 'For you');
  await one.getByRole('button', { name: 'Admit Bruno Zweite' }).click();
  await waitForConsultationState(bruno, 'in-call');
  const tile = consultation(bruno).locator('vc-call figure.remote:not(.screen)').filter({ hasText: 'Dr One' });
  await tile.locator('figcaption').waitFor({ timeout: WAIT });
  const frames = await tile
    .locator('video.camera')
    .evaluate((element) => window.vcPage.framesPresented(element as HTMLVideoElement, 5), undefined, { timeout: WAIT });
  assert.equal(frames, 5, "Dr One's camera renders on Bruno's page");
  await entryShows(two, 'Bruno Zweite', 'With Dr One');
});
