// The embed as vendors use it: the script pasted twice, a host page with aggressive global CSS, and the
// elements inside a cross-origin iframe that grants (or does not grant) camera and microphone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useStack } from './stack.js';

const stack = useStack();

test('loaded twice, under hostile host CSS and in cross-origin iframes, the device check works (and only with allow=camera)', async () => {
  const page = await stack.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // The host is on another origin (localhost) than the pages it frames (127.0.0.1).
  const hostOrigin = stack.pagesUrl.replace('127.0.0.1', 'localhost');
  await page.goto(
    `${hostOrigin}/e2e/embed-host.html?frameOrigin=${encodeURIComponent(stack.pagesUrl)}&livekit=${encodeURIComponent(stack.config.livekit.url)}`,
  );
  const verdict = 'Everything works. You are ready.';

  // In the host page itself: both copies of the script ran without an error, and the element works.
  await page.waitForFunction(() => document.querySelectorAll('script[type=module]').length === 3 && customElements.get('vc-device-check'));
  await page.locator('#check').getByText(verdict).waitFor({ timeout: 30000 });
  // The host's `button { display: none !important }` does not reach into the element…
  assert.ok(await page.locator('#check').getByRole('button', { name: 'Continue' }).isVisible(), 'our button is visible');
  // …and neither do its inherited font and colour.
  const style = await page
    .locator('#check')
    .locator('[part~="base"]')
    .first()
    .evaluate((el) => {
      const s = getComputedStyle(el);
      return { font: s.fontFamily, color: s.color, spacing: s.letterSpacing };
    });
  assert.ok(!style.font.includes('Comic'), `font leaked in: ${style.font}`);
  assert.notEqual(style.color, 'rgb(255, 0, 255)', 'colour leaked in');

  // A cross-origin iframe with allow="camera; microphone": the same verdict inside it.
  const allowed = page.frameLocator('#allowed');
  await allowed.getByText(verdict).waitFor({ timeout: 30000 });
  // Without the allow attribute the browser refuses the devices, and the element says so.
  const denied = page.frameLocator('#denied');
  await denied.getByText('Permission denied').first().waitFor({ timeout: 30000 });
  assert.equal(await denied.getByText(verdict).count(), 0);
  assert.deepEqual(errors, []);
});
