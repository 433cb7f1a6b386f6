// Screenshots of the drop-in <vc-consultation> on the real stack (SFU + token server + headless Chromium):
// the patient's waiting screen, the practitioner's queue and a 1:1 call (patient's and practitioner's view), each
// in the light and dark theme, on a desktop viewport (1024×720) and a phone in portrait (390×844, full page).
//
//   node scripts/screenshots.mjs            → docs/screenshots/<view>-<theme>-<desktop|phone>.png
//
// Needs dist/ (`npx rollup -c`) and the SFU (`npm run sfu:install`). The pages are test/e2e/pages/consultation.*.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { startStack } = await import('../test/e2e/stack.ts');

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const out = join(root, 'docs/screenshots');
const WAIT = 30_000;
const VIEWPORTS = { desktop: { width: 1024, height: 720 }, phone: { width: 390, height: 844 } };

if (!existsSync(join(root, 'dist/videoconsult.js'))) {
  console.error('dist/videoconsult.js is missing: run `npx rollup -c` first.');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

const stack = await startStack();
const saved = [];
try {
  for (const theme of ['light', 'dark']) for (const viewport of Object.keys(VIEWPORTS)) await shootFlow(theme, viewport);
} finally {
  await stack.stop();
}
console.log(saved.map((f) => `  ${f}`).join('\n'));

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
