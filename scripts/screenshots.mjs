// Screenshots for the docs (docs/screenshots/), taken from the real stack: the token server, the LiveKit SFU and
// headless Chromium with fake camera and microphone, driven through the pages' UI as the e2e tests do.
//
//   node scripts/screenshots.mjs                     every group below
//   node scripts/screenshots.mjs --only=sdk          the SDK's own screens (or --only=consultation,arrival,…)
//   node scripts/screenshots.mjs --only=demos        the three demo host applications
//
// Groups (each file is <view>-<light|dark>-<desktop|phone>.png for the SDK, <app>-<side>-<desktop|phone>.png for
// the demos; desktop 1280×800, phone 390×844 portrait and full page, so anything overflowing the screen shows):
//   consultation  the drop-in <vc-consultation> (test/e2e/pages/consultation.*) through one consultation: the
//                 patient's device check, the waiting screen (own camera, microphone level, position, the
//                 practitioner's note and message, connection test), the practitioner's queue with a patient
//                 and an interpreter (role marks), the call of three (role marks on tiles and in the chat),
//                 and the end screens of both sides; light and dark, the patient on desktop and phone
//   arrival       the practitioner's queue the moment a patient arrives: the queue entry, the title badge and
//                 the system notification (drawn into the shot, see arrivalChrome()), light and dark
//   pharmacy, therapy, practice, reception   the demo applications (demo/…) walked through their own pages, as in
//                 their e2e tests: the practitioner's side with the patient queued, the patient's side in the call
//
// Needs dist/ (`node_modules/.bin/rollup -c`) and the SFU (`npm run sfu:install`); run it under
// `flock /tmp/vc-browser.lock`. Only loopback is used; every wait is bounded (WAIT) and waits for a DOM state.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { startStack } = await import('../test/e2e/stack.ts');
const flows = await import('../test/e2e/demo-flows.ts');

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const out = join(root, 'docs/screenshots');
const WAIT = 30_000;
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
// --theme=dark / --viewport=phone narrow a run down (while fixing one screen); the docs need both of each.
const THEMES = ['light', 'dark'].filter((t) => !option('theme') || t === option('theme'));
const VIEWPORT_NAMES = Object.keys(VIEWPORTS).filter((v) => !option('viewport') || v === option('viewport'));

/** name → what it takes. Several developers add groups here: keep each one a self-contained function. */
const GROUPS = {
  consultation: async () => {
    for (const theme of THEMES) for (const viewport of VIEWPORT_NAMES) await shootConsultation(theme, viewport);
  },
  arrival: async () => {
    for (const theme of THEMES) await shootArrival(theme);
  },
  pharmacy: () => forEachViewport(shootPharmacy),
  therapy: () => forEachViewport(shootTherapy),
  practice: () => forEachViewport(shootPractice),
  reception: () => forEachViewport(shootReception),
};
const ALIASES = { sdk: ['consultation', 'arrival'], demos: ['pharmacy', 'therapy', 'practice', 'reception'] };

const only = option('only');
const selected = only ? only.split(',').flatMap((name) => ALIASES[name] ?? [name]) : Object.keys(GROUPS);
const unknown = selected.filter((name) => !GROUPS[name]);
if (unknown.length) {
  console.error(`unknown group ${unknown.join(', ')}; groups: ${[...Object.keys(GROUPS), ...Object.keys(ALIASES)].join(', ')}`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist/videoconsult.js'))) {
  console.error('dist/videoconsult.js is missing: run `node_modules/.bin/rollup -c` first.');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

const saved = [];
let stack;
try {
  for (const name of selected) {
    // A fresh stack per group: the demo back ends keep their counters and sessions between runs.
    stack = await startStack({}, { demoApps: true });
    const started = Date.now();
    await GROUPS[name]();
    console.log(`${name}: ${Math.round((Date.now() - started) / 1000)} s`);
    await stack.stop();
    stack = undefined;
  }
} finally {
  await stack?.stop();
}
console.log(saved.map((f) => `  ${f}`).join('\n'));

/** A demo walked through once per viewport, each on a fresh stack: its back end keeps its sessions and counters. */
async function forEachViewport(shootOne) {
  for (const [i, viewport] of VIEWPORT_NAMES.entries()) {
    if (i > 0) {
      await stack.stop();
      stack = await startStack({}, { demoApps: true });
    }
    await shootOne(viewport);
  }
}

/** A new browser context (another person's device), sized before loading: elements pick phone layouts at first render. */
async function newPage(viewport, theme) {
  const page = await stack.newPage();
  await page.setViewportSize(VIEWPORTS[viewport]);
  // The host page's own colours follow the system setting, as a real host's would; the SDK follows its theme attribute.
  if (theme) await page.emulateMedia({ colorScheme: theme });
  return page;
}

/** Full-page shots, so anything overflowing the viewport shows. `justBefore` runs last (e.g. waits for sound). */
async function shoot(page, name, viewport, justBefore) {
  // Two frames for layout, then a moment for videos to paint at their new size.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForTimeout(300);
  await justBefore?.();
  const file = join(out, `${name}-${viewport}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
  saved.push(file.slice(root.length + 1));
}

// ---------------------------------------------------------------------------------------------------------------
// The SDK's own screens: <vc-consultation> on the e2e test page.

async function openConsultation(viewport, theme, params) {
  const page = await newPage(viewport, theme);
  const query = new URLSearchParams({ server: stack.apiUrl, livekit: stack.sfu.url, theme, ...params });
  await page.goto(`${stack.pagesUrl}/e2e/consultation.html?${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
}

async function deviceCheckReady(page) {
  const check = page.locator('vc-device-check');
  await check.locator('[part="verdict"].ok').waitFor({ timeout: WAIT });
  await videoPlays(check.locator('[part="preview"]'));
}

/** The fake microphone beeps: waits for the meter to show a beep rather than a silent moment. */
async function soundShows(meter) {
  const poll = (m) =>
    new Promise((r) => {
      const check = () => (m.value > 0.3 ? r() : requestAnimationFrame(check));
      check();
    });
  await meter.evaluate(poll, undefined, { timeout: WAIT });
}

async function passDeviceCheck(page) {
  await deviceCheckReady(page);
  await page.locator('vc-device-check [part="continue-button"]').click();
}

async function state(page, value) {
  await page.locator(`vc-consultation[state='${value}']`).waitFor({ state: 'attached', timeout: WAIT });
}

/** Waits until the <video> presents frames (not a black box in the shot). */
async function videoPlays(video) {
  const frames = await video.first().evaluate((v) => window.vcPage.framesPresented(v, 3), undefined, { timeout: WAIT });
  if (frames < 3) throw new Error(`a video presented ${frames} frames`);
}

async function practitionerInCall(viewport, theme, token) {
  const page = await openConsultation(viewport, theme, { role: 'practitioner', token });
  await passDeviceCheck(page);
  await state(page, 'in-call');
  return page;
}

/** The patient's form, then the device check (left open: callers decide when to continue). */
async function patientAtDeviceCheck(viewport, theme, code, name) {
  const page = await openConsultation(viewport, theme, { role: 'patient' });
  await page.getByLabel('Access code').fill(code);
  await page.getByLabel('Your name').fill(name);
  await page.locator('vc-waiting-room [part="join-button"]').click();
  await deviceCheckReady(page);
  return page;
}

async function createConsultation(title, codes) {
  const { id } = await stack.integrator('POST', '/v1/consultations', { title });
  const created = [];
  for (const body of codes) created.push((await stack.integrator('POST', `/v1/consultations/${id}/access-codes`, body)).code);
  const { token } = await stack.integrator('POST', `/v1/consultations/${id}/practitioner-tokens`, { name: 'Dr. Weber' });
  return { token, codes: created };
}

function queueEntry(page, name) {
  return page.locator('vc-waiting-room[mode="practitioner"] [part="patient"]').filter({ hasText: name });
}

async function sendChat(page, text) {
  const chat = page.locator('vc-chat');
  if ((await chat.getAttribute('collapsed')) !== null) await page.locator('vc-consultation [part="chat-button"]').click();
  await chat.locator('[part="input"]').fill(text);
  await chat.locator('[part="send-button"]').click();
}

/**
 * One consultation from the patient's device check to both end screens. The patient's pages use `viewport`; the
 * practitioner is always on a desktop, so its shots are taken in the desktop run only.
 */
async function shootConsultation(theme, viewport) {
  const desktop = viewport === 'desktop';
  const { token, codes } = await createConsultation('Follow-up', [{}, { role: 'interpreter' }]);
  const practitioner = await practitionerInCall('desktop', theme, token);

  const patient = await patientAtDeviceCheck(viewport, theme, codes[0], 'Anna Example');
  await shoot(patient, `device-check-${theme}`, viewport, () => soundShows(patient.locator('vc-device-check [part="meter"]')));
  await patient.locator('vc-device-check [part="continue-button"]').click();
  await state(patient, 'waiting');

  // The practitioner's note for everyone waiting, and a message to this patient.
  const queue = practitioner.locator('vc-waiting-room[mode="practitioner"]');
  await queue.locator('[part="notice-form"] input').fill('Dr. Weber is running about 10 minutes late.');
  await queue.locator('[part="notice-form"] button[type="submit"]').click();
  const entry = queueEntry(practitioner, 'Anna Example');
  await entry.locator('[part="message-button"]').click();
  await queue.locator('#message-input').fill('Thank you for waiting. Please have your medication list at hand.');
  await queue.locator('#message-input').press('Enter');

  const waiting = patient.locator('vc-waiting-room');
  await waiting.locator('[part="notice"]').waitFor({ timeout: WAIT });
  await waiting.locator('[part="messages"] li').waitFor({ timeout: WAIT });
  await waiting.locator('[part="status"] .position').waitFor({ timeout: WAIT });
  await waiting.locator('vc-connection-test [part="summary"].verdict.ok').waitFor({ timeout: WAIT });
  await videoPlays(waiting.locator('[part="self-view"]'));
  await shoot(patient, `waiting-${theme}`, viewport, () => soundShows(waiting.locator('[part="mic-meter"]')));

  const interpreter = await patientAtDeviceCheck(viewport, theme, codes[1], 'Olga Petrova');
  await interpreter.locator('vc-device-check [part="continue-button"]').click();
  await state(interpreter, 'waiting');
  for (const name of ['Anna Example', 'Olga Petrova']) {
    await queueEntry(practitioner, name).locator('[part="connection"] .badge.ok').waitFor({ timeout: WAIT });
  }
  // The sidebar scrolls beside the call: as the practitioner would, scroll down to the interpreter's entry.
  await queueEntry(practitioner, 'Olga Petrova').scrollIntoViewIfNeeded();
  if (desktop) await shoot(practitioner, `queue-${theme}`, 'desktop');

  await queue.locator('[part="admit-all-button"]').click();
  for (const page of [patient, interpreter]) await state(page, 'in-call');
  for (const page of [practitioner, patient, interpreter]) {
    const call = page.locator('vc-call');
    await call.locator('[part~="tile"]:not([part~="self-view"])').nth(1).waitFor({ timeout: WAIT });
    await videoPlays(call.locator('[part~="tile"]:not([part~="self-view"]) video'));
  }
  // The interpreter's message last, so the newest message in view (the log shows its end) carries the role mark.
  await sendChat(patient, 'Good morning!');
  await practitioner.locator('vc-chat [part="message"]').first().waitFor({ timeout: WAIT });
  await sendChat(interpreter, 'Hello, I am the interpreter for Mrs. Example today.');
  await practitioner.locator('vc-chat [part="message"][data-role="interpreter"]').waitFor({ timeout: WAIT });
  await practitioner.locator('vc-call [part~="tile"][data-role="interpreter"] [part="role"]').waitFor({ timeout: WAIT });
  await patient.locator('vc-call [part~="tile"] [part="role"]').nth(1).waitFor({ timeout: WAIT });
  // No scrolling: beside the call the chat's input stays in view (the queue and the chat log scroll in their boxes).
  if (desktop) await shoot(practitioner, `call-practitioner-${theme}`, 'desktop');
  await shoot(patient, `call-patient-${theme}`, viewport);

  practitioner.once('dialog', (dialog) => void dialog.accept());
  await practitioner.locator('vc-call [part="end-button"]').click();
  for (const page of [practitioner, patient, interpreter]) await state(page, 'ended');
  await patient.locator('vc-consultation [part="end-screen"] [part="duration"]').waitFor({ timeout: WAIT });
  if (desktop) await shoot(practitioner, `end-practitioner-${theme}`, 'desktop');
  await shoot(patient, `end-patient-${theme}`, viewport);

  for (const page of [practitioner, patient, interpreter]) await page.close();
}

/**
 * Headless Chromium draws no tab strip and no system notifications, so for the arrival shot the host page shows
 * them itself: a tab with the live `document.title` (the SDK's badge) and a card for each `Notification` the SDK
 * creates (recorded, then passed on to the real one). Both are marked as stand-ins for the browser's own.
 */
function arrivalChrome() {
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      window.dispatchEvent(new CustomEvent('shot-notification', { detail: { title, body: options?.body ?? '' } }));
      super(title, options);
    }
  };
  addEventListener('DOMContentLoaded', () => {
    const style = document.createElement('style');
    style.textContent = `
      .shot-tab { font: 13px system-ui, sans-serif; display: flex; align-items: end; gap: 8px; margin: -12px -12px 12px;
        padding: 8px 12px 0; background: #dee1e6; color: #1f1f1f; }
      .shot-tab span { background: #fff; border-radius: 8px 8px 0 0; padding: 6px 14px; min-width: 14rem; }
      .shot-tab small { margin-inline-start: auto; padding-bottom: 6px; color: #444; }
      .shot-note { position: fixed; right: 16px; bottom: 16px; z-index: 10; width: 22rem; padding: 12px 16px;
        border-radius: 10px; background: #fff; color: #1f1f1f; font: 14px system-ui, sans-serif;
        box-shadow: 0 4px 18px rgb(0 0 0 / 35%); border: 1px solid #c7c7c7; }
      .shot-note b { display: block; margin-bottom: 2px; }
      .shot-note small { display: block; color: #555; margin-bottom: 6px; }
      @media (prefers-color-scheme: dark) {
        .shot-tab { background: #202124; color: #e8eaed; } .shot-tab span { background: #35363a; } .shot-tab small { color: #bdc1c6; }
        .shot-note { background: #2d2e31; color: #e8eaed; border-color: #5f6368; } .shot-note small { color: #bdc1c6; }
      }`;
    document.head.append(style);
    const bar = document.createElement('div');
    bar.className = 'shot-tab';
    bar.setAttribute('aria-hidden', 'true');
    const tab = document.createElement('span');
    const note = document.createElement('small');
    note.textContent = 'browser tab (drawn for the screenshot)';
    bar.append(tab, note);
    document.body.prepend(bar);
    const show = () => (tab.textContent = document.title);
    show();
    new MutationObserver(show).observe(document.querySelector('title'), { childList: true, characterData: true, subtree: true });
    addEventListener('shot-notification', ({ detail }) => {
      document.querySelector('.shot-note')?.remove();
      const card = document.createElement('div');
      card.className = 'shot-note';
      card.setAttribute('aria-hidden', 'true');
      card.innerHTML = '<small>system notification (drawn for the screenshot)</small><b></b><span></span>';
      card.querySelector('b').textContent = detail.title;
      card.querySelector('span').textContent = detail.body;
      document.body.append(card);
    });
  });
}

/** The practitioner (sound on, notifications agreed to once) as a patient arrives. */
async function shootArrival(theme) {
  const { token, codes } = await createConsultation('Morning consultations', [{ alias: 'Appointment 10:30' }]);
  const page = await newPage('desktop', theme);
  await page.context().grantPermissions(['notifications'], { origin: stack.pagesUrl });
  await page.addInitScript(arrivalChrome);
  const query = new URLSearchParams({ server: stack.apiUrl, livekit: stack.sfu.url, theme, role: 'practitioner', token });
  await page.goto(`${stack.pagesUrl}/e2e/consultation.html?${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.locator('vc-consultation').evaluate((element) => element.setAttribute('notify-arrivals', ''));
  await passDeviceCheck(page);
  await state(page, 'in-call');

  const patient = await patientAtDeviceCheck('phone', theme, codes[0], 'Ben Sample');
  await patient.locator('vc-device-check [part="continue-button"]').click();
  await state(patient, 'waiting');
  await queueEntry(page, 'Ben Sample').waitFor({ timeout: WAIT });
  await page.locator('.shot-note').waitFor({ timeout: WAIT });
  await page.waitForFunction(() => document.title.startsWith('(1)'), undefined, { timeout: WAIT });
  await shoot(page, `arrival-${theme}`, 'desktop');
  await page.close();
  await patient.close();
}

// ---------------------------------------------------------------------------------------------------------------
// The demo host applications (issue 13), through their own pages.

/** A demo page at `path`, sized before loading. */
async function openDemo(viewport, path) {
  const page = await newPage(viewport);
  await page.goto(`${stack.pagesUrl}${path}`);
  return page;
}

/** The practitioner's page with the patient waiting in its queue, then both in the call. */
async function shootPair(app, viewport, practitioner, patient, name) {
  await flows.passDeviceCheck(practitioner);
  await flows.waitForState(practitioner, 'in-call');
  await practitioner.locator('vc-waiting-room [part="patient"]').filter({ hasText: name }).waitFor({ timeout: WAIT });
  await shoot(practitioner, `${app}-practitioner`, viewport);
  await flows.admitFromQueue(practitioner, name);
  await flows.waitForState(patient, 'in-call');
  await flows.remoteVideoPlays(patient);
  await flows.remoteVideoPlays(practitioner);
  await shoot(patient, `${app}-patient`, viewport);
  await practitioner.close();
  await patient.close();
}

async function shootPharmacy(viewport) {
  const customer = await openDemo(viewport, '/pharmacy/');
  await customer.getByRole('button', { name: 'Talk to a pharmacist now' }).click();
  await flows.passDeviceCheck(customer);
  await flows.waitForState(customer, 'waiting');
  const pharmacist = await openDemo(viewport, '/pharmacy/pharmacist');
  await shootPair('pharmacy', viewport, pharmacist, customer, 'Maria Keller');
}

async function shootTherapy(viewport) {
  const therapist = await openDemo(viewport, '/therapy/');
  const session = therapist.locator('.session').filter({ hasText: 'Familiengespräch Wagner' });
  await session.getByRole('button', { name: 'Einladungen erstellen' }).click();
  const links = session.locator('.invitations a');
  await links.nth(1).waitFor();
  const invitees = [];
  for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
    const page = await openDemo(viewport, href);
    await flows.passDeviceCheck(page);
    await flows.waitForState(page, 'waiting');
    invitees.push(page);
  }
  await session.getByRole('button', { name: 'Sitzung beginnen' }).click();
  // The client is admitted first, so the relative's shot shows a call of three.
  await flows.passDeviceCheck(therapist);
  await flows.waitForState(therapist, 'in-call');
  await flows.admitFromQueue(therapist, 'Jonas Wagner (Klient)');
  await flows.waitForState(invitees[0], 'in-call');
  await therapist.locator('vc-waiting-room [part="patient"]').filter({ hasText: 'Sabine Wagner' }).waitFor({ timeout: WAIT });
  await shoot(therapist, 'therapy-practitioner', viewport);
  await flows.admitFromQueue(therapist, 'Sabine Wagner (Mutter)');
  await flows.waitForState(invitees[1], 'in-call');
  for (const page of [therapist, ...invitees]) await flows.remoteVideoPlays(page, 2);
  await shoot(invitees[1], 'therapy-patient', viewport);
  for (const page of [therapist, ...invitees]) await page.close();
}

async function shootPractice(viewport) {
  const doctor = await openDemo(viewport, '/practice/');
  const row = doctor.locator('#appointments tr').filter({ hasText: 'Anna Schmidt' });
  await row.getByRole('button', { name: 'Send code by e-mail' }).click();
  await row.locator('.state').filter({ hasText: 'code sent' }).waitFor({ timeout: WAIT });
  const patient = await openDemo(viewport, '/mail/');
  const link = patient.locator('article').filter({ hasText: 'anna.schmidt@example.org' }).locator('a[href*="#code="]');
  await link.waitFor({ timeout: WAIT });
  await link.click();
  await patient.getByLabel('Your name').fill('Anna');
  await patient.locator('vc-waiting-room [part="join-button"]').click();
  await flows.passDeviceCheck(patient);
  await flows.waitForState(patient, 'waiting');
  await row.getByRole('button', { name: 'Start' }).click();
  await shootPair('practice', viewport, doctor, patient, 'Anna Schmidt');
}

/** The practice's reception desk: the practice-wide queue with a patient waiting and the transfer to the doctor's room. */
async function shootReception(viewport) {
  const doctor = await openDemo(viewport, '/practice/');
  await doctor.getByRole('button', { name: 'Open my video room' }).click();
  await flows.passDeviceCheck(doctor);
  await flows.waitForState(doctor, 'in-call');
  const reception = await openDemo(viewport, '/practice/reception');
  const row = reception.locator('#appointments tr').filter({ hasText: 'Peter Novak' });
  await row.getByRole('button', { name: 'Send code by e-mail' }).click();
  await row.locator('.state').filter({ hasText: 'code sent' }).waitFor({ timeout: WAIT });
  const patient = await openDemo(viewport, '/mail/');
  await flows.joinFromInbox(patient, 'p.novak@example.net', 'Peter');
  const transferTo = reception.locator('vc-waiting-room').getByLabel(/^Transfer Peter Novak/);
  await transferTo.locator('option', { hasText: 'Dr. Sam Okafor' }).waitFor({ state: 'attached', timeout: WAIT });
  await transferTo.selectOption({ label: 'Dr. Sam Okafor' });
  // "Send code" scrolled the list into view; the shot is of the queue.
  await transferTo.evaluate((select) => select.scrollIntoView({ block: 'center' }));
  await shoot(reception, 'practice-reception', viewport);
  for (const page of [doctor, reception, patient]) await page.close();
}
