// Node-side steps for the chat and whiteboard end-to-end tests: the same flow as flows.ts, on the collab page
// (dist/videoconsult.js with standalone <vc-chat> and <vc-whiteboard> bound to the page's session).
import type { Page } from 'playwright-core';
import { admitFromPractitioner, joinAsPatient, waitForState, type Consultation } from '../flows.js';
import type { Stack } from '../stack.js';

export async function openCollabPage(stack: Stack, config: Record<string, unknown>, page?: Page): Promise<Page> {
  page ??= await stack.newPage();
  await page.goto(`${stack.pagesUrl}/e2e/collab.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30000 });
  await page.evaluate((c) => window.vc.create(c), { serverUrl: stack.apiUrl, ...config });
  return page;
}

export async function practitionerInCall(stack: Stack, consultation: Consultation, page?: Page): Promise<Page> {
  page = await openCollabPage(stack, { role: 'practitioner', practitionerToken: consultation.practitionerToken }, page);
  await page.evaluate(() => void window.vc.session!.startPractitioner());
  await waitForState(page, 'in-call', 40000);
  await chatReady(page);
  return page;
}

export async function patientInCall(stack: Stack, practitioner: Page, code: string, name: string): Promise<Page> {
  const page = await openCollabPage(stack, { role: 'patient' });
  await joinAsPatient(page, code, name);
  await waitForState(page, 'waiting', 30000);
  await admitFromPractitioner(practitioner, name);
  await waitForState(page, 'in-call', 40000);
  await chatReady(page);
  return page;
}

export async function chatReady(page: Page): Promise<void> {
  await page.waitForFunction(() => window.collab.chatReady(), undefined, { timeout: 20000 });
}

/** Types into the chat's field and presses Enter, as a user does. */
export async function sendChat(page: Page, text: string): Promise<void> {
  const input = page.locator('vc-chat textarea');
  await input.fill(text);
  await input.press('Enter');
}

export async function shownTexts(page: Page): Promise<string[]> {
  return (await page.evaluate(() => window.collab.shownMessages())).map((m) => m.text);
}

/** Waits until the page shows at least `count` messages; a useful error names what it did show. */
export async function waitForMessages(page: Page, count: number, timeout = 30000): Promise<void> {
  await page
    .waitForFunction((n) => window.collab.shownMessages().length >= n, count, { timeout, polling: 200 })
    .catch(async (err: Error) => {
      throw new Error(
        `${err.message}: expected ${count} messages, shown ${JSON.stringify(await shownTexts(page).catch(() => 'page gone'))}`,
      );
    });
}

/** The user opens the whiteboard; resolves once the board is synced and its canvas shown. */
export async function openBoard(page: Page): Promise<void> {
  await page.evaluate(() => window.collab.openBoard());
  await page.waitForFunction(() => window.collab.boardSynced(), undefined, { timeout: 30000 });
  await page.locator('vc-whiteboard canvas').waitFor({ timeout: 10000 });
}

/** Drags across the canvas with the mouse (pointer events), in CSS pixels relative to the canvas. */
export async function drag(page: Page, points: Array<[number, number]>): Promise<void> {
  const box = await page.locator('vc-whiteboard canvas').boundingBox();
  if (!box) throw new Error('the canvas is not laid out');
  const [[x0, y0], ...rest] = points;
  await page.mouse.move(box.x + x0!, box.y + y0!);
  await page.mouse.down();
  for (const [x, y] of rest) await page.mouse.move(box.x + x, box.y + y, { steps: 6 });
  await page.mouse.up();
}
