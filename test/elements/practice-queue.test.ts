import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/waiting-room/waiting-room.js';
import type { VcWaitingRoom } from '../../src/components/waiting-room/waiting-room.js';
import type { PracticeQueue } from '../../src/session/types.js';
import { FakeSession } from './helpers/fake-session.js';

const $ = (el: VcWaitingRoom, selector: string) => el.shadowRoot!.querySelector(selector) as HTMLElement | null;
const entry = (el: VcWaitingRoom, ticket: string) => $(el, `[data-ticket="${ticket}"]`)!;
const words = (node: Node) => node.textContent!.replace(/\s+/g, ' ');

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

/** Dr One's view: their own consultation, reception and Dr Two's, one patient admitted by Dr Two. */
const practice: PracticeQueue = {
  practiceId: 'pr_1',
  ownConsultationId: 'c_one',
  consultations: [
    { id: 'c_rec', title: 'Reception', status: 'active' },
    { id: 'c_one', title: 'Dr One', status: 'active' },
    { id: 'c_two', status: 'scheduled' },
  ],
  patients: [
    { ticketId: 't_ann', name: 'Ann', consultationId: 'c_one', status: 'waiting', waitingSince: minutesAgo(3) },
    { ticketId: 't_bob', name: 'Bob', alias: 'Mr B', consultationId: 'c_rec', status: 'waiting', waitingSince: minutesAgo(5) },
    { ticketId: 't_cem', name: 'Cem', consultationId: 'c_two', status: 'admitted', waitingSince: minutesAgo(9), takenBy: 'Dr Two' },
  ],
};

async function desk(session: FakeSession, theme = 'light'): Promise<VcWaitingRoom> {
  return fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${session} theme=${theme} quiet no-title-badge></vc-waiting-room>`);
}

describe('<vc-waiting-room> practice queue', () => {
  it('lists every patient of the practice with their consultation and who took whom', async () => {
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', practiceQueue: practice });
    const el = await desk(session);
    expect(words($(el, 'h2')!)).to.contain('Practice waiting room');
    expect(words($(el, 'header')!)).to.contain('2 waiting');
    expect(words(entry(el, 't_ann')))
      .to.contain('For you')
      .and.contain('Waiting 3 min');
    expect(words(entry(el, 't_bob')))
      .to.contain('Mr B (Bob)')
      .and.contain('For Reception');
    // No title: numbered by its place in the practice's list.
    expect(words(entry(el, 't_cem')))
      .to.contain('For Consultation 3')
      .and.contain('With Dr Two')
      .and.not.contain('Waiting');
    // Admitting is for the practitioner's own consultation only.
    expect(entry(el, 't_ann').querySelector('[part="admit-button"]')).to.exist;
    expect(entry(el, 't_bob').querySelector('[part="admit-button"]')).to.equal(null);
    expect(entry(el, 't_cem').querySelector('[part="admit-button"]')).to.equal(null);
    await expect(el).to.be.accessible();
  });

  it('transfers a waiting or admitted patient to another consultation of the practice', async () => {
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', practiceQueue: practice });
    const el = await desk(session);
    const bob = entry(el, 't_bob');
    const select = bob.querySelector('select') as HTMLSelectElement;
    // Every other consultation, never the one the patient is already in.
    expect([...select.options].map((o) => [o.value, o.textContent!.trim()])).to.deep.equal([
      ['c_one', 'For you'],
      ['c_two', 'Consultation 3'],
    ]);
    expect(words(bob.querySelector('label')!)).to.equal('Transfer Mr B (Bob) to');
    select.value = 'c_two';
    (bob.querySelector('[part="transfer-button"]') as HTMLButtonElement).click();
    const cem = entry(el, 't_cem');
    (cem.querySelector('select') as HTMLSelectElement).value = 'c_one';
    (cem.querySelector('form') as HTMLFormElement).requestSubmit();
    expect(session.called('transfer')).to.deep.equal([
      ['t_bob', 'c_two'],
      ['t_cem', 'c_one'],
    ]);
    (entry(el, 't_ann').querySelector('[part="admit-button"]') as HTMLButtonElement).click();
    expect(session.called('admit')).to.deep.equal([['t_ann']]);
  });

  it('follows the live queue: an admission shows who took the patient', async () => {
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', practiceQueue: practice });
    const el = await desk(session);
    session.set({
      practiceQueue: {
        ...practice,
        patients: practice.patients.map((p) => (p.ticketId === 't_bob' ? { ...p, status: 'admitted', takenBy: 'Dr One' } : p)),
      },
    });
    await el.updateComplete;
    expect(words(entry(el, 't_bob'))).to.contain('With Dr One');
    expect(entry(el, 't_bob').dataset.status).to.equal('admitted');
    expect(words($(el, 'header')!)).to.contain('1 waiting');
  });

  for (const theme of ['dark', 'high-contrast']) {
    it(`passes axe in the ${theme} theme`, async () => {
      const session = new FakeSession({ role: 'practitioner', state: 'in-call', practiceQueue: practice });
      await expect(await desk(session, theme)).to.be.accessible();
    });
  }
});

describe('<vc-waiting-room> a transferred patient', () => {
  it('says "you are being transferred", with the new consultation, accessibly', async () => {
    const session = new FakeSession({ state: 'waiting', transferredTo: { id: 'c_two', title: 'Dr Two' } });
    const el = await fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${session}></vc-waiting-room>`);
    expect(words($(el, '[part="transferred"]')!)).to.equal('You are being transferred to Dr Two. Please wait.');
    await expect(el).to.be.accessible();
    session.set({ transferredTo: { id: 'c_three' }, queue: { position: 2 } });
    await el.updateComplete;
    expect(words($(el, '[part="status"]')!))
      .to.contain('You are being transferred. Please wait.')
      .and.contain('number 2');
    session.set({ transferredTo: undefined });
    await el.updateComplete;
    expect($(el, '[part="transferred"]')).to.equal(null);
  });

  it('speaks the page language (German)', async () => {
    const session = new FakeSession({ state: 'waiting', transferredTo: { id: 'c_two', title: 'Dr. Zwei' } });
    const el = await fixture<VcWaitingRoom>(html`<div lang="de"><vc-waiting-room .session=${session}></vc-waiting-room></div>`);
    const room = el.querySelector('vc-waiting-room') as VcWaitingRoom;
    await room.updateComplete;
    await new Promise((r) => setTimeout(r, 200));
    await room.updateComplete;
    expect(words($(room, '[part="transferred"]')!)).to.equal('Sie werden zu Dr. Zwei weitergeleitet. Bitte warten Sie.');
  });
});
