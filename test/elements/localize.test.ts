import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/waiting-room/waiting-room.js';
import '../../src/components/chat/chat.js';
import '../../src/components/whiteboard/whiteboard.js';
import type { VcWaitingRoom } from '../../src/components/waiting-room/waiting-room.js';
import { loadLocale, pickLocale, SUPPORTED_LOCALES, translate } from '../../src/controllers/localize.js';
import { en as firstLoadEnglish } from '../../src/translations/en.js';
import { enQueue } from '../../src/translations/en-queue.js';
import { enWhiteboard } from '../../src/translations/en-whiteboard.js';
import { FakeSession } from './helpers/fake-session.js';
import { until } from './helpers/fake-server.js';

const REQUIRED = ['en', 'de', 'nl', 'fr', 'es', 'it', 'cs'];
/** All English: the first load's strings and those that come with the queue and the whiteboard. */
const en = { ...firstLoadEnglish, ...enQueue, ...enWhiteboard };

describe('translations', () => {
  // First in this file: nothing here has loaded the practitioner's queue yet (the whiteboard is imported above).
  it("adds the English of a part that loads later (the queue) when that part's module runs", async () => {
    expect(translate('en', 'q.title')).to.equal('q.title');
    await import('../../src/components/waiting-room/practitioner-queue.js');
    expect(translate('en', 'q.title')).to.equal('Waiting room');
    expect(translate('en', 'wb.pen')).to.equal('Pen');
  });

  it('ships every required locale', () => {
    expect([...SUPPORTED_LOCALES].sort()).to.deep.equal([...REQUIRED].sort());
  });

  for (const locale of REQUIRED) {
    it(`${locale} has exactly the English keys, each non-empty, with the same placeholders`, async () => {
      const table = (await loadLocale(locale)) as Record<string, string>;
      const missing = Object.keys(en).filter((key) => !(key in table));
      const extra = Object.keys(table).filter((key) => !(key in en));
      expect(missing, `${locale} lacks keys`).to.deep.equal([]);
      expect(extra, `${locale} has unknown keys`).to.deep.equal([]);
      for (const [key, english] of Object.entries(en)) {
        const value = table[key]!;
        expect(value.trim(), `${locale}.${key} is empty`).not.to.equal('');
        const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
        expect(placeholders(value), `${locale}.${key} placeholders`).to.deep.equal(placeholders(english));
      }
    });
  }

  it('picks the closest locale and falls back to English', async () => {
    await loadLocale('fr');
    expect(pickLocale('de-AT')).to.equal('de');
    expect(pickLocale('CS')).to.equal('cs');
    expect(pickLocale('pt-BR')).to.equal('en');
    expect(translate('fr', 'wr.position', { position: 3 })).to.equal('Vous êtes numéro 3 dans la file.');
  });
});

describe('lang resolution', () => {
  afterEach(() => document.documentElement.removeAttribute('lang'));

  it('follows lang on the element, then on ancestors, then on the document, and reacts to changes', async () => {
    const session = new FakeSession();
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="nl"><vc-waiting-room .session=${session}></vc-waiting-room></div>`);
    const el = wrapper.querySelector('vc-waiting-room') as VcWaitingRoom;
    const title = () => el.shadowRoot!.querySelector('h2')!.textContent;
    // A locale other than English arrives as its own chunk; the element re-renders when it is there.
    await until(() => title() === 'Neem deel aan uw consult');
    el.lang = 'it';
    await until(() => title() === 'Partecipa alla tua visita');
    el.removeAttribute('lang');
    wrapper.removeAttribute('lang');
    document.documentElement.lang = 'cs';
    await until(() => title() === 'Připojte se ke konzultaci');
  });
});

describe("the consultation's locale", () => {
  afterEach(() => document.documentElement.removeAttribute('lang'));

  it("a patient's UI speaks it over the portal's <html lang>, unless the host sets lang; a practitioner keeps theirs", async () => {
    document.documentElement.lang = 'en';
    const consultation = { id: 'c1', locale: 'de-CH', e2ee: false };
    const session = new FakeSession({ state: 'waiting', consultation });
    const wrapper = await fixture<HTMLDivElement>(html`<div><vc-waiting-room .session=${session}></vc-waiting-room></div>`);
    const el = wrapper.querySelector('vc-waiting-room') as VcWaitingRoom;
    const title = () => el.shadowRoot!.querySelector('h2')!.textContent;
    await until(() => title() === 'Bitte warten Sie, Sie werden gleich hereingelassen');
    // lang set by the host on an ancestor (or the element) wins over the consultation's.
    wrapper.lang = 'fr';
    await until(() => title() === 'Veuillez patienter, vous serez bientôt admis');
    wrapper.removeAttribute('lang');
    await until(() => title() === 'Bitte warten Sie, Sie werden gleich hereingelassen');
    // Known only once joined: before that (no consultation yet) the document's language.
    session.set({ consultation: undefined });
    await until(() => title() === 'Please wait, you will be let in shortly');

    const desk = new FakeSession({ role: 'practitioner', consultation, waitingPatients: [] });
    const queue = await fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${desk}></vc-waiting-room>`);
    await queue.updateComplete;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(queue.shadowRoot!.querySelector('h2')!.textContent).to.equal('Waiting room');
  });
});

describe('labels', () => {
  it('a host overrides a string by translation key the same way on every element, in any language, with placeholders', async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="de">
      <vc-waiting-room .session=${new FakeSession()} .labels=${{ 'wr.title': 'Willkommen, {who}' }}></vc-waiting-room>
      <vc-chat .labels=${{ 'chat.title': 'Nachrichten an die Praxis' }}></vc-chat>
      <vc-whiteboard .labels=${{ 'wb.summary': '{count} Dinge', 'wb.undo': null }}></vc-whiteboard>
    </div>`);
    const [room, chat, board] = ['vc-waiting-room', 'vc-chat', 'vc-whiteboard'].map((tag) => wrapper.querySelector(tag)!.shadowRoot!);
    await until(() => chat!.querySelector('#title')!.textContent === 'Nachrichten an die Praxis');
    // Placeholders of the override are filled like a translation's; unknown ones stay as typed.
    expect(room!.querySelector('h2')!.textContent).to.equal('Willkommen, {who}');
    expect(board!.querySelector('#summary')!.textContent).to.equal('0 Dinge');
    // An entry that is not a string (here null) falls back to the translation.
    await until(() => board!.querySelector('[data-action="undo"]')!.getAttribute('aria-label') === 'Rückgängig');
  });
});
