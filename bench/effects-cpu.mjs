// NOT YET RUN and not yet registered in bench/run.mjs (the browser lock was held until the deadline): register it as
// 'effects-cpu' there once it has run once under `flock /tmp/vc-browser.lock npm run bench -- --only=effects-cpu`.
// CPU cost of the call's effects on this machine (issue 17 item 4): a practitioner and a patient in a call through
// the real stack (two pages of one headless Chromium, fake camera and microphone, E2EE on), the practitioner's
// background blur and noise suppression switched from the call's toolbar. Chromium's CPU time over all its
// processes (CDP SystemInfo.getProcessInfo) is read over fixed windows without an effect and with each one, in
// alternating rounds; the figures are percent of one core, and the effect's cost is the difference to the
// window without. Bounded: 2 rounds of 3 windows (1 round of shorter windows with --quick).
import { startStack } from '../test/e2e/stack.ts';
import { createConsultation } from '../test/e2e/flows.ts';
import { callThroughUi, consultation, openConsultation } from '../test/e2e/consultation-ui.ts';
import { summarize } from './lib.mjs';

export async function effectsCpu({ quick = false } = {}) {
  const windowMs = quick ? 4000 : 10_000;
  const rounds = quick ? 1 : 2;
  const settleMs = 3000;
  const stack = await startStack();
  try {
    const { codes, practitionerToken } = await createConsultation(stack, { patients: 1 });
    const practitioner = await openConsultation(stack, { role: 'practitioner', token: practitionerToken });
    await callThroughUi(stack, practitioner, codes[0]);
    const cdp = await practitioner.context().browser().newBrowserCDPSession();
    const cpuSeconds = async () => (await cdp.send('SystemInfo.getProcessInfo')).processInfo.reduce((sum, p) => sum + p.cpuTime, 0);
    /** Percent of one core used by the whole browser over `windowMs`. */
    const cpuOver = async () => {
      const [cpu, wall] = [await cpuSeconds(), performance.now()];
      await new Promise((r) => setTimeout(r, windowMs));
      return (100 * ((await cpuSeconds()) - cpu)) / ((performance.now() - wall) / 1000);
    };
    const toolbar = consultation(practitioner).locator('vc-call');
    const setEffect = async (part, on) => {
      const button = toolbar.locator(`[part~="${part}"]`);
      if ((await button.getAttribute('aria-pressed')) !== String(on)) await button.click();
      // The first switch-on loads the model or the WASM: wait until the effect really runs, then let it settle.
      await toolbar.locator(`[part~="${part}"][aria-pressed="${on}"]:not([aria-busy])`).waitFor({ timeout: 60_000 });
      await new Promise((r) => setTimeout(r, settleMs));
    };

    const samples = { none: [], blur: [], noise: [] };
    for (let round = 0; round < rounds; round++) {
      samples.none.push(await cpuOver());
      await setEffect('blur-button', true);
      samples.blur.push(await cpuOver());
      await setEffect('blur-button', false);
      await setEffect('noise-button', true);
      samples.noise.push(await cpuOver());
      await setEffect('noise-button', false);
    }
    await cdp.detach();
    const extra = (effect) => samples[effect].map((value, i) => value - samples.none[i]);
    const row = (metric, value) => ({ benchmark: 'effects-cpu', metric, unit: '% of a core', value: summarize(value) });
    return {
      rows: [
        row('browser CPU in a call (2 pages), no effect', samples.none),
        row('background blur: extra CPU', extra('blur')),
        row('noise suppression: extra CPU', extra('noise')),
      ],
      raw: { windowMs, rounds, samples, extra: { blur: extra('blur'), noise: extra('noise') } },
    };
  } finally {
    await stack.stop();
  }
}
