// Layout regressions seen in the screenshots (docs/screenshots, scripts/screenshots.mjs).
import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import '../../src/index.js';
import '../../src/components/call/call.js'; // loaded on demand by the SDK (while waiting); here up front
import type { VcConsultation } from '../../src/components/consultation/consultation.js';
import type { VcCall } from '../../src/components/call/call.js';
import type { VcWaitingRoom } from '../../src/components/waiting-room/waiting-room.js';
import { FakeCallRoom, participantView } from './helpers/fake-call-room.js';
import { canvasTrack, FakeSession } from './helpers/fake-session.js';
import { FakeServer, until } from './helpers/fake-server.js';

const me = () => participantView({ name: 'Dr Who', camera: canvasTrack('#f00') });
const remote = () =>
  participantView({ identity: 'a', name: 'Patient A', isLocal: false, connectionQuality: 'excellent', camera: canvasTrack('#0f0') });
const ADMISSION = { livekitUrl: 'ws://sfu.test', token: 'lk', identity: 'practitioner-1' };

/** A practitioner in a call; with `server`, also following the queue (notes, waiting patients) from it. */
async function inCall(style: string, content = '', server?: FakeServer): Promise<VcConsultation> {
  const parent = await fixture<HTMLDivElement>(html`<div></div>`);
  const el = document.createElement('vc-consultation') as VcConsultation;
  // Wired before it connects: with a server URL and a token it follows the queue from the start.
  el.session.configure({
    grant: ADMISSION,
    createCallRoom: (callbacks) => new FakeCallRoom(callbacks),
    ...(server ? { fetch: server.fetch, lobbyBackoff: [1] } : {}),
  });
  el.setAttribute('role', 'practitioner');
  el.setAttribute('style', style);
  if (server) {
    el.setAttribute('server-url', 'https://api.test');
    el.setAttribute('practitioner-token', 'pt');
  }
  el.innerHTML = content;
  parent.append(el);
  await el.updateComplete;
  await el.session.startPractitioner();
  await until(() => el.session.state === 'in-call', 'in call');
  await el.updateComplete;
  return el;
}

describe('<vc-consultation> layout', () => {
  afterEach(async () => {
    await setViewport({ width: 800, height: 600 });
    for (const el of document.querySelectorAll('vc-consultation')) await (el as VcConsultation).session.leave();
  });

  it('keeps the tools row (chat, whiteboard) inside its own box when the host sets a min-height', async () => {
    const el = await inCall('display: block; min-height: 560px');
    const tools = () => el.shadowRoot!.querySelector('[part="tools"]');
    await until(() => (tools()?.getBoundingClientRect().height ?? 0) > 0, 'the tools row');
    const box = el.getBoundingClientRect();
    const row = tools()!.getBoundingClientRect();
    expect(row.bottom).to.be.at.most(box.bottom + 0.5);
    expect(Math.round(box.height)).to.equal(560);
  });

  it('on a portrait phone the remote camera is contained, not cropped; the self-view still fills its tile', async () => {
    await setViewport({ width: 390, height: 844 });
    const session = new FakeSession({ state: 'in-call', participants: [me(), remote()] });
    const call = await fixture<VcCall>(html`<vc-call .session=${session} style="height: 700px"></vc-call>`);
    const video = call.shadowRoot!.querySelector('figure.remote video.camera') as HTMLVideoElement;
    expect(getComputedStyle(video).objectFit).to.equal('contain');
    const self = call.shadowRoot!.querySelector('figure.self video') as HTMLVideoElement;
    expect(getComputedStyle(self).objectFit).to.equal('cover');
    // On a desktop-sized viewport the remote camera fills the stage as before.
    await setViewport({ width: 1024, height: 720 });
    expect(getComputedStyle(video).objectFit).to.equal('cover');
  });

  it('keeps the call toolbar inside the element when the sidebar beside it is taller', async () => {
    await setViewport({ width: 1280, height: 800 });
    const el = await inCall('display: block; min-height: 560px', '<div slot="chat" style="height: 2000px">a long chat</div>');
    const call = el.shadowRoot!.querySelector('vc-call')!;
    await until(() => (call.shadowRoot?.querySelector('[part="toolbar"]')?.getBoundingClientRect().height ?? 0) > 0, 'the toolbar');
    const toolbar = call.shadowRoot!.querySelector('[part="toolbar"]')!.getBoundingClientRect();
    expect(Math.round(el.getBoundingClientRect().height)).to.equal(560);
    expect(toolbar.bottom).to.be.at.most(el.getBoundingClientRect().bottom + 0.5);
    // The sidebar scrolls instead.
    const aside = el.shadowRoot!.querySelector('aside')!;
    expect(aside.scrollHeight).to.be.greaterThan(aside.clientHeight);
  });

  it("keeps the practitioner's chat input in view beside the call, with the note for waiting patients set (1280×800)", async () => {
    await setViewport({ width: 1280, height: 800 });
    const server = new FakeServer();
    // The docs' consultation page (test/e2e/pages/consultation.html): the element fills the window.
    const el = await inCall('display: block; min-height: calc(100vh - 24px)', '', server);
    server.event('queue', { patients: [], notice: { text: 'Dr. Weber is running about 10 minutes late.', at: '2026-01-01T10:00:00Z' } });
    const queue = el.shadowRoot!.querySelector('vc-waiting-room')!;
    await until(() => !!queue.shadowRoot!.querySelector('[part="notice"]'), "the practitioner's note");
    const chat = el.shadowRoot!.querySelector('vc-chat')!;
    await until(() => !!chat.shadowRoot?.querySelector('[part="input"]:not([disabled])'), 'the chat input');
    // A few messages: the log must scroll rather than push the input down.
    const textarea = chat.shadowRoot!.querySelector('[part="input"]') as HTMLTextAreaElement;
    for (const text of ['Good morning!', 'Hello, I am the interpreter for Mrs. Example today.', 'Please show the box.']) {
      textarea.value = text;
      textarea.dispatchEvent(new Event('input'));
      await chat.updateComplete;
      (chat.shadowRoot!.querySelector('[part="send-button"]') as HTMLButtonElement).click();
      await until(() => [...chat.shadowRoot!.querySelectorAll('[part="message"]')].some((m) => m.textContent!.includes(text)), text);
    }
    const aside = el.shadowRoot!.querySelector('aside')!;
    const box = aside.getBoundingClientRect();
    expect(aside.scrollTop).to.equal(0);
    // Unscrolled, the whole chat (its input and send button last) lies inside the sidebar's box and the window.
    for (const part of [chat, chat.shadowRoot!.querySelector('[part="input"]')!, chat.shadowRoot!.querySelector('[part="send-button"]')!]) {
      const rect = part.getBoundingClientRect();
      expect(rect.height).to.be.greaterThan(0);
      expect(rect.top).to.be.at.least(box.top - 0.5);
      expect(rect.bottom).to.be.at.most(Math.min(box.bottom, window.innerHeight) + 0.5);
    }
    // The note and the queue stay visible above it.
    expect(queue.shadowRoot!.querySelector('[part="notice"]')!.getBoundingClientRect().bottom).to.be.at.most(
      chat.getBoundingClientRect().top,
    );

    // A long queue scrolls in its own box: the chat keeps its input, send button and counter line in view.
    const patients = ['Ann', 'Ben', 'Cem', 'Dora', 'Eli'].map((name, i) => ({
      ticketId: `t${i}`,
      name,
      waitingSince: '2026-01-01T10:00:00Z',
    }));
    server.event('queue', { patients, notice: { text: 'Dr. Weber is running about 10 minutes late.', at: '2026-01-01T10:00:00Z' } });
    await until(() => queue.shadowRoot!.querySelectorAll('[part="patient"]').length === 5, 'five waiting');
    await el.updateComplete;
    expect(aside.scrollTop).to.equal(0);
    expect(queue.scrollHeight).to.be.greaterThan(queue.clientHeight);
    for (const part of ['input', 'send-button', 'counter']) {
      const rect = chat.shadowRoot!.querySelector(`[part="${part}"]`)!.getBoundingClientRect();
      expect(rect.bottom, part).to.be.at.most(Math.min(box.bottom, window.innerHeight) + 0.5);
    }
  });

  it('in a grid of narrow tiles shows whole cameras and wraps the role mark below the name instead of cutting it', async () => {
    await setViewport({ width: 390, height: 844 });
    const doctor = { ...remote(), identity: 'd', name: 'Dr. Weber', role: 'practitioner' };
    const interpreter = { ...remote(), identity: 'i', name: 'Olga Petrova', role: 'interpreter' };
    const session = new FakeSession({ state: 'in-call', participants: [me(), doctor, interpreter] });
    const call = await fixture<VcCall>(html`<vc-call .session=${session} style="height: 700px"></vc-call>`);
    const tile = call.shadowRoot!.querySelector('[data-identity="i"]')!;
    expect(tile.querySelector('[part="role"]')?.textContent).to.equal('Interpreter');
    const name = tile.querySelector('.name') as HTMLElement;
    expect(name.scrollWidth).to.be.at.most(name.clientWidth);
    expect(getComputedStyle(tile.querySelector('video')!).objectFit).to.equal('contain');
    await expect(call).to.be.accessible();
  });

  it("1:1: neither the waiting line nor the other person's name and role mark lie under the self-view", async () => {
    const overlap = (a: DOMRect, b: DOMRect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    // A short stage (a host's small call box) for the waiting line; then a phone, where the self-view (28 % wide) met a long caption.
    const session = new FakeSession({ state: 'in-call', participants: [me()] });
    const call = await fixture<VcCall>(html`<vc-call .session=${session} style="width: 470px; height: 300px"></vc-call>`);
    const selfView = () => call.shadowRoot!.querySelector('figure.self')!.getBoundingClientRect();
    const waiting = call.shadowRoot!.querySelector('.waiting')!;
    const line = document.createRange();
    line.selectNodeContents(waiting);
    expect(overlap(line.getBoundingClientRect(), selfView())).to.equal(false);
    await setViewport({ width: 390, height: 844 });
    call.style.width = '370px';
    call.style.height = '700px';
    session.set({ participants: [me(), { ...remote(), name: 'Pharmacist Jana Weber', role: 'practitioner' }] });
    await call.updateComplete;
    const caption = call.shadowRoot!.querySelector('figure.remote figcaption')!.getBoundingClientRect();
    expect(overlap(caption, selfView())).to.equal(false);
  });

  it("dark theme: the practitioner's note has the theme's raised surface and native controls are dark", async () => {
    const session = new FakeSession({
      state: 'waiting',
      queue: { position: 1 },
      notice: { text: 'Running 10 minutes late', at: '2026-01-01T10:00:00Z' },
    });
    const room = await fixture<VcWaitingRoom>(html`<vc-waiting-room theme="dark" .session=${session}></vc-waiting-room>`);
    const notice = room.shadowRoot!.querySelector('[part="notice"]')!;
    // --_vc-surface-raised of the dark theme (#1f2937); the public token it used is unset, so it was transparent.
    expect(getComputedStyle(notice).backgroundColor).to.equal('rgb(31, 41, 55)');
    expect(getComputedStyle(room).colorScheme).to.equal('dark');
    await expect(room).to.be.accessible();
  });
});
