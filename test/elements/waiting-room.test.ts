import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/waiting-room/waiting-room.js';
import { loadLocale } from '../../src/controllers/localize.js';
import type { VcWaitingRoom } from '../../src/components/waiting-room/waiting-room.js';
import { VcDeviceCheckCompleteEvent } from '../../src/events/events.js';
import type { WaitingPatient } from '../../src/session/types.js';
import { FakeSession } from './helpers/fake-session.js';

const $ = (el: VcWaitingRoom, selector: string) => el.shadowRoot!.querySelector(selector) as HTMLElement | null;
const text = (el: VcWaitingRoom) => el.shadowRoot!.textContent!.replace(/\s+/g, ' ');

async function room(session: FakeSession, template?: ReturnType<typeof html>): Promise<VcWaitingRoom> {
  return fixture<VcWaitingRoom>(template ?? html`<vc-waiting-room .session=${session}></vc-waiting-room>`);
}

describe('<vc-waiting-room> patient', () => {
  it('asks for code and name, validates them, then runs the device check and joins', async () => {
    const session = new FakeSession();
    const el = await room(session);
    await expect(el).to.be.accessible();
    const form = $(el, 'form') as HTMLFormElement;
    form.requestSubmit();
    await el.updateComplete;
    expect($(el, '#form-error')!.textContent).to.equal('Please fill in: Access code.');
    expect(el.shadowRoot!.activeElement?.id).to.equal('code');
    ($(el, '#code') as HTMLInputElement).value = ' ABC-123 ';
    ($(el, '#name') as HTMLInputElement).value = 'Ann';
    form.requestSubmit();
    await el.updateComplete;
    expect(session.called('beginDeviceCheck')).to.have.length(1);
    const check = $(el, 'vc-device-check')!;
    expect(check).to.exist;
    const result = { verdict: 'ok', camera: 'ok', microphone: 'ok', network: 'unknown' } as const;
    check.dispatchEvent(new VcDeviceCheckCompleteEvent({ result, tracks: [] }));
    expect(session.called('join')).to.deep.equal([[{ code: 'ABC-123', name: 'Ann', deviceCheck: result, tracks: [] }]]);
  });

  it('moves focus into the next step when the flow moves on', async () => {
    const session = new FakeSession();
    const el = await room(session);
    ($(el, '#code') as HTMLInputElement).value = 'X1';
    ($(el, '#name') as HTMLInputElement).value = 'Ann';
    const join = $(el, '[part="join-button"]') as HTMLButtonElement;
    join.focus();
    join.click();
    await el.updateComplete;
    const check = $(el, 'vc-device-check') as HTMLElement & { updateComplete: Promise<unknown> };
    await check.updateComplete;
    await new Promise((resolve) => setTimeout(resolve));
    expect(el.shadowRoot!.activeElement).to.equal(check);
    expect(check.shadowRoot!.activeElement?.id).to.equal('title');
    session.set({ state: 'waiting' });
    await el.updateComplete;
    await new Promise((resolve) => setTimeout(resolve));
    // Focus was inside the device check, so it follows to the waiting screen's heading.
    expect(el.shadowRoot!.activeElement?.textContent).to.contain('Please wait');
  });

  it('skips the form when the host supplies code and name', async () => {
    const session = new FakeSession();
    const el = await room(session, html`<vc-waiting-room .session=${session} access-code="X1" display-name="Ann"></vc-waiting-room>`);
    expect($(el, 'form')).to.be.null;
    expect($(el, 'vc-device-check')).to.exist;
  });

  it('shows a refused code on the form', async () => {
    const session = new FakeSession({ state: 'checking-devices', error: { code: 'invalid_code', message: 'That code is not valid.' } });
    const el = await room(session, html`<vc-waiting-room .session=${session} lang="de"></vc-waiting-room>`);
    // Known codes are translated (German arrives as its own chunk); unknown ones show the server's message.
    await loadLocale('de');
    await el.updateComplete;
    expect($(el, '#form-error')!.textContent).to.equal('Dieser Zugangscode ist ungültig. Bitte prüfen und erneut versuchen.');
    session.set({ error: { code: 'brand_new_code', message: 'Something new.' } });
    await el.updateComplete;
    expect($(el, '#form-error')!.textContent).to.equal('Something new.');
    expect($(el, '#code')!.getAttribute('aria-invalid')).to.equal('true');
  });

  it('shows joining, then position, estimate and messages while waiting, and leaves on request', async () => {
    const session = new FakeSession({ state: 'joining-lobby' });
    const el = await room(session);
    expect(text(el)).to.contain('Joining…');
    session.set({
      state: 'waiting',
      queue: { position: 2, estimatedWaitSeconds: 290 },
      messages: [{ text: 'Running 5 minutes late', at: '2026-01-01T10:00:00Z' }],
    });
    await el.updateComplete;
    expect($(el, '[part="status"]')!.textContent).to.contain('You are number 2 in line.');
    expect(text(el)).to.contain('about 5 min');
    expect($(el, '[part="messages"]')!.textContent).to.contain('Running 5 minutes late');
    await expect(el).to.be.accessible();
    $(el, '[part="leave-button"]')!.click();
    expect(session.called('leave')).to.have.length(1);
  });

  it('keeps the patient waiting when the host vetoes leaving', async () => {
    const session = new FakeSession({ state: 'waiting' });
    const el = await room(session);
    el.addEventListener('vc-leave-request', (e) => e.preventDefault());
    $(el, '[part="leave-button"]')!.click();
    expect(session.called('leave')).to.have.length(0);
  });

  it('shows declined and failed screens', async () => {
    const session = new FakeSession({ state: 'declined', declineReason: 'Please call us.' });
    const el = await room(session);
    expect(text(el)).to.contain('Your consultation request was declined');
    expect(text(el)).to.contain('Please call us.');
    await expect(el).to.be.accessible();
    session.set({ state: 'failed', error: { code: 'network_error', message: 'The server cannot be reached.' } });
    await el.updateComplete;
    expect($(el, '[role="alert"]')!.textContent).to.contain('The consultation server cannot be reached.');
  });

  it('renders hostile text as text', async () => {
    const session = new FakeSession({ state: 'waiting', messages: [{ text: '<img src=x onerror=alert(1)>', at: '' }] });
    const el = await room(session);
    expect($(el, '[part="messages"] img')).to.be.null;
    expect($(el, '[part="messages"]')!.textContent).to.contain('<img src=x');
  });
});

describe('<vc-waiting-room> practitioner', () => {
  const ann: WaitingPatient = {
    ticketId: 't1',
    name: 'Ann',
    waitingSince: new Date(Date.now() - 4 * 60_000).toISOString(),
    deviceCheck: { verdict: 'warning', camera: 'denied', microphone: 'ok', network: 'ok' },
  };
  const bob: WaitingPatient = { ticketId: 't2', name: 'Bob', alias: 'Room 3', waitingSince: new Date().toISOString() };
  let title: string;
  beforeEach(() => {
    title = document.title;
    document.title = 'Practice';
  });
  afterEach(() => {
    document.title = title;
  });

  it('lists the queue with device verdicts and admits, declines, messages and admits all', async () => {
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: [ann, bob] });
    const el = await room(session, html`<vc-waiting-room .session=${session} quiet></vc-waiting-room>`);
    const patients = [...el.shadowRoot!.querySelectorAll('[part="patient"]')].map((p) => p.textContent!.replace(/\s+/g, ' '));
    expect(patients[0]).to.contain('Ann').and.contain('Waiting 4 min').and.contain('Device warning');
    expect(patients[1]).to.contain('Room 3 (Bob)').and.contain('Devices not checked');
    await expect(el).to.be.accessible();
    ($(el, '[aria-label="Admit Ann"]') as HTMLButtonElement).click();
    ($(el, '[aria-label="Decline Room 3 (Bob)"]') as HTMLButtonElement).click();
    ($(el, '[part="admit-all-button"]') as HTMLButtonElement).click();
    ($(el, '[aria-label="Send a message to Ann"]') as HTMLButtonElement).click();
    await el.updateComplete;
    const input = $(el, '#message-input') as HTMLInputElement;
    expect(el.shadowRoot!.activeElement).to.equal(input);
    input.value = 'Two minutes';
    (input.form as HTMLFormElement).requestSubmit();
    expect(session.called('admit')).to.deep.equal([['t1']]);
    expect(session.called('decline')).to.deep.equal([['t2', undefined]]);
    expect(session.called('admitAll')).to.have.length(1);
    expect(session.called('sendMessage')).to.deep.equal([['t1', 'Two minutes']]);
  });

  it('announces arrivals and badges the title, but not for patients already waiting', async () => {
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: [ann] });
    const el = await room(session, html`<vc-waiting-room .session=${session} quiet></vc-waiting-room>`);
    const live = () => $(el, '[aria-live="polite"]')!.textContent!.trim();
    expect(live()).to.equal('');
    expect(document.title).to.equal('(1) Practice');
    session.set({ waitingPatients: [ann, bob] });
    await el.updateComplete;
    await el.updateComplete;
    expect(live()).to.equal('Room 3 is waiting');
    expect(document.title).to.equal('(2) Practice');
    session.set({ waitingPatients: [] });
    await el.updateComplete;
    expect(document.title).to.equal('Practice');
    expect(text(el)).to.contain('Nobody is waiting.');
    el.remove();
  });

  it("sets and clears the practitioner's note for everyone waiting", async () => {
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: [ann] });
    const el = await room(session, html`<vc-waiting-room .session=${session} quiet></vc-waiting-room>`);
    const input = $(el, '#notice-input') as HTMLInputElement;
    input.value = '  Running about 10 minutes late ';
    (input.form as HTMLFormElement).requestSubmit();
    await el.updateComplete;
    expect(session.called('setNotice')).to.deep.equal([['Running about 10 minutes late']]);
    expect($(el, '[part="notice"]')!.textContent).to.contain('Everyone waiting sees: Running about 10 minutes late');
    await expect(el).to.be.accessible();
    ($(el, '[part="notice-clear-button"]') as HTMLButtonElement).click();
    await el.updateComplete;
    expect(session.called('setNotice')[1]).to.deep.equal([null]);
    expect($(el, '[part="notice"]')).to.equal(null);
  });

  it('leaves the title alone with no-title-badge', async () => {
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: [ann] });
    await room(session, html`<vc-waiting-room .session=${session} quiet no-title-badge></vc-waiting-room>`);
    expect(document.title).to.equal('Practice');
  });

  it('reports an invalid mode', async () => {
    const errors: string[] = [];
    const session = new FakeSession();
    await fixture(html`<vc-waiting-room .session=${session} mode="doctor"
      @vc-error=${(e: CustomEvent<{ code: string; message: string }>) => errors.push(e.detail.message)}></vc-waiting-room>`);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.contain('mode must be one of "auto", "patient", "practitioner"; got "doctor"');
  });
});

describe('<vc-waiting-room> themes', () => {
  for (const theme of ['dark', 'high-contrast']) {
    it(`passes axe in the ${theme} theme, waiting and as a queue`, async () => {
      const waiting = new FakeSession({
        state: 'waiting',
        queue: { position: 1, estimatedWaitSeconds: 60 },
        messages: [{ text: 'Hello', at: '' }],
      });
      await expect(await room(waiting, html`<vc-waiting-room .session=${waiting} theme=${theme}></vc-waiting-room>`)).to.be.accessible();
      const queue = new FakeSession({
        role: 'practitioner',
        waitingPatients: [
          {
            ticketId: 't',
            name: 'Ann',
            waitingSince: new Date().toISOString(),
            deviceCheck: { verdict: 'failed', camera: 'ok', microphone: 'denied', network: 'ok' },
          },
        ],
      });
      await expect(
        await room(queue, html`<vc-waiting-room .session=${queue} theme=${theme} quiet no-title-badge></vc-waiting-room>`),
      ).to.be.accessible();
    });
  }
});

describe('<vc-waiting-room> every patient state', () => {
  const expected: Record<string, string> = {
    idle: 'Join your consultation',
    'checking-devices': 'Join your consultation',
    'joining-lobby': 'Joining…',
    waiting: 'Please wait, you will be let in shortly',
    admitted: 'You have been let in. Connecting…',
    connecting: 'You have been let in. Connecting…',
    'in-call': 'You have been let in. Connecting…',
    reconnecting: 'You have been let in. Connecting…',
    ended: 'The consultation has ended',
    declined: 'Your consultation request was declined',
    failed: 'Something went wrong',
  };
  for (const [state, text] of Object.entries(expected)) {
    it(`renders ${state} accessibly`, async () => {
      const session = new FakeSession({ state: state as never, error: state === 'failed' ? { code: 'x', message: 'Broken.' } : undefined });
      const el = await room(session);
      expect(el.shadowRoot!.textContent!.replace(/\s+/g, ' ')).to.contain(text);
      await expect(el).to.be.accessible();
    });
  }
});
