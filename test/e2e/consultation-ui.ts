// Steps shared by the end-to-end tests that drive the drop-in <vc-consultation> (embed bundle from dist/)
// through its UI only, as a user would: the test page, the device check, the patient's form, the state.
import type { Locator, Page } from 'playwright-core';
import type { Stack } from './stack.js';

const WAIT = 30_000;

/** The consultation test page with `?role=…` and the stack's URLs. */
export async function openConsultation(stack: Stack, params: Record<string, string>, timeout = WAIT): Promise<Page> {
  const page = await stack.newPage();
  const query = new URLSearchParams({ server: stack.apiUrl, livekit: stack.sfu.url, ...params });
  await page.goto(`${stack.pagesUrl}/e2e/consultation.html?${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout });
  return page;
}

export function consultation(page: Page): Locator {
  return page.locator('vc-consultation');
}

/** Waits for `<vc-consultation state=…>` (the element's attribute, not the session core's state). */
export async function waitForConsultationState(page: Page, state: string, timeout = WAIT): Promise<void> {
  await page
    .locator(`vc-consultation[state='${state}']`)
    .waitFor({ state: 'attached', timeout })
    .catch(async (err: Error) => {
      const actual = await consultation(page)
        .getAttribute('state')
        .catch(() => 'page gone');
      throw new Error(`expected state "${state}", still "${actual}": ${err.message}`);
    });
}

/** Passes the device check as a user would: waits for the verdict, then clicks the continue button. */
export async function passDeviceCheck(page: Page, timeout = WAIT): Promise<void> {
  const check = page.locator('vc-device-check');
  await check.locator('[part="verdict"]').filter({ hasText: 'Everything works. You are ready.' }).waitFor({ timeout });
  await check.locator('[part="continue-button"]').click();
}

/** A patient page: types the code and name into the form, passes the device check, ends up waiting. */
export async function patientWaitsViaForm(
  stack: Stack,
  code: string,
  name: string,
  timeout = WAIT,
  params: Record<string, string> = {},
): Promise<Page> {
  const page = await openConsultation(stack, { role: 'patient', ...params }, timeout);
  await page.getByLabel('Access code').fill(code);
  await page.getByLabel('Your name').fill(name);
  await page.locator('vc-waiting-room [part="join-button"]').click();
  await passDeviceCheck(page, timeout);
  await waitForConsultationState(page, 'waiting', timeout);
  return page;
}

/** Pixels of the pen's default blue on the board's canvas. */
export function bluePixels(page: Page): Promise<number> {
  return page.locator('vc-consultation [part="whiteboard"] canvas').evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! > 200 && Math.abs(data[i]! - 0x1d) < 12 && Math.abs(data[i + 1]! - 0x4e) < 12 && Math.abs(data[i + 2]! - 0xd8) < 12)
        count += 1;
    }
    return count;
  });
}

/**
 * Records every RTCPeerConnection of the page that makes an offer, and how many offers it made (a renegotiation
 * makes another): `window.offers = { count, pcs }`. Call before the page connects.
 */
export async function watchOffers(page: Page): Promise<void> {
  await page.evaluate(() => {
    const offers = { count: 0, pcs: new Set<RTCPeerConnection>() };
    (window as unknown as { offers: typeof offers }).offers = offers;
    const original = RTCPeerConnection.prototype.createOffer;
    RTCPeerConnection.prototype.createOffer = function (this: RTCPeerConnection, ...args: never[]) {
      offers.count += 1;
      offers.pcs.add(this);
      return (original as (...a: never[]) => Promise<RTCSessionDescriptionInit>).apply(this, args);
    } as typeof original;
  });
}

/** The practitioner passes the device check and enters the call; a patient joins through the form and is admitted. */
export async function callThroughUi(stack: Stack, practitioner: Page, code: string, timeout = WAIT): Promise<Page> {
  await passDeviceCheck(practitioner, timeout);
  await waitForConsultationState(practitioner, 'in-call', timeout);
  const patient = await patientWaitsViaForm(stack, code, 'Anna', timeout);
  await practitioner.getByRole('button', { name: /^Admit Patient 1/ }).click();
  await waitForConsultationState(patient, 'in-call', timeout);
  return patient;
}

/**
 * Video frames the page's first remote camera tile presents within `within` ms (up to 5): that video arrives, not
 * how fast (two pages blurring on a shared 2-core machine may present well under 1 fps; the rate is the bench's
 * job). Works on any page with a <vc-consultation>, the React host page too: no named functions inside, as tsx
 * would wrap them in a helper the page lacks.
 */
export function remoteFramesPresented(page: Page, within = 15_000): Promise<number> {
  return consultation(page)
    .locator('vc-call figure.remote:not(.screen) video.camera')
    .first()
    .evaluate(
      async (element, within) => {
        const video = element as HTMLVideoElement;
        const deadline = Date.now() + within;
        let seen = 0;
        while (seen < 5 && Date.now() < deadline) {
          const presented = await Promise.race([
            new Promise<boolean>((resolve) => video.requestVideoFrameCallback(() => resolve(true))),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000)),
          ]);
          if (presented) seen += 1;
        }
        return seen;
      },
      within,
      { timeout: within + WAIT },
    );
}
