// CPU cost and frame rate of the call's effects on this machine (issue 17 item 4): a practitioner and a patient in a
// call through the real stack (two pages of one headless Chromium, fake camera and microphone, E2EE on), the
// practitioner's background blur and noise suppression switched from the call's toolbar. Over fixed windows without
// an effect and with each one, in alternating rounds:
// - Chromium's CPU time over all its processes (CDP SystemInfo.getProcessInfo), in percent of one core; an effect's
//   cost is the difference to the window without;
// - the practitioner's camera frame rate as sent (outbound-rtp framesSent of the top simulcast layer: with blur on,
//   the frames the processor delivered) and as the patient decodes it (inbound-rtp framesDecoded).
// Bounded: 2 rounds of 3 windows (1 round of shorter windows with --quick).
import { startStack } from '../test/e2e/stack.ts';
import { createConsultation } from '../test/e2e/flows.ts';
import { callThroughUi, consultation, openConsultation } from '../test/e2e/consultation-ui.ts';
import { summarize } from './lib.mjs';

/** Keeps every RTCPeerConnection the page makes in `window.benchPcs`, for getStats. */
function recordPeerConnections() {
  const pcs = new Set();
  window.benchPcs = pcs;
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      pcs.add(this);
    }
  };
}

/** Video frames sent (top layer) and decoded so far by the page, over all its peer connections. */
function videoFrames(page) {
  return page.evaluate(async () => {
    let sent = 0;
    let decoded = 0;
    for (const pc of window.benchPcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((stat) => {
        if (stat.kind !== 'video') return;
        if (stat.type === 'outbound-rtp') sent = Math.max(sent, stat.framesSent ?? 0);
        if (stat.type === 'inbound-rtp') decoded += stat.framesDecoded ?? 0;
      });
    }
    return { sent, decoded };
  });
}

export async function effectsCpu({ quick = false } = {}) {
  const windowMs = quick ? 4000 : 10_000;
  const rounds = quick ? 1 : 2;
  const settleMs = 3000;
  const stack = await startStack({}, { onContext: (context) => context.addInitScript(recordPeerConnections) });
  try {
    const { codes, practitionerToken } = await createConsultation(stack, { patients: 1 });
    const practitioner = await openConsultation(stack, { role: 'practitioner', token: practitionerToken });
    const patient = await callThroughUi(stack, practitioner, codes[0]);
    const cdp = await practitioner.context().browser().newBrowserCDPSession();
    const cpuSeconds = async () => (await cdp.send('SystemInfo.getProcessInfo')).processInfo.reduce((sum, p) => sum + p.cpuTime, 0);
    /** Percent of one core used by the whole browser, and the practitioner's video frame rates, over `windowMs`. */
    const measure = async () => {
      const [cpu, wall, sent, received] = [
        await cpuSeconds(),
        performance.now(),
        await videoFrames(practitioner),
        await videoFrames(patient),
      ];
      await new Promise((r) => setTimeout(r, windowMs));
      const [cpuAfter, sentAfter, receivedAfter] = [await cpuSeconds(), await videoFrames(practitioner), await videoFrames(patient)];
      const seconds = (performance.now() - wall) / 1000;
      return {
        cpu: (100 * (cpuAfter - cpu)) / seconds,
        sentFps: (sentAfter.sent - sent.sent) / seconds,
        receivedFps: (receivedAfter.decoded - received.decoded) / seconds,
      };
    };
    const toolbar = consultation(practitioner).locator('vc-call');
    const setEffect = async (part, on) => {
      const button = toolbar.locator(`[part~="${part}"]`);
      if ((await button.getAttribute('aria-pressed')) !== String(on)) await button.click();
      // The first switch-on loads the model or the WASM: wait until the effect really runs, then let it settle.
      await toolbar.locator(`[part~="${part}"][aria-pressed="${on}"]:not([aria-busy])`).waitFor({ timeout: 60_000 });
      await new Promise((r) => setTimeout(r, settleMs));
    };

    await new Promise((r) => setTimeout(r, settleMs));
    const samples = { none: [], blur: [], noise: [] };
    for (let round = 0; round < rounds; round++) {
      samples.none.push(await measure());
      await setEffect('blur-button', true);
      samples.blur.push(await measure());
      await setEffect('blur-button', false);
      await setEffect('noise-button', true);
      samples.noise.push(await measure());
      await setEffect('noise-button', false);
    }
    await cdp.detach();
    const values = (effect, key) => samples[effect].map((s) => s[key]);
    const extra = (effect) => samples[effect].map((s, i) => s.cpu - samples.none[i].cpu);
    const row = (metric, unit, value) => ({ benchmark: 'effects-cpu', metric, unit, value: summarize(value) });
    return {
      rows: [
        row('browser CPU in a call (2 pages), no effect', '% of a core', values('none', 'cpu')),
        row('browser CPU with background blur', '% of a core', values('blur', 'cpu')),
        row('background blur: extra CPU', '% of a core', extra('blur')),
        row('browser CPU with noise suppression', '% of a core', values('noise', 'cpu')),
        row('noise suppression: extra CPU', '% of a core', extra('noise')),
        row('camera sent, no effect', 'fps', values('none', 'sentFps')),
        row('camera sent, blur on (processor output)', 'fps', values('blur', 'sentFps')),
        row('camera decoded by the patient, no effect', 'fps', values('none', 'receivedFps')),
        row('camera decoded by the patient, blur on', 'fps', values('blur', 'receivedFps')),
      ],
      raw: { windowMs, rounds, samples, extra: { blur: extra('blur'), noise: extra('noise') } },
    };
  } finally {
    await stack.stop();
  }
}
