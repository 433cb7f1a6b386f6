import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/index.js';
import '../../src/components/call/call.js'; // loaded on demand by the SDK (while waiting); here up front
import { VcConsultation } from '../../src/components/consultation/consultation.js';
import type { VcCall } from '../../src/components/call/call.js';
import type { VcDeviceCheck } from '../../src/components/device-check/device-check.js';
import type { VcErrorEvent } from '../../src/events/events.js';
import { loadLocale } from '../../src/controllers/localize.js';
import { FakeCallRoom } from './helpers/fake-call-room.js';
import { FakeServer, until } from './helpers/fake-server.js';

const ADMISSION = { livekitUrl: 'ws://sfu.test', token: 'lk', identity: 'p1', consultationId: 'c1' };

function deep(root: Element, ...selectors: string[]): HTMLElement | null {
  let node: Element | null = root;
  for (const selector of selectors) node = node?.shadowRoot?.querySelector(selector) ?? null;
  return node as HTMLElement | null;
}

function wire(el: VcConsultation, server: FakeServer): void {
  el.session.configure({ fetch: server.fetch, lobbyBackoff: [1], createCallRoom: (callbacks) => new FakeCallRoom(callbacks) });
}

function record(el: HTMLElement, ...types: string[]): string[] {
  const seen: string[] = [];
  for (const type of types) el.addEventListener(type, () => seen.push(type));
  return seen;
}

async function passDeviceCheck(check: () => VcDeviceCheck | null): Promise<void> {
  await until(() => check()?.result !== undefined);
  await check()!.updateComplete;
  (check()!.shadowRoot!.querySelector('[part="continue-button"]') as HTMLButtonElement).click();
}

describe('<vc-consultation>', () => {
  afterEach(() => {
    for (const el of document.querySelectorAll('vc-consultation')) void (el as VcConsultation).session.leave();
  });

  it('takes a patient from device check through waiting into the call and out again', async () => {
    const server = new FakeServer();
    server.on('/v1/lobby/join', () => ({ status: 201, body: { ticket: 'T', consultation: { id: 'c1', locale: 'en', e2ee: false } } }));
    const el = await fixture<VcConsultation>(
      html`<vc-consultation server-url="https://api.test" access-code="ABC" display-name="Ann"></vc-consultation>`,
    );
    wire(el, server);
    const seen = record(el, 'vc-waiting', 'vc-admitted', 'vc-joined', 'vc-left', 'vc-ended');
    await passDeviceCheck(() => deep(el, 'vc-waiting-room', 'vc-device-check') as VcDeviceCheck | null);
    await until(() => el.session.state === 'waiting' && server.openStreams === 1);
    expect(server.requests[0]!.body).to.deep.include({ code: 'ABC', name: 'Ann' });
    server.event('queue', { position: 1 });
    await until(() => !!deep(el, 'vc-waiting-room', '[part="status"] .position'));
    server.event('admitted', ADMISSION);
    await until(() => el.session.state === 'in-call');
    await el.updateComplete;
    const call = deep(el, 'vc-call') as VcCall;
    expect(call).to.exist;
    expect(el.getAttribute('state')).to.equal('in-call');
    expect(FakeCallRoom.last!.publishedTracks.map((t) => t.kind).sort()).to.deep.equal(['audio', 'video']);
    await call.updateComplete;
    const ending = oneEvent(el, 'vc-ended');
    (call.shadowRoot!.querySelector('[part="leave-button"]') as HTMLButtonElement).click();
    const ended = await ending;
    expect(ended.detail).to.deep.equal({ reason: 'left' });
    expect(seen).to.deep.equal(['vc-waiting', 'vc-admitted', 'vc-joined', 'vc-left', 'vc-ended']);
    expect(el.getAttribute('state')).to.equal('ended');
    await el.updateComplete;
    expect(deep(el, '[part="end-screen"]')!.textContent).to.contain('You left the consultation');
    await expect(el).to.be.accessible();
  });

  it("waits with the device check's own camera (mirrored, can be hidden), a live mic level and the practitioner's note", async () => {
    const server = new FakeServer();
    server.on('/v1/lobby/join', () => ({ status: 201, body: { ticket: 'T', consultation: { id: 'c1', locale: 'en', e2ee: false } } }));
    const el = await fixture<VcConsultation>(
      html`<vc-consultation server-url="https://api.test" access-code="ABC" display-name="Ann"></vc-consultation>`,
    );
    wire(el, server);
    await passDeviceCheck(() => deep(el, 'vc-waiting-room', 'vc-device-check') as VcDeviceCheck | null);
    await until(() => el.session.state === 'waiting' && server.openStreams === 1);
    server.event('queue', { position: 2, estimatedWaitSeconds: 300 });
    const room = () => deep(el, 'vc-waiting-room')!.shadowRoot!;
    await until(() => !!room().querySelector('[part="self-view"]'), 'the self-view');
    const video = room().querySelector('[part="self-view"]') as HTMLVideoElement;
    const shown = (video.srcObject as MediaStream).getVideoTracks()[0]!;
    expect(getComputedStyle(video).transform).to.equal('matrix(-1, 0, 0, 1, 0, 0)');
    await until(() => (room().querySelector('[part="mic-meter"]') as HTMLMeterElement).value > 0, 'a live microphone level');
    expect(room().textContent).to.contain('You are number 2 in line.').and.contain('Estimated wait: about 5 min.');

    server.event('notice', { text: 'Dr. Weber is running about 10 minutes late', at: '2026-01-01T10:00:00Z' });
    await until(
      () => room().querySelector('[part="notice"]')?.textContent?.includes('Dr. Weber is running about 10 minutes late') === true,
    );
    await expect(el).to.be.accessible();
    server.event('notice', { text: null });
    await until(() => !room().querySelector('[part="notice"]'), 'the cleared note disappears');

    const toggle = room().querySelector('[part="self-view-button"]') as HTMLButtonElement;
    toggle.click();
    await until(() => !room().querySelector('[part="self-view"]'));
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(shown.readyState, 'hiding the picture does not stop the camera').to.equal('live');

    // Admitted: the call publishes the very tracks the waiting screen showed (nothing opened twice).
    server.event('admitted', ADMISSION);
    await until(() => el.session.state === 'in-call');
    expect(FakeCallRoom.last!.publishedTracks).to.include(shown);
  });

  it('ends with who ended it and the duration; the patient rates the connection with one tap', async () => {
    const server = new FakeServer();
    server.on('/v1/lobby/join', () => ({ status: 201, body: { ticket: 'T', consultation: { id: 'c1', locale: 'en', e2ee: false } } }));
    server.on('/v1/lobby/rating', () => ({ status: 200, body: {} }));
    const el = await fixture<VcConsultation>(
      html`<vc-consultation server-url="https://api.test" access-code="ABC" display-name="Ann"></vc-consultation>`,
    );
    wire(el, server);
    await passDeviceCheck(() => deep(el, 'vc-waiting-room', 'vc-device-check') as VcDeviceCheck | null);
    await until(() => el.session.state === 'waiting' && server.openStreams === 1);
    server.event('admitted', ADMISSION);
    await until(() => el.session.state === 'in-call');
    server.event('ended', {});
    await until(() => el.session.state === 'ended');
    await el.updateComplete;
    const screen = deep(el, '[part="end-screen"]')!;
    expect(screen.querySelector('h2')!.textContent).to.equal('The practitioner ended the consultation');
    expect(screen.querySelector('[part="duration"]')!.textContent).to.equal('Duration: 1 min');
    await expect(el).to.be.accessible();
    const buttons = [...screen.querySelectorAll<HTMLButtonElement>('[part="rate-button"]')];
    expect(buttons.map((b) => b.textContent!.trim())).to.deep.equal(['Good', 'Okay', 'Poor']);
    buttons[0]!.click();
    await until(() => server.requests.some((r) => r.url.endsWith('/v1/lobby/rating')));
    const rating = server.requests.find((r) => r.url.endsWith('/v1/lobby/rating'))!;
    expect(rating.body).to.deep.equal({ rating: 'good' });
    expect(rating.authorization).to.equal('Bearer T');
    await el.updateComplete;
    expect(deep(el, '[part="end-screen"]')!.textContent).to.contain('Thank you for your feedback.');
    expect(deep(el, '[part="rate-button"]'), 'one tap only').to.equal(null);
  });

  it('shows the declined screen and fires vc-declined', async () => {
    const server = new FakeServer();
    server.on('/v1/lobby/join', () => ({ status: 201, body: { ticket: 'T', consultation: { id: 'c1', locale: 'en', e2ee: false } } }));
    const el = await fixture<VcConsultation>(
      html`<vc-consultation server-url="https://api.test" access-code="ABC" display-name="Ann"></vc-consultation>`,
    );
    wire(el, server);
    await passDeviceCheck(() => deep(el, 'vc-waiting-room', 'vc-device-check') as VcDeviceCheck | null);
    await until(() => server.openStreams === 1);
    setTimeout(() => server.event('declined', {}));
    const declined = await oneEvent(el, 'vc-declined');
    expect(declined.detail).to.deep.equal({});
    await el.updateComplete;
    const room = deep(el, 'vc-waiting-room')!;
    await (room as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    expect(room.shadowRoot!.textContent).to.contain('Your consultation request was declined');
  });

  it('reports a refused access code as vc-error and lets the patient retry', async () => {
    const server = new FakeServer();
    server.on('/v1/lobby/join', () => ({ status: 404, body: { error: { code: 'invalid_code', message: 'That code is not valid.' } } }));
    const el = await fixture<VcConsultation>(
      html`<vc-consultation server-url="https://api.test" access-code="BAD" display-name="Ann"></vc-consultation>`,
    );
    wire(el, server);
    const error = oneEvent(el, 'vc-error');
    await passDeviceCheck(() => deep(el, 'vc-waiting-room', 'vc-device-check') as VcDeviceCheck | null);
    const event = (await error) as VcErrorEvent;
    expect(event.detail).to.deep.equal({ code: 'invalid_code', message: 'That code is not valid.' });
    expect([event.code, event.message]).to.deep.equal(['invalid_code', 'That code is not valid.']);
    await until(() => !!deep(el, 'vc-waiting-room', '#form-error')?.textContent);
    expect(deep(el, 'vc-waiting-room', '#form-error')!.textContent).to.equal('This access code is not valid. Check it and try again.');
    expect(el.session.state).to.equal('checking-devices');
  });

  it('runs the practitioner flow with the queue beside the call, and honours a vetoed end', async () => {
    const server = new FakeServer();
    server.on('/v1/practitioner/grant', () => ({ status: 200, body: ADMISSION }));
    server.on('/v1/practitioner/end', () => ({ status: 200, body: {} }));
    // Wired before it connects: the practitioner follows the queue from the start.
    const el = document.createElement('vc-consultation');
    wire(el, server);
    Object.assign(el, { role: 'practitioner', serverUrl: 'https://api.test', practitionerToken: 'PT' });
    await fixture(html`<div></div>`).then((parent) => parent.append(el));
    await until(() => server.openStreams === 1);
    server.event('queue', { patients: [{ ticketId: 't1', name: 'Ann', waitingSince: new Date().toISOString() }] });
    await until(() => !!deep(el, '[part="sidebar"] vc-waiting-room', '[part="patient"]'));
    expect(deep(el, 'vc-device-check')).to.exist;
    const joined = oneEvent(el, 'vc-joined');
    await passDeviceCheck(() => deep(el, 'vc-device-check') as VcDeviceCheck | null);
    await joined;
    await until(() => !!deep(el, '[part="sidebar"] vc-waiting-room', '[part="patient"]'));
    expect(server.streamOpens).to.equal(1);
    const call = deep(el, 'vc-call') as VcCall;
    await call.updateComplete;
    el.addEventListener('vc-end-request', (e) => e.preventDefault(), { once: true });
    (call.shadowRoot!.querySelector('[part="end-button"]') as HTMLButtonElement).click();
    expect(server.requests.some((r) => r.url === '/v1/practitioner/end')).to.be.false;
    const ended = oneEvent(el, 'vc-ended');
    (call.shadowRoot!.querySelector('[part="end-button"]') as HTMLButtonElement).click();
    expect((await ended).detail).to.deep.equal({ reason: 'ended' });
    expect(server.requests.find((r) => r.url === '/v1/practitioner/end')!.authorization).to.equal('Bearer PT');
  });

  it('validates attributes with vc-error and keeps working', async () => {
    const errors: string[] = [];
    const el = await fixture<VcConsultation>(html`<vc-consultation role="doctor" server-url="not a url" livekit-url="tcp://x" theme="neon"
      @vc-error=${(e: CustomEvent<{ code: string; message: string }>) => errors.push(e.detail.message)}></vc-consultation>`);
    expect(errors).to.have.length(4);
    expect(errors.join('\n')).to.contain('<vc-consultation> role must be one of "patient", "practitioner"; got "doctor"');
    expect(errors.join('\n')).to.contain('server-url must be an http:// or https:// URL');
    expect(el.role).to.equal('patient');
    expect(deep(el, 'vc-waiting-room')).to.exist;
  });

  it('mirrors every attribute as a property', async () => {
    await loadLocale('de'); // German is its own chunk; here we test the mirroring, not the loading
    const el = await fixture<VcConsultation>(html`<vc-consultation></vc-consultation>`);
    el.role = 'practitioner';
    el.theme = 'dark';
    el.lang = 'de';
    el.serverUrl = 'https://api.test';
    await el.updateComplete;
    expect(el.getAttribute('role')).to.equal(null);
    el.setAttribute('role', 'patient');
    expect(el.role).to.equal('patient');
    expect(el.getAttribute('theme')).to.equal('dark');
    expect(el.getAttribute('lang')).to.equal('de');
    el.setAttribute('access-code', 'Q1');
    el.setAttribute('practitioner-token', 'PT');
    el.setAttribute('grant', '{"livekitUrl":"ws://x","token":"y"}');
    expect([el.accessCode, el.practitionerToken, el.grant]).to.deep.equal(['Q1', 'PT', '{"livekitUrl":"ws://x","token":"y"}']);
    expect(deep(el, 'vc-device-check')!.shadowRoot!.textContent).to.contain('Kamera');
  });

  it('lends its session to descendants by context and to others by id', async () => {
    const el = await fixture<VcConsultation>(html`<div>
      <vc-consultation id="consult-a" server-url="https://api.test"><vc-call slot="chat"></vc-call></vc-consultation>
      <vc-call session="consult-a"></vc-call>
    </div>`);
    const [byContext, byId] = [...el.querySelectorAll('vc-call')] as VcCall[];
    await byContext!.updateComplete;
    await byId!.updateComplete;
    // The toolbar only renders once a session is found.
    expect(byContext!.shadowRoot!.querySelector('[part="toolbar"]')).to.exist;
    expect(byId!.shadowRoot!.querySelector('[part="toolbar"]')).to.exist;
    const lonely = await fixture<VcCall>(html`<vc-call></vc-call>`);
    expect(lonely.shadowRoot!.querySelector('[part="toolbar"]')).to.be.null;
  });

  it('tolerates being defined twice', async () => {
    expect(() => VcConsultation.define('vc-consultation')).not.to.throw();
    await import('../../src/index.js?again' as string).catch(() => undefined);
    expect(customElements.get('vc-consultation')).to.equal(VcConsultation);
  });

  it('passes an axe audit in the first step, in every theme', async () => {
    for (const theme of ['light', 'dark', 'high-contrast']) {
      const el = await fixture<VcConsultation>(html`<vc-consultation theme=${theme}></vc-consultation>`);
      await expect(el).to.be.accessible();
    }
  });
});
