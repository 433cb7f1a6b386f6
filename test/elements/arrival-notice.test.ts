// Being noticed (issue 17 item 2): the practitioner's arrival chime (mutable, remembered without cookies) and the
// system notification the host allows with notify-arrivals and the practitioner agrees to once. The browser's
// Notification and AudioContext are replaced by recording fakes: a real permission prompt cannot be answered here.
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/waiting-room/waiting-room.js';
import type { VcWaitingRoom } from '../../src/components/waiting-room/waiting-room.js';
import type { WaitingPatient } from '../../src/session/types.js';
import { FakeSession } from './helpers/fake-session.js';

const $ = (el: VcWaitingRoom, selector: string) => el.shadowRoot!.querySelector(selector) as HTMLElement | null;

const ann: WaitingPatient = { ticketId: 't1', name: 'Ann', waitingSince: new Date().toISOString() };
const bob: WaitingPatient = { ticketId: 't2', name: 'Bob', alias: 'Room 3', waitingSince: new Date().toISOString() };
const cem: WaitingPatient = { ticketId: 't3', name: 'Cem', waitingSince: new Date().toISOString() };

const shown: { title: string; options?: NotificationOptions }[] = [];
let chimes = 0;
let permission: NotificationPermission = 'default';
let prompts = 0;

class FakeNotification {
  static get permission(): NotificationPermission {
    return permission;
  }
  static requestPermission(): Promise<NotificationPermission> {
    prompts += 1;
    permission = 'granted';
    return Promise.resolve(permission);
  }
  onclick: (() => void) | null = null;
  constructor(title: string, options?: NotificationOptions) {
    shown.push({ title, options });
  }
  close(): void {}
}

/** Counts chimes: one AudioContext per chime; the nodes it makes do nothing. */
class FakeAudioContext {
  currentTime = 0;
  destination = {};
  constructor() {
    chimes += 1;
  }
  createGain() {
    return { connect() {}, gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} } };
  }
  createOscillator() {
    return { frequency: { value: 0 }, connect() {}, start() {}, stop() {} };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('<vc-waiting-room> practitioner: being noticed', () => {
  const originals = { Notification: window.Notification, AudioContext: window.AudioContext };
  const globals = window as unknown as Record<string, unknown>;
  let title: string;
  beforeEach(() => {
    globals.Notification = FakeNotification;
    globals.AudioContext = FakeAudioContext;
    shown.length = 0;
    chimes = 0;
    prompts = 0;
    permission = 'default';
    localStorage.removeItem('videoconsult.arrival-sound');
    title = document.title;
  });
  afterEach(() => {
    globals.Notification = originals.Notification;
    globals.AudioContext = originals.AudioContext;
    localStorage.removeItem('videoconsult.arrival-sound');
    document.title = title;
  });

  async function arrive(el: VcWaitingRoom, session: FakeSession, patients: WaitingPatient[]): Promise<void> {
    session.set({ waitingPatients: patients });
    await el.updateComplete;
    await el.updateComplete;
  }

  it('with notify-arrivals, asks once when the practitioner agrees, then shows one notification per arrival', async () => {
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: [ann] });
    const el = await fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${session} notify-arrivals></vc-waiting-room>`);
    await expect(el).to.be.accessible();
    // Nothing is asked by itself: the browser's prompt comes only from the practitioner's click.
    expect(prompts).to.equal(0);
    await arrive(el, session, [ann, cem]);
    expect(shown).to.have.length(0);
    ($(el, '[part="notify-button"]') as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r));
    await el.updateComplete;
    expect(prompts).to.equal(1);
    expect($(el, '[part="notify-button"]'), 'no second question').to.equal(null);

    await arrive(el, session, [ann, cem, bob]);
    expect(shown).to.have.length(1);
    expect(shown[0]!.options?.body).to.equal('Room 3 is waiting');
    expect(shown[0]!.options?.tag).to.equal('videoconsult-arrival');
    // Those already waiting when it was allowed are not announced again; a leaving patient is not an arrival.
    await arrive(el, session, [ann, bob]);
    expect(shown).to.have.length(1);
    el.remove();
  });

  it('without notify-arrivals there is no question and no notification, even when the site may notify', async () => {
    permission = 'granted';
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: [ann] });
    const el = await fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${session}></vc-waiting-room>`);
    expect($(el, '[part="notify-button"]')).to.equal(null);
    await arrive(el, session, [ann, bob]);
    expect(shown).to.have.length(0);
    el.remove();
  });

  it('chimes on an arrival; muted, it stays silent, and the choice outlives the page (localStorage, no cookie)', async () => {
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: [ann] });
    const el = await fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${session}></vc-waiting-room>`);
    expect(chimes, 'not for patients already waiting').to.equal(0);
    await arrive(el, session, [ann, bob]);
    expect(chimes).to.equal(1);

    const toggle = $(el, '[part="sound-toggle"]') as HTMLInputElement;
    expect(toggle.checked).to.equal(true);
    toggle.click();
    await el.updateComplete;
    expect(localStorage.getItem('videoconsult.arrival-sound')).to.equal('off');
    await arrive(el, session, [ann, bob, cem]);
    expect(chimes, 'muted').to.equal(1);
    expect(document.cookie).to.equal('');
    el.remove();

    const again = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: [ann] });
    const next = await fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${again}></vc-waiting-room>`);
    expect(($(next, '[part="sound-toggle"]') as HTMLInputElement).checked, 'remembered').to.equal(false);
    await arrive(next, again, [ann, cem]);
    expect(chimes).to.equal(1);
    next.remove();
  });
});
