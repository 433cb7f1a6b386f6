import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/components/call/call.js';
import type { VcCall } from '../../src/components/call/call.js';
import type { ParticipantView } from '../../src/session/types.js';
import { canvasTrack, FakeSession } from './helpers/fake-session.js';
import { until } from './helpers/fake-server.js';
import { participantView } from './helpers/fake-call-room.js';

const me = (patch: Partial<ParticipantView> = {}) => participantView({ name: 'Dr Who', camera: canvasTrack('#f00'), ...patch });
const remote = (identity: string, patch: Partial<ParticipantView> = {}) =>
  participantView({
    identity,
    name: `Patient ${identity}`,
    isLocal: false,
    connectionQuality: 'excellent',
    camera: canvasTrack('#0f0'),
    ...patch,
  });

async function callWith(session: FakeSession): Promise<VcCall> {
  return fixture<VcCall>(html`<vc-call .session=${session}></vc-call>`);
}
const $ = (el: VcCall, selector: string) => el.shadowRoot!.querySelector(selector) as HTMLElement | null;
const $$ = (el: VcCall, selector: string) => [...el.shadowRoot!.querySelectorAll(selector)] as HTMLElement[];

describe('<vc-call>', () => {
  it('shows a 1:1 call with the remote large and a movable self-view', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [me(), remote('a')] });
    const el = await callWith(session);
    const tiles = $$(el, 'figure.tile');
    expect(tiles.map((t) => t.dataset.identity)).to.deep.equal(['a', 'me']);
    const self = $(el, 'figure.self')!;
    expect(self.classList.contains('bottom-right')).to.be.true;
    expect((tiles[0]!.querySelector('video') as HTMLVideoElement).srcObject).to.be.instanceOf(MediaStream);
    self.focus();
    self.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', bubbles: true, composed: true }));
    self.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true, composed: true }));
    await el.updateComplete;
    expect(el.selfViewPosition).to.equal('top-left');
    expect($(el, 'figure.self')!.classList.contains('top-left')).to.be.true;
    await expect(el).to.be.accessible();
  });

  it('says when the call is end-to-end encrypted, and only then', async () => {
    const session = new FakeSession({ state: 'in-call', encrypted: true, participants: [me(), remote('a')] });
    const el = await callWith(session);
    expect($(el, '[part~="e2ee-badge"]')?.textContent?.trim()).to.equal('End-to-end encrypted');
    await expect(el).to.be.accessible();
    session.set({ encrypted: false });
    await el.updateComplete;
    expect($(el, '[part~="e2ee-badge"]')).to.equal(null);
  });

  it('switches to a grid with the active speaker highlighted for a group', async () => {
    const session = new FakeSession({
      state: 'in-call',
      participants: [me(), remote('a'), remote('b', { isSpeaking: true, camera: undefined })],
    });
    const el = await callWith(session);
    expect($(el, '.stage')!.classList.contains('grid')).to.be.true;
    expect($$(el, 'figure.tile')).to.have.length(3);
    expect($$(el, 'figure.speaking').map((t) => t.dataset.identity)).to.deep.equal(['b']);
    expect($(el, 'figure[data-identity="b"] .avatar')!.textContent).to.equal('PB');
    await expect(el).to.be.accessible();
  });

  it('shows a remote screen share large', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [me(), remote('a', { screen: canvasTrack() })] });
    const el = await callWith(session);
    expect($(el, 'figure.screen')!.getAttribute('aria-label')).to.equal('Screen of Patient a');
  });

  it('toggles microphone, camera and screen share from buttons and shortcuts', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [me(), remote('a')] });
    const el = await callWith(session);
    const mic = $(el, '[part="mic-button"]')!;
    expect(mic.getAttribute('aria-pressed')).to.equal('true');
    mic.click();
    ($(el, '[part="camera-button"]') as HTMLButtonElement).click();
    ($(el, '[part="screen-button"]') as HTMLButtonElement).click();
    expect(session.called('setMicrophoneEnabled')).to.deep.equal([[false]]);
    expect(session.called('setCameraEnabled')).to.deep.equal([[false]]);
    expect(session.called('setScreenShareEnabled')).to.deep.equal([[true]]);
    mic.dispatchEvent(new KeyboardEvent('keydown', { key: 'm', bubbles: true, composed: true }));
    mic.dispatchEvent(new KeyboardEvent('keydown', { key: 'v', bubbles: true, composed: true }));
    expect(session.called('setMicrophoneEnabled')).to.have.length(2);
    expect(session.called('setCameraEnabled')).to.have.length(2);
    session.set({ microphoneEnabled: false });
    await el.updateComplete;
    expect(mic.getAttribute('aria-pressed')).to.equal('false');
  });

  it('tells the user they are sharing and lets them stop from the banner', async () => {
    const session = new FakeSession({ state: 'in-call', screenShareEnabled: true, participants: [me(), remote('a')] });
    const el = await callWith(session);
    const banner = $(el, '[part="sharing-banner"]')!;
    expect(banner.textContent).to.contain('You are sharing your screen.');
    (banner.querySelector('button') as HTMLButtonElement).click();
    expect(session.called('setScreenShareEnabled')).to.deep.equal([[false]]);
  });

  it('hides screen share without permission and end-for-everyone for patients', async () => {
    const session = new FakeSession({ state: 'in-call', canScreenShare: false, participants: [me()] });
    const el = await callWith(session);
    expect($(el, '[part="screen-button"]')).to.be.null;
    expect($(el, '[part="end-button"]')).to.be.null;
    expect($(el, '.waiting')!.textContent).to.contain('Waiting for the other participant');
  });

  it('asks before leaving and ending, and respects a veto', async () => {
    const session = new FakeSession({ state: 'in-call', role: 'practitioner', participants: [me(), remote('a')] });
    const el = await callWith(session);
    const veto = (e: Event) => e.preventDefault();
    el.addEventListener('vc-leave-request', veto, { once: true });
    $(el, '[part="leave-button"]')!.click();
    expect(session.called('leave')).to.have.length(0);
    setTimeout(() => $(el, '[part="leave-button"]')!.click());
    const request = await oneEvent(el, 'vc-leave-request');
    expect(request.cancelable).to.be.true;
    expect(session.called('leave')).to.have.length(1);
    $(el, '[part="end-button"]')!.click();
    expect(session.called('endForEveryone')).to.have.length(1);
  });

  it('shows the reconnecting banner and the enable-sound button', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [me(), remote('a')] });
    const el = await callWith(session);
    expect($(el, '[part="reconnecting-banner"]')).to.be.null;
    session.set({ state: 'reconnecting', audioBlocked: true });
    await el.updateComplete;
    expect($(el, '[part="reconnecting-banner"]')!.textContent).to.contain('Reconnecting');
    $(el, '[part="sound-button"]')!.click();
    expect(session.called('startAudio')).to.have.length(1);
    await expect(el).to.be.accessible();
    session.set({ state: 'in-call' });
    await el.updateComplete;
    expect($(el, '[part="reconnecting-banner"]')).to.be.null;
    expect(
      $$(el, '[aria-live="polite"]')
        .map((n) => n.textContent)
        .join(' '),
    ).to.contain('Reconnected.');
  });

  it('announces who joins and leaves', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [me()] });
    const el = await callWith(session);
    session.set({ participants: [me(), remote('a')] });
    await el.updateComplete;
    const live = () =>
      $$(el, '[aria-live="polite"]')
        .map((n) => n.textContent)
        .join(' ');
    expect(live()).to.contain('Patient a joined the call');
    session.set({ participants: [me()] });
    await el.updateComplete;
    expect(live()).to.contain('Patient a left the call');
  });

  it('reports an invalid self-view position and keeps working', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [me(), remote('a')] });
    const errors: string[] = [];
    const el = await fixture<VcCall>(html`<vc-call .session=${session} self-view-position="middle" theme="neon"
      @vc-error=${(e: CustomEvent<{ code: string; message: string }>) => errors.push(`${e.detail.code}: ${e.detail.message}`)}></vc-call>`);
    expect(errors).to.have.length(2);
    expect(errors.every((e) => e.startsWith('invalid_attribute: <vc-call>'))).to.be.true;
    expect(el.selfViewPosition).to.equal('bottom-right');
  });

  it('finds its session through session="id"', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [me(), remote('a')] });
    const holder = Object.assign(document.createElement('div'), { id: 'holder-1', session });
    document.body.append(holder);
    try {
      const el = await fixture<VcCall>(html`<vc-call session="holder-1"></vc-call>`);
      expect($$(el, 'figure.tile')).to.have.length(2);
    } finally {
      holder.remove();
    }
    const errors: string[] = [];
    await fixture(
      html`<vc-call session="nowhere" @vc-error=${(e: CustomEvent<{ code: string }>) => errors.push(e.detail.code)}></vc-call>`,
    );
    expect(errors).to.deep.equal(['session_not_found']);
  });
});

describe('<vc-call> themes', () => {
  for (const theme of ['dark', 'high-contrast']) {
    it(`passes axe (including contrast) in the ${theme} theme`, async () => {
      const session = new FakeSession({
        state: 'reconnecting',
        audioBlocked: true,
        role: 'practitioner',
        participants: [me(), remote('a')],
      });
      const el = await fixture<VcCall>(html`<vc-call .session=${session} theme=${theme}></vc-call>`);
      await expect(el).to.be.accessible();
    });
  }
});

describe('<vc-call> connection states', () => {
  it('says it is connecting while admitted or connecting, and nothing once in the call', async () => {
    const session = new FakeSession({ state: 'connecting', participants: [] });
    const el = await callWith(session);
    expect($(el, '.banner')!.textContent).to.contain('Connecting…');
    await expect(el).to.be.accessible();
    session.set({ state: 'in-call', participants: [me(), remote('a')] });
    await el.updateComplete;
    expect($(el, '.banner')).to.be.null;
  });

  it('shows a poor connection prominently', async () => {
    const session = new FakeSession({ state: 'in-call', participants: [me({ connectionQuality: 'poor' }), remote('a')] });
    const el = await callWith(session);
    expect($(el, '[part="quality"]')!.textContent).to.equal('Connection: poor');
    expect($(el, '[part="quality"]')!.classList.contains('poor')).to.be.true;
  });

  it('switches devices from the device panel', async () => {
    // Device ids are only listed once the page has media permission.
    (await navigator.mediaDevices.getUserMedia({ audio: true })).getTracks().forEach((t) => t.stop());
    const session = new FakeSession({ state: 'in-call', participants: [me(), remote('a')] });
    const el = await callWith(session);
    const toggle = $(el, '[part="devices-button"]')!;
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    toggle.click();
    await until(() => !!$(el, '#devices select'));
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    const select = $(el, '#devices select') as HTMLSelectElement;
    select.dispatchEvent(new Event('change'));
    expect(session.called('switchDevice')[0]![0]).to.equal('audioinput');
    await expect(el).to.be.accessible();
  });
});
