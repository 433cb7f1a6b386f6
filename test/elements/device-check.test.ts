import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/components/device-check/device-check.js';
import type { VcDeviceCheck } from '../../src/components/device-check/device-check.js';
import type { VcDeviceCheckCompleteEvent } from '../../src/events/events.js';
import { until } from './helpers/fake-server.js';

const $ = (el: VcDeviceCheck, selector: string) => el.shadowRoot!.querySelector(selector) as HTMLElement;
const text = (el: VcDeviceCheck) => el.shadowRoot!.textContent!.replace(/\s+/g, ' ');

/** Replaces getUserMedia so one kind fails with the given DOMException name. */
function failing(kind: 'audio' | 'video', name: string): () => void {
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints?: MediaStreamConstraints) =>
    constraints?.[kind] ? Promise.reject(new DOMException('test', name)) : original(constraints);
  return () => {
    navigator.mediaDevices.getUserMedia = original;
  };
}

async function checked(template = html`<vc-device-check></vc-device-check>`): Promise<VcDeviceCheck> {
  const el = await fixture<VcDeviceCheck>(template);
  await until(() => el.result !== undefined);
  await el.updateComplete;
  return el;
}

describe('<vc-device-check>', () => {
  it('passes with working devices and hands over live tracks on continue', async () => {
    const el = await checked();
    expect(el.result).to.deep.equal({ verdict: 'ok', camera: 'ok', microphone: 'ok', network: 'unknown' });
    expect($(el, '[part="verdict"]').textContent).to.contain('Everything works');
    expect(($(el, 'video') as HTMLVideoElement).srcObject).to.be.instanceOf(MediaStream);
    await expect(el).to.be.accessible();
    setTimeout(() => $(el, '[part="continue-button"]').click());
    const event = (await oneEvent(el, 'vc-device-check-complete')) as VcDeviceCheckCompleteEvent;
    expect(event.detail.result.verdict).to.equal('ok');
    expect(event.detail.tracks.map((t) => t.kind).sort()).to.deep.equal(['audio', 'video']);
    el.remove();
    expect(event.detail.tracks.every((t) => t.readyState === 'live')).to.be.true;
    event.detail.tracks.forEach((t) => t.stop());
  });

  it('explains a denied camera and lets the patient continue anyway', async () => {
    const restore = failing('video', 'NotAllowedError');
    try {
      const el = await checked();
      expect(el.result).to.include({ verdict: 'warning', camera: 'denied', microphone: 'ok' });
      expect(text(el)).to.contain('Permission denied');
      expect(text(el)).to.contain('Allow access in your browser');
      expect($(el, '[part="continue-button"]').textContent).to.contain('Continue anyway');
      await expect(el).to.be.accessible();
    } finally {
      restore();
    }
  });

  it('fails on a busy microphone with a fix, and recovers on "check again"', async () => {
    const restore = failing('audio', 'NotReadableError');
    const el = await checked();
    expect(el.result).to.include({ verdict: 'failed', microphone: 'busy' });
    expect(text(el)).to.contain('Close other apps');
    restore();
    $(el, '[part="retry-button"]').click();
    await until(() => el.result?.microphone === 'ok');
    expect(el.result!.verdict).to.equal('ok');
  });

  it('reports a missing camera', async () => {
    const restore = failing('video', 'NotFoundError');
    try {
      const el = await checked();
      expect(el.result!.camera).to.equal('missing');
      expect(text(el)).to.contain('Connect a camera');
    } finally {
      restore();
    }
  });

  it('checks the connection to the configured SFU', async () => {
    const reachable = await checked(html`<vc-device-check livekit-url=${location.origin.replace('http', 'ws')}></vc-device-check>`);
    expect(reachable.result!.network).to.equal('ok');
    const blocked = await checked(html`<vc-device-check livekit-url="ws://127.0.0.1:9"></vc-device-check>`);
    expect(blocked.result).to.include({ network: 'blocked', verdict: 'failed' });
    expect(text(blocked)).to.contain('Your network blocks video calls');
  });

  it('stops its tracks when removed before continuing', async () => {
    const el = await checked();
    const video = ($(el, 'video') as HTMLVideoElement).srcObject as MediaStream;
    const track = video.getVideoTracks()[0]!;
    el.remove();
    expect(track.readyState).to.equal('ended');
  });

  it('rejects an invalid livekit-url with vc-error', async () => {
    const errors: string[] = [];
    await fixture(
      html`<vc-device-check livekit-url="ftp://nope" @vc-error=${(e: CustomEvent<{ code: string }>) => errors.push(e.detail.code)}></vc-device-check>`,
    );
    expect(errors).to.deep.equal(['invalid_attribute']);
  });
});

describe('<vc-device-check> remembering devices', () => {
  afterEach(() => localStorage.removeItem('videoconsult.devices'));

  it('stores nothing without the host attribute, and only after the user opts in with it', async () => {
    localStorage.removeItem('videoconsult.devices');
    const plain = await checked();
    expect($(plain, '[part="remember-checkbox"]')).to.be.null;
    const el = await checked(html`<vc-device-check remember-devices></vc-device-check>`);
    const box = $(el, '[part="remember-checkbox"]') as HTMLInputElement;
    expect(box.checked).to.be.false;
    expect(localStorage.getItem('videoconsult.devices')).to.be.null;
    box.click();
    expect(JSON.parse(localStorage.getItem('videoconsult.devices')!)).to.deep.equal({ camera: '', microphone: '' });
    box.click();
    expect(localStorage.getItem('videoconsult.devices')).to.be.null;
    await expect(el).to.be.accessible();
  });
});
