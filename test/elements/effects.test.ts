// Issue 17 item 4: the blur and noise-suppression toggles in the device check and in the call. The device check
// runs the real blur (MediaPipe's files served from the package, see web-test-runner.config.mjs); the call talks
// to a fake session. "No WebAssembly" is the fallback path: the toggles say so, stay off, and nothing crashes.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/components/call/call.js';
import '../../src/components/device-check/device-check.js';
import type { VcCall } from '../../src/components/call/call.js';
import type { VcDeviceCheck } from '../../src/components/device-check/device-check.js';
import type { VcDeviceCheckCompleteEvent } from '../../src/events/events.js';
import { participantView } from './helpers/fake-call-room.js';
import { FakeSession } from './helpers/fake-session.js';
import { until } from './helpers/fake-server.js';

const $ = (el: HTMLElement, selector: string) => el.shadowRoot!.querySelector(selector) as HTMLElement;
const pressed = (el: HTMLElement, part: string) => $(el, `[part~="${part}"]`).getAttribute('aria-pressed');

const local = participantView();

/** Runs `body` in a browser without WebAssembly (as some locked-down or old browsers are). */
async function withoutWebAssembly(body: () => Promise<void>): Promise<void> {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')!;
  delete (globalThis as { WebAssembly?: unknown }).WebAssembly;
  try {
    await body();
  } finally {
    Object.defineProperty(globalThis, 'WebAssembly', descriptor);
  }
}

async function checked(): Promise<VcDeviceCheck> {
  const el = await fixture<VcDeviceCheck>(html`<vc-device-check></vc-device-check>`);
  await until(() => el.result !== undefined);
  await el.updateComplete;
  return el;
}

/** A pressed toggle is filled with the primary colour (the shared toggle style), an unpressed one is not. */
function expectPressedLook(el: HTMLElement, part: string, on: boolean) {
  const probe = document.createElement('span');
  probe.style.background = 'var(--_vc-primary)';
  el.shadowRoot!.append(probe);
  const primary = getComputedStyle(probe).backgroundColor;
  probe.remove();
  // The border, not the background: the background eases in (a 120 ms transition) and would be read mid-way.
  const border = getComputedStyle($(el, `[part~="${part}"]`)).borderTopColor;
  if (on) expect(border).to.equal(primary);
  else expect(border).to.not.equal(primary);
}

const previewTrack = (el: VcDeviceCheck) => (($(el, 'video') as HTMLVideoElement).srcObject as MediaStream | null)?.getVideoTracks()[0];

describe('effect toggles in the call', () => {
  it('switch blur and noise suppression through the session, pressed as the session reports them', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [local] });
    const el = await fixture<VcCall>(html`<vc-call .session=${session}></vc-call>`);
    expect(pressed(el, 'blur-button')).to.equal('false');
    expect(pressed(el, 'noise-button')).to.equal('false');
    await expect(el).to.be.accessible();
    $(el, '[part~="blur-button"]').click();
    await until(() => pressed(el, 'blur-button') === 'true');
    $(el, '[part~="noise-button"]').click();
    await until(() => pressed(el, 'noise-button') === 'true');
    expect(session.called('setBackgroundBlur')).to.deep.equal([[true]]);
    expect(session.called('setNoiseSuppression')).to.deep.equal([[true]]);
    await expect(el).to.be.accessible();
    $(el, '[part~="blur-button"]').click();
    await until(() => pressed(el, 'blur-button') === 'false');
    expect(session.called('setBackgroundBlur')).to.deep.equal([[true], [false]]);
  });

  it('shows the state carried from the device check', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [local], effects: { blur: true, noiseSuppression: false } });
    const el = await fixture<VcCall>(html`<vc-call .session=${session}></vc-call>`);
    expect(pressed(el, 'blur-button')).to.equal('true');
    expect(pressed(el, 'noise-button')).to.equal('false');
    expectPressedLook(el, 'blur-button', true);
    expectPressedLook(el, 'noise-button', false);
  });

  it('stays off and says so when the effect cannot start on this device', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [local] });
    session.effectsFail = true;
    const el = await fixture<VcCall>(html`<vc-call .session=${session}></vc-call>`);
    $(el, '[part~="blur-button"]').click();
    await until(() => session.called('setBackgroundBlur').length === 1);
    await until(() => el.shadowRoot!.textContent!.includes('This effect could not be started'));
    expect(pressed(el, 'blur-button')).to.equal('false');
  });

  it('without WebAssembly: both toggles say the browser cannot run them, stay off, and are never switched', async () => {
    await withoutWebAssembly(async () => {
      const session = new FakeSession({ state: 'in-call', participants: [local] });
      const el = await fixture<VcCall>(html`<vc-call .session=${session}></vc-call>`);
      for (const part of ['blur-button', 'noise-button']) {
        const button = $(el, `[part~="${part}"]`);
        expect(button.getAttribute('aria-disabled')).to.equal('true');
        expect(button.textContent).to.contain('This browser cannot run this effect.');
        button.click();
      }
      await el.updateComplete;
      expect(session.called('setBackgroundBlur')).to.deep.equal([]);
      expect(session.called('setNoiseSuppression')).to.deep.equal([]);
      expect(pressed(el, 'blur-button')).to.equal('false');
      await expect(el).to.be.accessible();
    });
  });
});

describe('effect toggles in the device check', () => {
  it('blur shows in the preview at once and goes on, running, into the call with the noise choice', async function () {
    this.timeout(60_000);
    const el = await checked();
    const raw = previewTrack(el)!;
    expect(pressed(el, 'blur-button')).to.equal('false');
    $(el, '[part~="blur-button"]').click();
    // MediaPipe's WASM and model load on this first switch-on (about 6 MB from the test server).
    await until(
      () => pressed(el, 'blur-button') === 'true' && $(el, '[part~="blur-button"]').getAttribute('aria-busy') === null,
      'the blur running',
    );
    await until(() => previewTrack(el) !== raw);
    const blurred = previewTrack(el)!;
    expect(blurred.readyState).to.equal('live');
    expect(blurred.id).to.not.equal(raw.id);
    $(el, '[part~="noise-button"]').click();
    await el.updateComplete;
    expect(pressed(el, 'noise-button')).to.equal('true');
    await expect(el).to.be.accessible();

    setTimeout(() => $(el, '[part="continue-button"]').click());
    const event = (await oneEvent(el, 'vc-device-check-complete')) as VcDeviceCheckCompleteEvent;
    expect(event.detail.effects?.blur).to.be.true;
    expect(event.detail.effects?.noiseSuppression).to.be.true;
    // The running blur is handed on: its output is the very track the preview showed, still live.
    expect(event.detail.effects?.blurProcessor?.processedTrack).to.equal(blurred);
    el.remove();
    expect(blurred.readyState).to.equal('live');
    await event.detail.effects?.blurProcessor?.destroy();
    event.detail.tracks.forEach((t) => t.stop());
    expect(blurred.readyState).to.equal('ended');
  });

  it('blur switched off again shows the camera itself and hands over no blur', async function () {
    this.timeout(60_000);
    const el = await checked();
    const raw = previewTrack(el)!;
    $(el, '[part~="blur-button"]').click();
    await until(() => previewTrack(el) !== raw, 'the blur running');
    $(el, '[part~="blur-button"]').click();
    await until(() => previewTrack(el) === raw);
    expect(pressed(el, 'blur-button')).to.equal('false');
    setTimeout(() => $(el, '[part="continue-button"]').click());
    const event = (await oneEvent(el, 'vc-device-check-complete')) as VcDeviceCheckCompleteEvent;
    expect(event.detail.effects).to.deep.equal({ blur: false, noiseSuppression: false });
    event.detail.tracks.forEach((t) => t.stop());
  });

  it('without WebAssembly: the toggles say so and stay off, and the check still completes', async () => {
    await withoutWebAssembly(async () => {
      const el = await checked();
      for (const part of ['blur-button', 'noise-button']) {
        expect($(el, `[part~="${part}"]`).getAttribute('aria-disabled')).to.equal('true');
        $(el, `[part~="${part}"]`).click();
      }
      await el.updateComplete;
      expect(pressed(el, 'blur-button')).to.equal('false');
      expect(pressed(el, 'noise-button')).to.equal('false');
      expect($(el, '[part="effect-error"]').textContent).to.contain('This browser cannot run this effect.');
      await expect(el).to.be.accessible();
      setTimeout(() => $(el, '[part="continue-button"]').click());
      const event = (await oneEvent(el, 'vc-device-check-complete')) as VcDeviceCheckCompleteEvent;
      expect(event.detail.effects).to.deep.equal({ blur: false, noiseSuppression: false });
      event.detail.tracks.forEach((t) => t.stop());
    });
  });

  it('a pressed toggle looks pressed', async () => {
    const el = await checked();
    expectPressedLook(el, 'noise-button', false);
    $(el, '[part~="noise-button"]').click();
    await el.updateComplete;
    expect(pressed(el, 'noise-button')).to.equal('true');
    expectPressedLook(el, 'noise-button', true);
    el.remove();
  });

  it('reads its microphone level through the shared controller (one meter)', async () => {
    const el = await checked();
    // Chromium's fake microphone beeps: the controller's level reaches the meter.
    await until(() => ($(el, '[part="meter"]') as HTMLMeterElement).value > 0, 'a level');
    el.remove();
  });
});
