// The shared whiteboard through the real stack (E2EE on by default) with three pages, each a host page using
// dist/videoconsult.js: the board chunk, yjs, pdf.js and its worker all load lazily from dist/. Strokes are
// drawn with real pointer events on the canvas; boards must converge, also after a page reloads mid-session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createConsultation } from './flows.js';
import { drag, openBoard, patientInCall, practitionerInCall } from './pages/collab-flows.js';
import { useStack } from './stack.js';
import { tinyPdf } from './pdf.js';

const stack = useStack();

const PEN_BLUE = '#1d4ed8';

async function pickTool(page: Page, tool: string): Promise<void> {
  await page.locator(`vc-whiteboard [part="tool-button"][data-action="${tool}"]`).click();
}

/** Waits until every page's board holds `count` elements and all serialise to the same canonical JSON. */
async function converged(pages: Page[], count: number, timeout = 40000): Promise<string> {
  const deadline = Date.now() + timeout;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(pages.map((p) => p.evaluate(() => window.collab.boardJson())));
    const counts = await Promise.all(pages.map((p) => p.evaluate(() => window.collab.boardCount())));
    if (counts.every((c) => c === count) && last.every((json) => json === last[0])) return last[0]!;
    await new Promise((r) => setTimeout(r, 250));
  }
  const counts = await Promise.all(pages.map((p) => p.evaluate(() => window.collab.boardCount())));
  assert.fail(
    `boards did not converge to ${count} elements: counts ${JSON.stringify(counts)}, same JSON: ${last.every((j) => j === last[0])}`,
  );
}

test(
  'strokes drawn on one page appear on the others; all boards converge, also after a page reloads and rejoins',
  { timeout: 300_000 },
  async () => {
    const consultation = await createConsultation(stack, { patients: 2 });
    const practitioner = await practitionerInCall(stack, consultation);
    const ann = await patientInCall(stack, practitioner, consultation.codes[0]!, 'Ann');
    const ben = await patientInCall(stack, practitioner, consultation.codes[1]!, 'Ben');
    const pages = [practitioner, ann, ben];
    assert.equal(await ann.evaluate(() => window.vc.session!.snapshot.consultation?.e2ee), true, 'end-to-end encrypted (the default)');
    // Nothing of the board was loaded before it was opened.
    const boardScripts = (page: Page) =>
      page.evaluate(() => window.collab.loadedScripts().filter((u) => /\/chunks\/(whiteboard|pdf)/.test(u)));
    assert.deepEqual(await boardScripts(ann), []);
    for (const page of pages) await openBoard(page);
    assert.ok(
      (await boardScripts(ann)).some((u) => u.includes('/dist/chunks/whiteboard-')),
      'the board chunk came from dist/',
    );

    // The practitioner draws a pen stroke; it shows on both patients' canvases.
    for (const page of [ann, ben]) assert.equal(await page.evaluate((c) => window.collab.colouredPixels(c), PEN_BLUE), 0);
    await drag(practitioner, [
      [420, 80],
      [480, 120],
      [540, 100],
      [600, 160],
    ]);
    await converged(pages, 1);
    for (const page of [ann, ben]) {
      await page.waitForFunction((c) => window.collab.colouredPixels(c) > 30, PEN_BLUE, { timeout: 10000 });
    }
    // A rectangle from one patient and a stroke from the other, at the same time.
    await pickTool(ann, 'rect');
    await Promise.all([
      drag(ann, [
        [420, 200],
        [600, 300],
      ]),
      drag(ben, [
        [650, 60],
        [700, 200],
        [760, 120],
      ]),
    ]);
    const beforeReload = await converged(pages, 3);
    const kinds = (JSON.parse(beforeReload) as { elements: Array<{ kind: string }> }).elements.map((e) => e.kind).sort();
    assert.deepEqual(kinds, ['pen', 'pen', 'rect']);

    // The practitioner reloads mid-session; meanwhile Ann keeps drawing.
    await practitioner.reload();
    await drag(ann, [
      [430, 330],
      [520, 360],
    ]);
    await converged([ann, ben], 4);
    await practitionerInCall(stack, consultation, practitioner);
    await openBoard(practitioner);
    // The fresh page starts empty and catches up with everything, including what it missed.
    await converged(pages, 4);
    // And it keeps working both ways: its stroke reaches the others, theirs reach it.
    await drag(practitioner, [
      [440, 390],
      [560, 380],
    ]);
    await drag(ben, [
      [700, 300],
      [780, 380],
    ]);
    const final = await converged(pages, 6);
    assert.notEqual(final, beforeReload);
    assert.equal((JSON.parse(final) as { elements: unknown[] }).elements.length, 6);
    for (const page of pages) assert.deepEqual(await page.evaluate(() => window.collab.errors()), []);
  },
);

test(
  'a PDF shared on the board is rendered by pdf.js (worker from dist/) as the background on every page',
  { timeout: 240_000 },
  async () => {
    const consultation = await createConsultation(stack, { patients: 2 });
    const practitioner = await practitionerInCall(stack, consultation);
    const ann = await patientInCall(stack, practitioner, consultation.codes[0]!, 'Ann');
    const ben = await patientInCall(stack, practitioner, consultation.codes[1]!, 'Ben');
    const pages = [practitioner, ann, ben];
    const workerLoads: string[] = [];
    for (const page of pages) {
      page.on('response', (response) => {
        if (response.url().endsWith('/pdf.worker.min.mjs')) workerLoads.push(`${response.status()} ${new URL(response.url()).pathname}`);
      });
      await openBoard(page);
      assert.equal(await page.evaluate(() => window.collab.darkPixels(60, 60, 150, 150)), 0, 'no document yet');
    }
    // The practitioner shares a PDF through the board's own button (upload to the token server, then sync).
    await practitioner.locator('vc-whiteboard [data-action="document"]').waitFor({ timeout: 20000 });
    await practitioner
      .locator('vc-whiteboard input[type=file]')
      .setInputFiles({ name: 'leaflet.pdf', mimeType: 'application/pdf', buffer: tinyPdf() });
    for (const page of pages) {
      await page.waitForFunction(() => window.collab.documentsShown() >= 1, undefined, { timeout: 40000 });
      assert.equal(await page.evaluate(() => window.collab.backgroundName()), 'leaflet.pdf');
      // The page's black square, rasterised by pdf.js, is on the canvas (the board itself draws nothing black).
      const dark = await page.evaluate(() => window.collab.darkPixels(60, 60, 150, 150));
      assert.ok(dark > 150 * 150 * 0.9, `the rendered PDF page fills the square (${dark} dark pixels)`);
      assert.deepEqual(await page.evaluate(() => window.collab.errors()), []);
    }
    assert.ok(workerLoads.length >= 1, 'pdf.js loaded its worker');
    assert.ok(
      workerLoads.every((entry) => entry === '200 /dist/pdf.worker.min.mjs'),
      `worker from dist/: ${workerLoads.join(', ')}`,
    );
    await converged(pages, 0);
  },
);
