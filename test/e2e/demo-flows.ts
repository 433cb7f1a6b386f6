// Steps shared by the demo applications' end-to-end tests (demo-*.test.ts): they drive the real demo pages
// (demo/pharmacy, demo/therapy, demo/practice) through their UI as their users would, in any language.
import type { Locator, Page } from 'playwright-core';

export const WAIT = 30_000;

/** Passes the device check of the page's (or the given) `<vc-consultation>`: waits for a good verdict, continues. */
export async function passDeviceCheck(page: Page, timeout = WAIT): Promise<void> {
  const check = page.locator('vc-device-check');
  await check.locator('[part="verdict"].ok').waitFor({ timeout });
  await check.locator('[part="continue-button"]').click();
}

/** Waits for `<vc-consultation state=…>` on the page, and says which state it is in instead. */
export async function waitForState(page: Page, state: string, timeout = WAIT): Promise<void> {
  await page
    .locator(`vc-consultation[state='${state}']`)
    .waitFor({ state: 'attached', timeout })
    .catch(async (err: Error) => {
      const actual = await page
        .locator('vc-consultation')
        .getAttribute('state')
        .catch(() => 'page gone');
      throw new Error(`expected state "${state}", still "${actual}": ${err.message}`);
    });
}

/** The practitioner admits the waiting patient whose queue entry shows `name`, with the entry's own button. */
export async function admitFromQueue(page: Page, name: string, timeout = WAIT): Promise<void> {
  const entry = page.locator('vc-waiting-room [part="patient"]').filter({ hasText: name });
  await entry.waitFor({ timeout });
  await entry.locator('[part="admit-button"]').click();
}

/** Frames the `<video>` has shown so far (a counter that grows while video arrives and plays). */
async function framesShown(video: Locator): Promise<number> {
  return video.evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);
}

/** Waits until `count` remote video tiles on the page show new frames (at least 3 more each). */
export async function remoteVideoPlays(page: Page, count = 1, timeout = WAIT): Promise<void> {
  // Playwright's CSS locators pierce open shadow roots, as a user's eye would.
  const videos = page.locator('vc-call figure.remote video');
  await videos.nth(count - 1).waitFor({ state: 'attached', timeout });
  const deadline = Date.now() + timeout;
  for (let i = 0; i < count; i++) {
    const first = await framesShown(videos.nth(i));
    let now = first;
    while (now < first + 3) {
      if (Date.now() > deadline) throw new Error(`remote video ${i + 1} showed ${now - first} new frames in ${timeout} ms`);
      await page.waitForTimeout(250);
      now = await framesShown(videos.nth(i));
    }
  }
}

/**
 * The patient's way in from an e-mail: on the demo inbox (/mail/) they follow the join link of the mail to `address`,
 * type `name`, pass the device check and wait.
 */
export async function joinFromInbox(page: Page, address: string, name: string, timeout = WAIT): Promise<void> {
  const link = page.locator('article').filter({ hasText: address }).locator('a[href*="#code="]');
  await link.waitFor({ timeout });
  await link.click();
  await page.getByLabel('Your name').fill(name);
  await page.locator('vc-waiting-room [part="join-button"]').click();
  await passDeviceCheck(page, timeout);
  await waitForState(page, 'waiting', timeout);
}
