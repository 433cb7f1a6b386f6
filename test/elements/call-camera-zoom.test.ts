// Issue 17 item 3 in <vc-call> and <vc-device-check>: switching to the next camera with one tap where there is
// more than one, and zooming a remote video with the wheel, a pinch and the keyboard.
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/call/call.js';
import '../../src/components/device-check/device-check.js';
import type { VcCall } from '../../src/components/call/call.js';
import type { VcDeviceCheck } from '../../src/components/device-check/device-check.js';
import { canvasTrack, FakeSession } from './helpers/fake-session.js';
import { until } from './helpers/fake-server.js';
import { participantView } from './helpers/fake-call-room.js';

/** Two cameras as enumerateDevices reports them; getUserMedia still opens Chromium's fake one but says which was asked for. */
function twoCameras(): { requested: string[]; restore: () => void } {
  const media = navigator.mediaDevices;
  const enumerate = media.enumerateDevices.bind(media);
  const getUserMedia = media.getUserMedia.bind(media);
  const requested: string[] = [];
  const camera = (deviceId: string, label: string) =>
    ({ deviceId, label, kind: 'videoinput', groupId: deviceId, toJSON: () => ({}) }) as MediaDeviceInfo;
  media.enumerateDevices = async () => [
    ...(await enumerate()).filter((d) => d.kind !== 'videoinput'),
    camera('front', 'Front camera'),
    camera('back', 'Back camera'),
  ];
  media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const video = constraints?.video;
    const wanted = typeof video === 'object' ? ((video.deviceId as { exact?: string } | undefined)?.exact ?? 'front') : 'front';
    const stream = await getUserMedia(video ? { video: true } : constraints);
    if (video) {
      requested.push(wanted);
      const track = stream.getVideoTracks()[0]!;
      const settings = track.getSettings();
      track.getSettings = () => ({ ...settings, deviceId: wanted });
    }
    return stream;
  };
  return {
    requested,
    restore: () => {
      media.enumerateDevices = enumerate;
      media.getUserMedia = getUserMedia;
    },
  };
}

function withDevice(track: MediaStreamTrack, deviceId: string): MediaStreamTrack {
  const settings = track.getSettings();
  track.getSettings = () => ({ ...settings, deviceId });
  return track;
}

const local = (deviceId: string) => participantView({ name: 'Pat', camera: withDevice(canvasTrack('#f00'), deviceId) });
const doctor = participantView({ identity: 'doc', name: 'Dr. Weber', isLocal: false, camera: canvasTrack('#0f0') });

const $ = (root: Element, selector: string) => root.shadowRoot!.querySelector(selector) as HTMLElement | null;

describe('camera switch', () => {
  it('<vc-call>: a switch button with two cameras goes to the other one and back', async () => {
    const cameras = twoCameras();
    try {
      const session = new FakeSession({ state: 'in-call', cameraEnabled: true, participants: [local('front'), doctor] });
      const el = await fixture<VcCall>(html`<vc-call .session=${session}></vc-call>`);
      await until(() => !!$(el, '[part~="switch-camera-button"]'));
      await expect(el).to.be.accessible();
      $(el, '[part~="switch-camera-button"]')!.click();
      await until(() => session.called('switchDevice').length === 1);
      expect(session.called('switchDevice')[0]).to.deep.equal(['videoinput', 'back']);
      session.set({ participants: [local('back'), doctor] });
      await el.updateComplete;
      $(el, '[part~="switch-camera-button"]')!.click();
      await until(() => session.called('switchDevice').length === 2);
      expect(session.called('switchDevice')[1]).to.deep.equal(['videoinput', 'front']);
    } finally {
      cameras.restore();
    }
  });

  it('<vc-call>: no switch button with one camera', async () => {
    const session = new FakeSession({ state: 'in-call', cameraEnabled: true, participants: [local('x'), doctor] });
    const el = await fixture<VcCall>(html`<vc-call .session=${session}></vc-call>`);
    await new Promise((r) => setTimeout(r, 200));
    expect((await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput')).to.have.length(1);
    expect($(el, '[part~="switch-camera-button"]')).to.equal(null);
  });

  it('<vc-device-check>: the switch button opens the next camera for the preview', async () => {
    const cameras = twoCameras();
    try {
      const el = await fixture<VcDeviceCheck>(html`<vc-device-check></vc-device-check>`);
      await until(() => el.result !== undefined && !!$(el, '[part="switch-camera-button"]'));
      expect(cameras.requested).to.deep.equal(['front']);
      await expect(el).to.be.accessible();
      $(el, '[part="switch-camera-button"]')!.click();
      await until(() => cameras.requested.length === 2 && el.result !== undefined);
      expect(cameras.requested[1]).to.equal('back');
      await el.updateComplete;
      const preview = ($(el, 'video') as HTMLVideoElement).srcObject as MediaStream;
      expect(preview.getVideoTracks()[0]!.getSettings().deviceId).to.equal('back');
      el.remove();
    } finally {
      cameras.restore();
    }
  });
});

describe('zoom on the remote video', () => {
  async function call(): Promise<{ el: VcCall; tile: HTMLElement; video: () => HTMLVideoElement }> {
    const session = new FakeSession({ state: 'in-call', participants: [local('x'), doctor] });
    const el = await fixture<VcCall>(html`<vc-call .session=${session} style="height: 400px"></vc-call>`);
    const tile = $(el, 'figure.remote')!;
    return { el, tile, video: () => tile.querySelector('video')! };
  }
  const key = (tile: HTMLElement, k: string) => {
    const event = new KeyboardEvent('keydown', { key: k, bubbles: true, composed: true, cancelable: true });
    tile.dispatchEvent(event);
    return event;
  };

  it('zooms with + and −, moves with the arrow keys while zoomed, resets with 0', async () => {
    const { el, tile, video } = await call();
    expect(tile.tabIndex).to.equal(0);
    expect(el.shadowRoot!.getElementById(tile.getAttribute('aria-describedby')!)!.textContent).to.contain('Zoom');
    await expect(el).to.be.accessible();
    expect(key(tile, 'ArrowLeft').defaultPrevented, 'arrows keep their meaning when not zoomed').to.equal(false);
    expect(key(tile, '+').defaultPrevented).to.equal(true);
    key(tile, '+');
    await el.updateComplete;
    expect(tile.dataset.zoom).to.equal('1.56');
    expect(video().style.transform).to.equal('scale(1.5625) translate(0%, 0%)');
    key(tile, 'ArrowRight');
    await el.updateComplete;
    expect(video().style.transform).to.equal('scale(1.5625) translate(-6.4%, 0%)');
    for (let i = 0; i < 20; i++) key(tile, 'ArrowRight');
    await el.updateComplete;
    // Never past the edge of the video: at 1.5625× the centre moves at most 18% of the tile.
    expect(video().style.transform).to.equal('scale(1.5625) translate(-18%, 0%)');
    for (let i = 0; i < 20; i++) key(tile, '+');
    await el.updateComplete;
    expect(tile.dataset.zoom).to.equal('4.00');
    key(tile, '0');
    await el.updateComplete;
    expect(tile.dataset.zoom).to.equal('1.00');
    expect(video().style.transform).to.equal('');
    await expect(el).to.be.accessible();
  });

  it('zooms with the mouse wheel and a two-finger pinch', async () => {
    const { el, tile } = await call();
    const wheel = new WheelEvent('wheel', { deltaY: -300, bubbles: true, cancelable: true, composed: true });
    tile.dispatchEvent(wheel);
    await el.updateComplete;
    expect(wheel.defaultPrevented, 'the page does not scroll meanwhile').to.equal(true);
    expect(Number(tile.dataset.zoom)).to.be.closeTo(Math.E, 0.01);
    tile.dispatchEvent(new KeyboardEvent('keydown', { key: '0', bubbles: true }));
    const pointer = (type: string, pointerId: number, clientX: number) =>
      tile.dispatchEvent(new PointerEvent(type, { pointerId, clientX, clientY: 100, bubbles: true, pointerType: 'touch' }));
    pointer('pointerdown', 1, 100);
    pointer('pointerdown', 2, 200);
    pointer('pointermove', 2, 300);
    pointer('pointerup', 1, 100);
    pointer('pointerup', 2, 300);
    await el.updateComplete;
    expect(tile.dataset.zoom, 'fingers twice as far apart: twice the size').to.equal('2.00');
  });
});
