// One tag from another origin is the whole product: host pages on 127.0.0.2 load only
// <script type="module" src="http://127.0.0.1:<token server>/videoconsult.js"> under the README's CSP, and get a
// full admitted call with E2EE and a PDF rendered on the whiteboard (both workers started cross-origin).
// A host whose CSP forbids blob: workers gets a clear vc-error instead of a call that never starts.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import type { Page } from 'playwright-core';
import { createConsultation } from './flows.js';
import { startStack, type Stack } from './stack.js';
import { tinyPdf } from './pdf.js';

let stack: Stack;
let host: Server;
let hostOrigin: string;

/** The README's Content-Security-Policy for a host page (the product on `api`, the SFU on `sfu`). */
export function readmeCsp(api: string, sfu: string): string {
  const sfuHttp = sfu.replace(/^ws/, 'http');
  return [
    "default-src 'self'",
    `script-src 'self' ${api}`,
    `worker-src blob: ${api}`,
    `connect-src 'self' ${api} ${sfu} ${sfuHttp}`,
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
  ].join('; ');
}

function hostPage(api: string, attributes: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host</title>
<script type="module" src="${api}/videoconsult.js"></script></head>
<body><vc-consultation ${attributes} server-url="${api}"></vc-consultation></body></html>`;
}

before(async () => {
  const app = express();
  const attr = (value: unknown): string => String(value ?? '').replace(/[^\w.:/-]/g, '');
  app.get('/host.html', (req, res) => {
    const api = stack.apiUrl;
    const csp =
      req.query.csp === 'no-blob'
        ? readmeCsp(api, stack.config.livekit.url).replace('worker-src blob: ', 'worker-src ')
        : readmeCsp(api, stack.config.livekit.url);
    const role = req.query.role === 'practitioner' ? 'practitioner' : 'patient';
    const token = req.query.token ? ` practitioner-token="${attr(req.query.token)}"` : '';
    res
      .set('Content-Security-Policy', csp)
      .type('html')
      .send(hostPage(api, `role="${role}"${token}`));
  });
  host = await new Promise<Server>((resolve) => {
    const server = app.listen(0, '127.0.0.2', () => resolve(server));
  });
  hostOrigin = `http://127.0.0.2:${(host.address() as AddressInfo).port}`;
  stack = await startStack({}, { hostOrigins: [hostOrigin] });
});
after(async () => {
  await stack?.stop();
  await new Promise((r) => host?.close(r));
});

// Test instrumentation injected before the host page runs (as a string: esbuild's helpers do not exist there).
// Collects vc-error details and document-shown events; finds videos and the board canvas through shadow roots.
const INIT = `
window.vcErrors = [];
window.documentsShown = 0;
document.addEventListener('vc-error', (e) => window.vcErrors.push(e.detail));
document.addEventListener('vc-whiteboard-document-shown', () => { window.documentsShown += 1; });
function deepAll(root, out) {
  for (const el of root.querySelectorAll('*')) { out.push(el); if (el.shadowRoot) deepAll(el.shadowRoot, out); }
  return out;
}
window.vcTest = {
  decodedFrames() {
    return deepAll(document, []).filter((el) => el instanceof HTMLVideoElement && el.videoWidth > 0)
      .map((v) => v.getVideoPlaybackQuality().totalVideoFrames).reduce((a, b) => Math.max(a, b), 0);
  },
  darkPixels() {
    const board = deepAll(document, []).find((el) => el.localName === 'vc-whiteboard');
    const canvas = board && board.shadowRoot && board.shadowRoot.querySelector('canvas');
    if (!canvas) return -1;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 200 && data[i] < 60 && data[i + 1] < 60 && data[i + 2] < 60) dark += 1;
    return dark;
  },
};
`;
interface TestGlobals {
  vcErrors: { code: string; message: string }[];
  documentsShown: number;
  vcTest: { decodedFrames(): number; darkPixels(): number };
}

interface Watched {
  page: Page;
  errors: string[];
  /** Every worker script and SDK file fetched, as `status origin path`. */
  loads: string[];
}

async function openHost(query: Record<string, string>): Promise<Watched> {
  const page = await stack.newPage();
  const errors: string[] = [];
  const loads: string[] = [];
  page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|CORS/i.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (/\.(m?js)$/.test(url.pathname)) loads.push(`${r.status()} ${url.origin} ${url.pathname}`);
  });
  await page.addInitScript(INIT);
  await page.goto(`${hostOrigin}/host.html?${new URLSearchParams(query)}`);
  await page.waitForFunction(() => customElements.get('vc-consultation') !== undefined, undefined, { timeout: 20000 });
  return { page, errors, loads };
}

const stateOf = (page: Page, state: string, timeout = 30000) =>
  page.waitForFunction((s) => document.querySelector('vc-consultation')?.getAttribute('state') === s, state, { timeout });

const vcErrors = (page: Page) => page.evaluate(() => (window as unknown as TestGlobals).vcErrors);

/** Remote video frames decoded on this page (the most of any <video> in the open shadow roots). */
const decodedFrames = (page: Page) => page.evaluate(() => (window as unknown as TestGlobals).vcTest.decodedFrames());

/** Dark pixels on the whiteboard's canvas (the PDF page is a black square). */
const darkPixels = (page: Page) => page.evaluate(() => (window as unknown as TestGlobals).vcTest.darkPixels());

test(
  'a host page on another origin with only the script tag: admitted E2EE call and a PDF on the whiteboard',
  { timeout: 240_000 },
  async () => {
    const consultation = await createConsultation(stack);
    const practitioner = await openHost({ role: 'practitioner', token: consultation.practitionerToken });
    await practitioner.page.evaluate(() => void document.querySelector('vc-consultation')!.session.startPractitioner());
    await stateOf(practitioner.page, 'in-call');

    const patient = await openHost({ role: 'patient' });
    await patient.page.evaluate(
      (code) =>
        void document.querySelector('vc-consultation')!.session.join({
          code,
          name: 'Pat',
          deviceCheck: { verdict: 'ok', camera: 'ok', microphone: 'ok', network: 'ok' },
        }),
      consultation.codes[0]!,
    );
    await stateOf(patient.page, 'waiting');
    await practitioner.page.waitForFunction(
      () => document.querySelector('vc-consultation')!.session.snapshot.waitingPatients.length === 1,
      undefined,
      { timeout: 15000 },
    );
    await practitioner.page.evaluate(() => {
      const session = document.querySelector('vc-consultation')!.session;
      return session.admit(session.snapshot.waitingPatients[0]!.ticketId);
    });
    await stateOf(patient.page, 'in-call');

    for (const { page } of [practitioner, patient]) {
      assert.equal(await page.evaluate(() => document.querySelector('vc-consultation')!.session.snapshot.encrypted), true);
      // Encrypted frames from the other side decode: the E2EE worker (started cross-origin) runs.
      await page.waitForFunction(() => (window as unknown as TestGlobals).vcTest.decodedFrames() > 10, undefined, {
        timeout: 30000,
        polling: 500,
      });
      assert.ok((await decodedFrames(page)) > 10);
    }

    // The practitioner shares a PDF on the whiteboard; pdf.js renders it on both pages with its worker from 127.0.0.1.
    await practitioner.page.evaluate(() => document.querySelector('vc-consultation')!.openWhiteboard());
    await practitioner.page.locator('vc-whiteboard [data-action="document"]').waitFor({ timeout: 20000 });
    await patient.page.evaluate(() => document.querySelector('vc-consultation')!.openWhiteboard());
    await practitioner.page
      .locator('vc-whiteboard input[type=file]')
      .setInputFiles({ name: 'leaflet.pdf', mimeType: 'application/pdf', buffer: tinyPdf() });
    for (const { page } of [practitioner, patient]) {
      await page.waitForFunction(() => (window as unknown as TestGlobals).documentsShown >= 1, undefined, { timeout: 40000 });
      const dark = await darkPixels(page);
      assert.ok(dark > 150 * 150 * 0.9, `the rendered PDF page is on the canvas (${dark} dark pixels)`);
    }

    for (const watched of [practitioner, patient]) {
      assert.deepEqual(await vcErrors(watched.page), []);
      assert.deepEqual(watched.errors, []);
      // Everything came from the product's origin, nothing from the host's (it serves only the page).
      assert.ok(
        watched.loads.every((l) => l.includes(` ${stack.apiUrl} `)),
        watched.loads.join('\n'),
      );
      assert.ok(
        watched.loads.some((l) => l === `200 ${stack.apiUrl} /livekit-e2ee-worker.mjs`),
        'E2EE worker loaded cross-origin',
      );
    }
    assert.ok(
      practitioner.loads.some((l) => l === `200 ${stack.apiUrl} /pdf.worker.min.mjs`),
      'pdf.js worker loaded cross-origin',
    );
  },
);

test('a host CSP without worker-src blob: gets a vc-error naming the directive to add', { timeout: 120_000 }, async () => {
  const consultation = await createConsultation(stack);
  const practitioner = await openHost({ role: 'practitioner', token: consultation.practitionerToken, csp: 'no-blob' });
  await practitioner.page.evaluate(() => void document.querySelector('vc-consultation')!.session.startPractitioner());
  await practitioner.page.waitForFunction(() => (window as unknown as TestGlobals).vcErrors.length > 0, undefined, { timeout: 30000 });
  const [error] = await vcErrors(practitioner.page);
  assert.equal(error!.code, 'worker_blocked');
  assert.ok(error!.message.includes(`worker-src blob: ${stack.apiUrl}`), error!.message);
  assert.notEqual(await practitioner.page.evaluate(() => document.querySelector('vc-consultation')?.getAttribute('state')), 'in-call');
});
