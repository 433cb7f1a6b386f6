import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { loadLocale } from '../../src/controllers/localize.js';
import { bufferText, collaborationFor } from '../../src/session/collaboration.js';
import { loadChat } from '../../src/components/chat/lazy.js';
import { LoopbackHub, type LoopbackTransport } from './helpers/loopback-transport.js';
import { ChatController, MAX_UPLOAD_BYTES, UploadError, createHttpUploads } from '../../src/session/chat.js';
import { TOPICS } from '../../src/session/data-transport.js';
import '../../src/components/chat/chat.js';
import '../../src/components/whiteboard/whiteboard.js';
import type { VcChat } from '../../src/components/chat/chat.js';
import type { VcWhiteboard } from '../../src/components/whiteboard/whiteboard.js';
import type { CallAccess } from '../../src/session/types.js';
import { FakeSession } from './helpers/fake-session.js';
import { until } from './helpers/fake-server.js';

/** A fake session in the call on a loopback room shared with `peer`. */
function inCall(role: 'patient' | 'practitioner' = 'patient'): {
  session: FakeSession & { callAccess(): CallAccess | undefined };
  me: LoopbackTransport;
  peer: LoopbackTransport;
  hub: LoopbackHub;
  access: { token: string };
} {
  const hub = new LoopbackHub();
  const me = hub.join(role === 'practitioner' ? 'practitioner-1' : 'patient-1', 'Me');
  const peer = hub.join(role === 'practitioner' ? 'patient-2' : 'practitioner-9', 'Peer');
  const access = { token: 'jwt-1' };
  const session = Object.assign(new FakeSession({ state: 'in-call', role, dataTransport: me }), {
    callAccess: () => ({ serverUrl: 'https://api.test', room: 'room-1', token: access.token }),
  });
  return { session, me, peer, hub, access };
}

describe('collaborationFor(session)', () => {
  it('is one object per session, with a chat as soon as the call has a data transport (and the chat code has loaded)', async () => {
    const session = new FakeSession({ state: 'waiting' });
    const collaboration = collaborationFor(session);
    expect(collaborationFor(session)).to.equal(collaboration);
    expect(collaborationFor(new FakeSession())).not.to.equal(collaboration);
    expect(collaboration.chat).to.equal(undefined);
    const hub = new LoopbackHub();
    const changed = oneEvent(collaboration, 'change');
    session.set({ state: 'in-call', dataTransport: hub.join('patient-1') });
    await changed;
    await until(() => !!collaboration.chat);
    expect(collaboration.chat!.role).to.equal('patient');
  });

  it('hands the chat messages that arrive before the chat code has loaded to the controller, in order', async () => {
    const hub = new LoopbackHub();
    const me = hub.join('patient-1', 'Pat');
    const doctor = hub.join('practitioner-1', 'Doc');
    const buffer = bufferText(me, TOPICS.chat);
    for (const text of ['one', 'two']) void doctor.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: text, text }));
    await hub.flush();
    const chat = new ChatController(buffer.transport, { role: 'patient' });
    void doctor.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: 'three', text: 'three' }));
    await hub.flush();
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['one', 'two', 'three']);
    // One subscription on the real transport the whole time: disposing the controller ends it.
    chat.dispose();
    void doctor.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: 'four', text: 'four' }));
    await hub.flush();
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['one', 'two', 'three']);
  });

  it('loadChat() defines <vc-chat> and resolves to the chat module (reachable from the single-file bundle)', async () => {
    const chat = await loadChat();
    expect(customElements.get('vc-chat')).to.equal(chat.VcChat);
    expect(new chat.UploadError(413, 'too large')).to.be.instanceOf(Error);
    expect(chat.ChatController).to.equal(ChatController);
    expect(await loadChat()).to.equal(chat);
  });

  it('carries what it held into the next room when the room changes before the chat code has loaded', async () => {
    const hub = new LoopbackHub();
    const me = hub.join('patient-1', 'Pat');
    const doctor = hub.join('practitioner-1', 'Doc');
    const first = bufferText(me, TOPICS.chat);
    void doctor.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: 'early', text: 'from the first room' }));
    await hub.flush();
    const hub2 = new LoopbackHub();
    const me2 = hub2.join('patient-1', 'Pat');
    const doctor2 = hub2.join('practitioner-1', 'Doc');
    const second = bufferText(me2, TOPICS.chat, first.dispose());
    void doctor2.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: 'later', text: 'from the second room' }));
    await hub2.flush();
    const chat = new ChatController(second.transport, { role: 'patient' });
    await hub2.flush();
    expect(chat.messages.map((m) => m.text)).to.deep.equal(['from the first room', 'from the second room']);
  });

  it('holds at most 1,000 messages for a chat whose code has not loaded (a flooding peer)', async () => {
    const hub = new LoopbackHub();
    const me = hub.join('patient-1', 'Pat');
    const doctor = hub.join('practitioner-1', 'Doc');
    const buffer = bufferText(me, TOPICS.chat);
    for (let i = 0; i < 1005; i++) void doctor.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: `m${i}`, text: `#${i}` }));
    await hub.flush();
    const held = buffer.dispose();
    expect(held.length).to.equal(1000);
    expect(held[999]![0]).to.contain('#999');
  });

  it('holds nothing once disposed before the chat code loaded (the room changed meanwhile)', async () => {
    const hub = new LoopbackHub();
    const me = hub.join('patient-1', 'Pat');
    const doctor = hub.join('practitioner-1', 'Doc');
    const buffer = bufferText(me, TOPICS.chat);
    buffer.dispose();
    void doctor.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: 'late', text: 'late' }));
    await hub.flush();
    const chat = new ChatController(buffer.transport, { role: 'patient' });
    await hub.flush();
    expect(chat.messages).to.deep.equal([]);
  });

  it('takes history only from practitioners, keeps the messages across a new room, and drops everything at the end', async () => {
    const { session, hub, peer } = inCall();
    const collaboration = collaborationFor(session);
    const intruder = hub.join('patient-7', 'Intruder');
    intruder.sendText(
      TOPICS.chat,
      JSON.stringify({ type: 'history', messages: [{ id: 'x1', from: 'practitioner-9', name: 'Fake', text: 'forged', at: 1 }] }),
    );
    peer.sendText(
      TOPICS.chat,
      JSON.stringify({ type: 'history', messages: [{ id: 'h1', from: 'practitioner-9', name: 'Peer', text: 'earlier', at: 1 }] }),
    );
    await hub.flush();
    expect(collaboration.chat!.messages.map((m) => m.text)).to.deep.equal(['earlier']);
    const before = collaboration.chat!;
    // A reconnect that brings a new room: a new controller on the new transport, same conversation.
    const hub2 = new LoopbackHub();
    session.set({ dataTransport: hub2.join('patient-1') });
    expect(collaboration.chat).to.exist.and.not.equal(before);
    expect(collaboration.chat!.messages.map((m) => m.text)).to.deep.equal(['earlier']);
    session.set({ state: 'ended' });
    expect(collaboration.chat).to.equal(undefined);
    expect(collaboration.whiteboard).to.equal(undefined);
  });

  it('notices a peer opening the board, opens its own sync on demand and keeps the document across a new room', async () => {
    const { session, hub, peer } = inCall();
    const collaboration = collaborationFor(session);
    let changes = 0;
    collaboration.addEventListener('change', () => (changes += 1));
    expect(collaboration.whiteboardActive).to.equal(false);
    await peer.sendBytes(TOPICS.whiteboard, new Uint8Array([0x57, 2, 0, 0, 0, 0, 0, 0, 0, 0]));
    await hub.flush();
    expect(collaboration.whiteboardActive).to.equal(true);
    expect(changes).to.be.greaterThan(0);
    expect(collaboration.whiteboard).to.equal(undefined);
    const sync = await collaboration.openWhiteboard();
    expect(sync).to.exist.and.equal(collaboration.whiteboard);
    expect(await collaboration.openWhiteboard()).to.equal(sync);
    sync!.addElement({ kind: 'pen', color: '#000000', size: 2, points: [0, 0, 10, 10] });
    const hub2 = new LoopbackHub();
    session.set({ dataTransport: hub2.join('patient-1') });
    await until(() => !!collaboration.whiteboard && collaboration.whiteboard !== sync, 'a sync on the new room');
    expect(collaboration.whiteboard!.doc).to.equal(sync!.doc);
    expect(collaboration.whiteboard!.elements()).to.have.length(1);
  });

  it('uploads with the participant’s current grant to the consultation’s server, and refuses what the server would', async () => {
    const { session, access } = inCall();
    const collaboration = collaborationFor(session);
    expect(collaboration.canShareFiles).to.equal(true);
    const original = window.fetch;
    const seen: Array<{ url: string; auth: string | null }> = [];
    window.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), auth: new Headers(init?.headers).get('authorization') });
      return new Response(JSON.stringify({ id: 'abc', name: 'a.png', type: 'image/png', size: 3 }), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    try {
      await collaboration.upload(new File([new Uint8Array(3)], 'a.png', { type: 'image/png' }));
      access.token = 'jwt-2'; // refreshed by the SFU
      await collaboration.fetchAttachment({ id: 'abc', type: 'image/png' });
    } finally {
      window.fetch = original;
    }
    expect(seen).to.deep.equal([
      { url: 'https://api.test/v1/rooms/room-1/uploads', auth: 'Bearer jwt-1' },
      { url: 'https://api.test/v1/rooms/room-1/uploads/abc', auth: 'Bearer jwt-2' },
    ]);
    expect(MAX_UPLOAD_BYTES).to.equal(10 * 1024 * 1024);
    let requests = 0;
    const { upload } = createHttpUploads({
      serverUrl: 'https://api.test',
      room: 'r',
      token: 't',
      fetch: (async () => (requests++, new Response())) as typeof fetch,
    });
    const big = new File([new Uint8Array(MAX_UPLOAD_BYTES + 1)], 'big.pdf', { type: 'application/pdf' });
    const error = await upload(big).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UploadError);
    expect((error as UploadError).status).to.equal(413);
    expect(requests).to.equal(0);
  });

  it('cannot share files outside the call or without a token server', async () => {
    const collaboration = collaborationFor(new FakeSession({ state: 'waiting' }));
    expect(collaboration.canShareFiles).to.equal(false);
    const error = await collaboration.upload(new File(['x'], 'a.png', { type: 'image/png' })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
  });
});

describe('<vc-chat> and <vc-whiteboard> on their own, bound to a session', () => {
  it('<vc-chat .session> shows and sends the session’s conversation, with the attach button, in the element’s language', async () => {
    await loadLocale('de'); // German is its own chunk; this test is about the binding
    const { session, hub, peer } = inCall();
    const el = await fixture<VcChat>(html`<vc-chat lang="de" .session=${session}></vc-chat>`);
    peer.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: 'm1', text: 'Hallo' }));
    await hub.flush();
    await el.updateComplete;
    const texts = [...el.shadowRoot!.querySelectorAll('li.message .text')].map((n) => n.textContent);
    expect(texts).to.deep.equal(['Hallo']);
    expect(el.shadowRoot!.querySelector('[part="send-button"]')!.textContent!.trim()).to.equal('Senden');
    expect(el.shadowRoot!.querySelector('[part="attach-button"]')!.getAttribute('aria-label')).to.equal('Bild oder PDF anhängen');
    const received: string[] = [];
    peer.onText(TOPICS.chat, (text) => received.push(JSON.parse(text).text));
    const input = el.shadowRoot!.querySelector('textarea')!;
    input.value = 'Danke';
    input.dispatchEvent(new Event('input'));
    await el.updateComplete;
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
    await hub.flush();
    expect(received).to.deep.equal(['Danke']);
    await expect(el).to.be.accessible();
  });

  it('<vc-chat session="id"> finds a consultation’s session by id', async () => {
    const { session, hub, peer } = inCall();
    const holder = Object.assign(document.createElement('div'), { id: 'consult-x' }) as HTMLDivElement & { session?: unknown };
    holder.session = session;
    document.body.append(holder);
    try {
      const el = await fixture<VcChat>(html`<vc-chat session="consult-x"></vc-chat>`);
      peer.sendText(TOPICS.chat, JSON.stringify({ type: 'message', id: 'm2', text: 'by id' }));
      await hub.flush();
      await el.updateComplete;
      expect([...el.shadowRoot!.querySelectorAll('li.message .text')].map((n) => n.textContent)).to.deep.equal(['by id']);
    } finally {
      holder.remove();
    }
  });

  it('<vc-whiteboard .session> starts the session’s board and shows a peer’s strokes; labels are translated', async () => {
    const { session, hub, peer } = inCall();
    await loadLocale('fr');
    const el = await fixture<VcWhiteboard>(html`<vc-whiteboard lang="fr" .session=${session}></vc-whiteboard>`);
    const collaboration = collaborationFor(session);
    await until(() => !!collaboration.whiteboard, 'the board sync');
    const { WhiteboardSync } = await import('../../src/session/whiteboard-sync.js');
    const other = new WhiteboardSync(peer, { role: 'practitioner' });
    other.addElement({ kind: 'pen', color: '#ff0000', size: 4, points: [1, 1, 30, 30] });
    await hub.flush();
    await el.updateComplete;
    expect(collaboration.whiteboard!.elements()).to.have.length(1);
    expect(el.shadowRoot!.querySelector('#summary')!.textContent).to.contain('Tableau blanc avec 1 éléments');
    expect(el.shadowRoot!.querySelector('[data-action="pen"]')!.getAttribute('aria-label')).to.equal('Stylo');
    other.destroy();
  });
});
