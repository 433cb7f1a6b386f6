// Screenshots of the drop-in <vc-consultation> on the real stack (SFU + token server + headless Chromium):
// the patient's waiting screen, the practitioner's queue and a 1:1 call (patient's and practitioner's view), each
// in the light and dark theme, on a desktop viewport (1024×720) and a phone in portrait (390×844, full page).
//
//   node scripts/screenshots.mjs            → docs/screenshots/<view>-<theme>-<desktop|phone>.png
//
// The three demo host applications (demo/pharmacy, demo/therapy, demo/practice), walked through their own pages
// on the same stack as in their e2e tests: the practitioner's side with the patient waiting in the queue, and the
// patient's side in the call, on desktop and phone:
//
//                                           → docs/screenshots/<app>-<practitioner|patient>-<desktop|phone>.png
//   node scripts/screenshots.mjs --only=demos   (or --only=sdk) takes one of the two sets
//
// Needs dist/ (`npx rollup -c`) and the SFU (`npm run sfu:install`). The pages are test/e2e/pages/consultation.*.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { startStack } = await import('../test/e2e/stack.ts');
const flows = await import('../test/e2e/demo-flows.ts');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const out = join(root, 'docs/screenshots');
const WAIT = 30_000;
const VIEWPORTS = { desktop: { width: 1024, height: 720 }, phone: { width: 390, height: 844 } };

if (!existsSync(join(root, 'dist/videoconsult.js'))) {
  console.error('dist/videoconsult.js is missing: run `npx rollup -c` first.');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

const saved = [];
// A fresh stack per demo run: the demo back ends keep their counter and sessions open between runs.
let stack = await startStack({}, { demoApps: true });
try {
  if (only !== 'demos')
    for (const theme of ['light', 'dark']) for (const viewport of Object.keys(VIEWPORTS)) await shootFlow(theme, viewport);
  if (only !== 'sdk')
    for (const viewport of Object.keys(VIEWPORTS)) {
      for (const shootDemo of [shootPharmacy, shootTherapy, shootPractice, shootReception]) await shootDemo(viewport);
      await stack.stop();
      stack = await startStack({}, { demoApps: true });
    }
} finally {
  await stack.stop();
}
console.log(saved.map((f) => `  ${f}`).join('\n'));

/** A demo page at `path`, sized before loading (the elements pick their phone layout at first render). */
async function openDemo(viewport, path) {
  const page = await stack.newPage();
  await page.setViewportSize(VIEWPORTS[viewport]);
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
  const entry = reception.locator('vc-waiting-room [part="patient"]').filter({ hasText: 'Peter Novak' });
  await entry.locator('[part="transfer-select"] option', { hasText: 'Dr. Sam Okafor' }).waitFor({ state: 'attached', timeout: WAIT });
  await entry.getByLabel(/^Transfer Peter Novak/).selectOption({ label: 'Dr. Sam Okafor' });
  await shoot(reception, 'practice-reception', viewport);
  for (const page of [doctor, reception, patient]) await page.close();
}

async function open(viewport, params) {
  const page = await stack.newPage();
  // Sized before loading: the elements pick phone defaults (e.g. the chat starts closed) at first render.
  await page.setViewportSize(VIEWPORTS[viewport]);
  const query = new URLSearchParams({ server: stack.apiUrl, livekit: stack.sfu.url, ...params });
  await page.goto(`${stack.pagesUrl}/e2e/consultation.html?${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
}

async function passDeviceCheck(page) {
  const check = page.locator('vc-device-check');
  await check.locator('[part="verdict"].ok').waitFor({ timeout: WAIT });
  await check.locator('[part="continue-button"]').click();
}

async function state(page, value) {
  await page.locator(`vc-consultation[state='${value}']`).waitFor({ state: 'attached', timeout: WAIT });
}

/** Waits until the rendered <video> elements matching `selector` present frames. */
async function videoPlays(page, selector) {
  const video = page.locator(selector).first();
  const frames = await video.evaluate((v, n) => window.vcPage.framesPresented(v, n), 3, { timeout: WAIT });
  if (frames < 3) throw new Error(`${selector} presented ${frames} frames`);
}

/** Phone shots are full-page, so anything overflowing the viewport shows. */
async function shoot(page, name, viewport) {
  // Two frames for layout, then a moment for the videos to paint at their size.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForTimeout(400);
  const file = join(out, `${name}-${viewport}.png`);
  await page.screenshot({ path: file, fullPage: viewport === 'phone', animations: 'disabled', caret: 'hide' });
  saved.push(file.slice(root.length + 1));
}

async function shootFlow(theme, viewport) {
  const { id } = await stack.integrator('POST', '/v1/consultations', { title: 'Screenshots' });
  const { code } = await stack.integrator('POST', `/v1/consultations/${id}/access-codes`, { alias: 'Patient A' });
  const { token } = await stack.integrator('POST', `/v1/consultations/${id}/practitioner-tokens`, { name: 'Dr. Demo' });

  const practitioner = await open(viewport, { role: 'practitioner', token, theme });
  await passDeviceCheck(practitioner);
  await state(practitioner, 'in-call');

  const patient = await open(viewport, { role: 'patient', theme });
  await patient.getByLabel('Access code').fill(code);
  await patient.getByLabel('Your name').fill('Anna Example');
  await patient.locator('vc-waiting-room [part="join-button"]').click();
  await passDeviceCheck(patient);
  await state(patient, 'waiting');
  await patient.locator('vc-waiting-room [part="status"] .position').waitFor({ timeout: WAIT });
  await shoot(patient, `patient-waiting-${theme}`, viewport);

  const entry = practitioner.locator('vc-waiting-room[mode="practitioner"] [part="patient"]');
  await entry.locator('.badge.ok').waitFor({ timeout: WAIT });
  await shoot(practitioner, `practitioner-queue-${theme}`, viewport);

  await entry.locator('[part="admit-button"]').click();
  await state(patient, 'in-call');
  await videoPlays(patient, 'vc-call figure.remote video');
  await videoPlays(practitioner, 'vc-call figure.remote video');
  await videoPlays(patient, 'vc-call figure.self video');
  await shoot(patient, `call-patient-${theme}`, viewport);
  await shoot(practitioner, `call-practitioner-${theme}`, viewport);

  await practitioner.close();
  await patient.close();
}
