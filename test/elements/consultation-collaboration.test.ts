import { expect, fixture, html } from '@open-wc/testing';
import '../../src/index.js';
import type { VcConsultation } from '../../src/components/consultation/consultation.js';
import type { VcChat } from '../../src/components/chat/chat.js';
import { loadLocale } from '../../src/controllers/localize.js';
import { collaborationFor } from '../../src/session/collaboration.js';
import { TOPICS } from '../../src/session/data-transport.js';
import { type LoopbackTransport } from './helpers/loopback-transport.js';
import { FakeCallRoom } from './helpers/fake-call-room.js';
import { until } from './helpers/fake-server.js';

const ADMISSION = { livekitUrl: 'ws://sfu.test', token: 'lk', identity: 'practitioner-1' };

async function practitionerInCall(attributes = ''): Promise<{ el: VcConsultation; peer: LoopbackTransport }> {
  const parent = await fixture<HTMLDivElement>(html`<div></div>`);
  parent.innerHTML = `<vc-consultation role="practitioner" ${attributes}></vc-consultation>`;
  const el = parent.firstElementChild as VcConsultation;
  await el.updateComplete; // the role reaches the session on the first update
  el.session.configure({ grant: ADMISSION, createCallRoom: (callbacks) => new FakeCallRoom(callbacks) });
  await el.session.startPractitioner();
  await until(() => el.session.state === 'in-call');
  await until(() => !!collaborationFor(el.session).chat, 'the chat');
  await el.updateComplete;
  const hub = (FakeCallRoom.last!.transport as LoopbackTransport).hub;
  return { el, peer: hub.join('patient-5', 'Patient 1') };
}

function part(el: VcConsultation, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(`[part~="${name}"]`);
}

describe('<vc-consultation> chat and whiteboard', () => {
  afterEach(async () => {
    for (const el of document.querySelectorAll('vc-consultation')) await (el as VcConsultation).session.leave();
  });

  it('shows the session’s chat beside the call, live', async () => {
    const { el, peer } = await practitionerInCall();
    const chat = part(el, 'chat') as VcChat;
    expect(chat).to.exist;
    expect(chat.closest('[part="sidebar"]')).to.exist;
    await peer.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: 'm1', text: 'hello doctor' }));
    await (FakeCallRoom.last!.transport as LoopbackTransport).hub.flush();
    // <vc-chat> is defined when its chunk arrives (loadChat): until then it has no shadow root.
    await until(() => chat.shadowRoot?.querySelector('li.message .text')?.textContent === 'hello doctor', 'the message');
  });

  it('the chat button collapses the chat and counts unread messages; opening it again clears the count', async () => {
    await loadLocale('de'); // German is its own chunk; this test is about the unread count
    const { el, peer } = await practitionerInCall('lang="de"');
    const button = part(el, 'chat-button') as HTMLButtonElement;
    expect(button.getAttribute('aria-expanded')).to.equal('true');
    button.click();
    await el.updateComplete;
    const chat = part(el, 'chat') as VcChat;
    expect(chat.collapsed).to.equal(true);
    expect(button.getAttribute('aria-expanded')).to.equal('false');
    await peer.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: 'm2', text: 'are you there?' }));
    await until(() => (part(el, 'chat-button')?.textContent ?? '').includes('1'), 'the unread count');
    expect(part(el, 'chat-button')!.textContent!.trim()).to.equal('Chat, 1 ungelesen');
    // The chat's own header toggle and the button agree.
    (chat.shadowRoot!.querySelector('[part="toggle"]') as HTMLButtonElement).click();
    await el.updateComplete;
    expect(chat.collapsed).to.equal(false);
    expect(part(el, 'chat-button')!.getAttribute('aria-expanded')).to.equal('true');
    expect(part(el, 'chat-button')!.textContent!.trim()).to.equal('Chat');
  });

  it('the whiteboard button loads the board on demand and hides it again', async () => {
    const { el } = await practitionerInCall();
    expect(part(el, 'whiteboard')).to.equal(null);
    expect(collaborationFor(el.session).whiteboard).to.equal(undefined);
    const button = part(el, 'whiteboard-button') as HTMLButtonElement;
    expect(button.getAttribute('aria-pressed')).to.equal('false');
    button.click();
    await until(() => !!part(el, 'whiteboard'), 'the board');
    expect(customElements.get('vc-whiteboard')).to.exist;
    await until(() => !!collaborationFor(el.session).whiteboard, 'the sync');
    expect(part(el, 'whiteboard-button')!.getAttribute('aria-pressed')).to.equal('true');
    (part(el, 'whiteboard-button') as HTMLButtonElement).click();
    await el.updateComplete;
    expect(part(el, 'whiteboard')).to.equal(null);
    // Hidden, not gone: the board keeps syncing for a quick reopen.
    expect(collaborationFor(el.session).whiteboard).to.exist;
  });

  it('opens the board when another participant opens theirs, and drops chat and board on leaving', async () => {
    const { el, peer } = await practitionerInCall();
    expect(part(el, 'whiteboard')).to.equal(null);
    await peer.sendBytes(TOPICS.whiteboard, new Uint8Array([0x57, 2, 0, 0, 0, 0, 0, 0, 0, 0]));
    await until(() => !!part(el, 'whiteboard'), 'the board opened by the peer');
    const collaboration = collaborationFor(el.session);
    await until(() => !!collaboration.whiteboard, 'the sync');
    await el.session.leave();
    await el.updateComplete;
    expect(collaboration.chat).to.equal(undefined);
    expect(collaboration.whiteboard).to.equal(undefined);
    expect(part(el, 'whiteboard')).to.equal(null);
  });

  it('no-chat and no-whiteboard leave them out', async () => {
    const { el } = await practitionerInCall('no-chat no-whiteboard');
    expect(part(el, 'chat')).to.equal(null);
    expect(part(el, 'chat-button')).to.equal(null);
    expect(part(el, 'whiteboard-button')).to.equal(null);
  });

  it('is accessible in the call with the chat open', async () => {
    const { el } = await practitionerInCall();
    // `role="practitioner"` on the host is the element's documented attribute, not an ARIA role.
    await expect(el).to.be.accessible({ ignoredRules: ['aria-roles'] });
  });
});
