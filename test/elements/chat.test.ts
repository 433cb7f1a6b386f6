import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { ChatController, createHttpUploads, isPractitionerPeer, type ChatAttachment } from '../../src/session/chat.js';
import { LoopbackHub, createLoopbackTransports, type LoopbackTransport } from './helpers/loopback-transport.js';
import '../../src/components/chat/chat.js';
import type { VcChat } from '../../src/components/chat/chat.js';
import { silenceWarnings } from './helpers/console.js';

const ATTACHMENT_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

async function settle(hub: LoopbackHub, el?: VcChat): Promise<void> {
  await hub.flush();
  if (el) await el.updateComplete;
}

function shadow(el: VcChat): ShadowRoot {
  return el.shadowRoot!;
}

function messageItems(el: VcChat): HTMLElement[] {
  return [...shadow(el).querySelectorAll<HTMLElement>('li.message')];
}

function typeInto(el: VcChat, text: string): HTMLTextAreaElement {
  const input = shadow(el).querySelector('textarea')!;
  input.value = text;
  input.dispatchEvent(new Event('input'));
  return input;
}

function pressEnter(input: HTMLTextAreaElement, shiftKey = false): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key: 'Enter', shiftKey, bubbles: true, cancelable: true, composed: true });
  input.dispatchEvent(event);
  return event;
}

describe('ChatController', () => {
  it('delivers messages in order with sender identity and name from the transport', async () => {
    const [a, b] = createLoopbackTransports(2, ['Dr. Adams', 'Bea']);
    const practitioner = new ChatController(a!, { role: 'practitioner' });
    const patient = new ChatController(b!, { role: 'patient' });
    for (let i = 0; i < 10; i++) void practitioner.send(`message ${i}`);
    void patient.send('reply');
    await a!.hub.flush();
    const tenMessages = Array.from({ length: 10 }, (_, i) => `message ${i}`);
    // Each sees its own message at once, and everyone else's in the order they were sent.
    expect(patient.messages.map((m) => m.text)).to.deep.equal(['reply', ...tenMessages]);
    expect(practitioner.messages.map((m) => m.text)).to.deep.equal([...tenMessages, 'reply']);
    expect(patient.messages[1]).to.include({ from: 'p1', name: 'Dr. Adams' });
    expect(patient.messages[1]!.local).to.not.equal(true);
    expect(patient.messages[0]!.local).to.equal(true);
    expect(practitioner.messages[10]).to.include({ from: 'p2', name: 'Bea' });
  });

  it('counts length in characters, so a message full of emoji at the limit arrives', async () => {
    const [a, b] = createLoopbackTransports(2);
    new ChatController(a!, { role: 'patient', maxLength: 10 });
    const receiver = new ChatController(b!, { role: 'patient', maxLength: 10 });
    await new ChatController(a!, { role: 'patient', maxLength: 10 }).send('😀'.repeat(10));
    await a!.hub.flush();
    expect(receiver.messages.map((m) => m.text)).to.deep.equal(['😀'.repeat(10)]);
  });

  it('rejects local messages that are empty or too long', async () => {
    const [a] = createLoopbackTransports(1);
    const chat = new ChatController(a!, { role: 'patient', maxLength: 5 });
    await chat.send('12345');
    let error: unknown;
    try {
      await chat.send('123456');
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(RangeError);
    error = undefined;
    await chat.send('   ').catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(RangeError);
    expect(chat.messages).to.have.length(1);
  });

  it('drops garbage, oversize and wrong-typed messages without throwing', async () => {
    const hub = new LoopbackHub();
    const attacker = hub.join('mallory', 'Mallory');
    const victim = new ChatController(hub.join('victim', 'Victim'), { role: 'patient', maxLength: 20 });
    const quiet = silenceWarnings();
    try {
      const bad = [
        'not json',
        '{"type":"message"}',
        JSON.stringify({ type: 'message', id: 'x1', text: 42 }),
        JSON.stringify({ type: 'message', id: 'x2', text: 'a'.repeat(21) }),
        JSON.stringify({ type: 'message', id: '<script>', text: 'hi' }),
        JSON.stringify({ type: 'message', id: 'x3', text: '' }),
        JSON.stringify({
          type: 'message',
          id: 'x4',
          text: 'hi',
          attachment: { id: '../etc', name: 'a', type: 'text/html', size: 1, url: 'x' },
        }),
        JSON.stringify({ type: 'nope' }),
        JSON.stringify([1, 2, 3]),
        'null',
        'x'.repeat(1_000_000),
      ];
      for (const text of bad) await attacker.sendText('vc.chat', text);
      await attacker.sendText('vc.chat', JSON.stringify({ type: 'message', id: 'ok1', text: 'valid', from: 'spoofed', name: 'Spoofed' }));
      await hub.flush();
    } finally {
      quiet.restore();
    }
    expect(victim.messages.map((m) => m.text)).to.deep.equal(['valid']);
    expect(victim.messages[0]).to.include({ from: 'mallory', name: 'Mallory' });
    expect(quiet.warnings.length).to.be.at.least(11);
  });

  it('replays the conversation to a late joiner as history, from the practitioner only', async () => {
    const hub = new LoopbackHub();
    const practitioner = new ChatController(hub.join('doc', 'Dr. Adams'), { role: 'practitioner' });
    const first = new ChatController(hub.join('pat1', 'Pat One'), { role: 'patient' });
    await practitioner.send('hello');
    await hub.flush();
    await first.send('hi doctor');
    await hub.flush();
    await practitioner.send('how are you?');
    await hub.flush();

    const late = new ChatController(hub.join('pat2', 'Pat Two'), { role: 'patient' });
    await hub.flush();
    expect(late.messages.map((m) => m.text)).to.deep.equal(['hello', 'hi doctor', 'how are you?']);
    expect(late.messages.every((m) => m.history)).to.equal(true);
    expect(late.messages[1]).to.include({ from: 'pat1', name: 'Pat One' });
    // Patients never answer with history: only one copy arrived.
    expect(late.messages).to.have.length(3);

    await late.send('new here');
    await hub.flush();
    expect(late.messages.at(-1)).to.include({ text: 'new here', local: true });
    expect(late.messages.at(-1)!.history).to.equal(undefined);
    expect(first.messages.map((m) => m.text)).to.deep.equal(['hello', 'hi doctor', 'how are you?', 'new here']);
  });

  it('ignores history from a participant the host does not trust', async () => {
    const hub = new LoopbackHub();
    const mallory = hub.join('mallory');
    const victim = new ChatController(hub.join('victim'), {
      role: 'patient',
      isHistorySource: (peer) => peer.identity === 'doc',
    });
    const quiet = silenceWarnings();
    try {
      await mallory.sendText(
        'vc.chat',
        JSON.stringify({ type: 'history', messages: [{ id: 'f1', from: 'doc', name: 'Dr. Fake', text: 'take 10 pills', at: 1 }] }),
      );
      await hub.flush();
    } finally {
      quiet.restore();
    }
    expect(victim.messages).to.have.length(0);
  });

  it('takes history only from a practitioner identity when told to', async () => {
    const hub = new LoopbackHub();
    const practitioner = new ChatController(hub.join('practitioner-abc', 'Dr. Adams'), { role: 'practitioner' });
    await practitioner.send('real');
    const mallory = hub.join('patient-mallory');
    const quiet = silenceWarnings();
    try {
      const forged = { type: 'history', messages: [{ id: 'f1', from: 'practitioner-abc', name: 'Dr. Adams', text: 'forged', at: 0 }] };
      const victimTransport = hub.join('patient-victim');
      // Mallory's forged answer reaches the victim before the practitioner's real one.
      await mallory.sendText('vc.chat', JSON.stringify(forged), { to: ['patient-victim'] });
      const victim = new ChatController(victimTransport, { role: 'patient', isHistorySource: isPractitionerPeer });
      await hub.flush();
      expect(victim.messages.map((m) => m.text)).to.deep.equal(['real']);
    } finally {
      quiet.restore();
    }
  });

  it('gives a practitioner who reloaded the conversation back from the patients, own messages marked as theirs', async () => {
    const hub = new LoopbackHub();
    const doctorTransport = hub.join('practitioner-abc', 'Dr. Adams');
    const doctor = new ChatController(doctorTransport, { role: 'practitioner' });
    const patient = new ChatController(hub.join('patient-1', 'Pat'), {
      role: 'patient',
      isHistorySource: isPractitionerPeer,
      shareHistoryWith: isPractitionerPeer,
    });
    await doctor.send('hello');
    await hub.flush();
    await patient.send('my knee hurts');
    await hub.flush();
    doctor.dispose();
    doctorTransport.leave();
    // The reload: a new page, the same server-given identity, nothing in memory.
    const reloaded = new ChatController(hub.join('practitioner-abc', 'Dr. Adams'), { role: 'practitioner' });
    await hub.flush();
    expect(reloaded.messages.map((m) => m.text)).to.deep.equal(['hello', 'my knee hurts']);
    expect(reloaded.messages.every((m) => m.history)).to.equal(true);
    expect(reloaded.messages[0]).to.include({ from: 'practitioner-abc', local: true });
    expect(reloaded.messages[1]).to.include({ from: 'patient-1', name: 'Pat' });
    expect(reloaded.messages[1]!.local).to.equal(undefined);
    // The request and the join both made the patient answer: still one copy of each.
    expect(reloaded.messages).to.have.length(2);
  });

  it('a patient shares its copy only with those the host names, and a practitioner takes none unasked', async () => {
    const hub = new LoopbackHub();
    const doctor = new ChatController(hub.join('practitioner-abc', 'Dr. Adams'), { role: 'practitioner' });
    await doctor.send('real');
    await hub.flush();
    const other = new ChatController(hub.join('patient-2', 'Other'), { role: 'patient', isHistorySource: isPractitionerPeer });
    const mallory = hub.join('patient-mallory');
    const quiet = silenceWarnings();
    try {
      const forged = { type: 'history', messages: [{ id: 'f1', from: 'patient-2', name: 'Other', text: 'forged', at: 0 }] };
      await mallory.sendText('vc.chat', JSON.stringify(forged), { to: ['practitioner-abc'] });
      await mallory.sendText('vc.chat', JSON.stringify({ type: 'history-request' }));
      await hub.flush();
    } finally {
      quiet.restore();
    }
    // The doctor never asked (it has the conversation): the pushed history is dropped.
    expect(doctor.messages.map((m) => m.text)).to.deep.equal(['real']);
    // Mallory's request is answered by the practitioner only (whose history goes to every patient anyway).
    const toMallory = hub.packets.filter((p) => p.to?.includes('patient-mallory'));
    expect([...new Set(toMallory.map((p) => p.from))]).to.deep.equal(['practitioner-abc']);
    expect(other.messages.map((m) => m.text)).to.deep.equal(['real']);
  });

  it('keeps nothing anywhere but memory', async () => {
    const before = { local: localStorage.length, session: sessionStorage.length, cookie: document.cookie };
    const [a, b] = createLoopbackTransports(2);
    const chat = new ChatController(a!, { role: 'practitioner' });
    new ChatController(b!, { role: 'patient' });
    await chat.send('secret');
    await a!.hub.flush();
    expect({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }).to.deep.equal(before);
    // Only transported on the chat topic, never to a server.
    expect(a!.hub.packets.every((p) => p.topic === 'vc.chat')).to.equal(true);
  });
});

describe('createHttpUploads', () => {
  it('posts the raw file with the bearer token and downloads by id only', async () => {
    const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
    const fakeFetch = (async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      if (init?.method === 'POST') {
        return new Response(JSON.stringify({ id: ATTACHMENT_ID, name: 'rash.png', type: 'image/png', size: 3 }), { status: 201 });
      }
      return new Response(new Uint8Array([1, 2, 3]), { status: 200 });
    }) as typeof fetch;
    const uploads = createHttpUploads({ serverUrl: 'https://api.test/', room: 'room 1', token: () => 'jwt-1', fetch: fakeFetch });
    const attachment = await uploads.upload(new File([new Uint8Array([1, 2, 3])], 'rash näme.png', { type: 'image/png' }));
    expect(calls[0]!.url).to.equal('https://api.test/v1/rooms/room%201/uploads');
    const headers = calls[0]!.init!.headers as Record<string, string>;
    expect(headers.Authorization).to.equal('Bearer jwt-1');
    expect(headers['X-Filename']).to.equal(encodeURIComponent('rash näme.png'));
    expect(attachment).to.deep.equal({
      id: ATTACHMENT_ID,
      name: 'rash.png',
      type: 'image/png',
      size: 3,
      url: `https://api.test/v1/rooms/room%201/uploads/${ATTACHMENT_ID}`,
    });

    // A peer-supplied URL is ignored: the token only ever goes to our server.
    const blob = await uploads.download({ id: ATTACHMENT_ID, type: 'image/png', url: 'https://evil.test/steal' } as ChatAttachment);
    expect(calls[1]!.url).to.equal(`https://api.test/v1/rooms/room%201/uploads/${ATTACHMENT_ID}`);
    expect(blob.type).to.equal('image/png');
    expect(blob.size).to.equal(3);

    let refused: unknown;
    await uploads.upload(new File(['<html>'], 'page.html', { type: 'text/html' })).catch((e: unknown) => (refused = e));
    expect((refused as { status?: number }).status).to.equal(415);
    expect(calls).to.have.length(2);
  });
});

describe('<vc-chat>', () => {
  let transports: LoopbackTransport[];
  let practitioner: ChatController;
  let patient: ChatController;

  beforeEach(() => {
    transports = createLoopbackTransports(2, ['Dr. Adams', 'Bea']);
    practitioner = new ChatController(transports[0]!, { role: 'practitioner', maxLength: 50 });
    patient = new ChatController(transports[1]!, { role: 'patient', maxLength: 50 });
  });

  afterEach(() => {
    practitioner.dispose();
    patient.dispose();
  });

  it('renders messages in order with sender name and time', async () => {
    const el = await fixture<VcChat>(html`<vc-chat .chat=${patient}></vc-chat>`);
    await practitioner.send('first');
    await practitioner.send('second');
    await settle(transports[0]!.hub, el);
    const items = messageItems(el);
    expect(items.map((li) => li.querySelector('.text')!.textContent)).to.deep.equal(['first', 'second']);
    expect(items[0]!.querySelector('[part=name]')!.textContent).to.equal('Dr. Adams');
    const time = items[0]!.querySelector('time')!;
    expect(time.getAttribute('datetime')).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(time.textContent).to.match(/\d{1,2}.\d\d/);
    const log = shadow(el).querySelector('[role=log]')!;
    expect(log.getAttribute('aria-live')).to.equal('polite');
    expect(log.getAttribute('aria-label')).to.equal('Chat messages');
  });

  it('sends on Enter, inserts a newline on Shift+Enter', async () => {
    const el = await fixture<VcChat>(html`<vc-chat .chat=${patient}></vc-chat>`);
    const input = typeInto(el, 'line one');
    const shifted = pressEnter(input, true);
    expect(shifted.defaultPrevented).to.equal(false);
    expect(patient.messages).to.have.length(0);
    typeInto(el, 'line one\nline two');
    const sendRequest = oneEvent(el, 'vc-chat-send-request');
    const plain = pressEnter(input);
    expect(plain.defaultPrevented).to.equal(true);
    expect((await sendRequest).detail.text).to.equal('line one\nline two');
    await settle(transports[0]!.hub, el);
    expect(patient.messages.map((m) => m.text)).to.deep.equal(['line one\nline two']);
    expect(practitioner.messages.map((m) => m.text)).to.deep.equal(['line one\nline two']);
    expect(input.value).to.equal('');
    expect(messageItems(el)[0]!.querySelector('[part=name]')!.textContent).to.equal('You');
  });

  it('lets the host veto a send', async () => {
    const el = await fixture<VcChat>(html`<vc-chat .chat=${patient} @vc-chat-send-request=${(e: Event) => e.preventDefault()}></vc-chat>`);
    pressEnter(typeInto(el, 'vetoed'));
    await settle(transports[0]!.hub, el);
    expect(patient.messages).to.have.length(0);
  });

  it('shows a counter and refuses to send over the limit', async () => {
    const el = await fixture<VcChat>(html`<vc-chat .chat=${patient}></vc-chat>`);
    typeInto(el, 'hello');
    await el.updateComplete;
    const counter = shadow(el).querySelector('[part=counter] [aria-hidden]')!;
    expect(counter.textContent).to.equal('5/50');
    const input = typeInto(el, 'x'.repeat(51));
    await el.updateComplete;
    expect(counter.textContent).to.equal('51/50');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(shadow(el).querySelector<HTMLButtonElement>('[part=send-button]')!.disabled).to.equal(true);
    expect(shadow(el).querySelector('[role=alert]')!.textContent).to.contain('1 characters too long');
    pressEnter(input);
    await settle(transports[0]!.hub, el);
    expect(patient.messages).to.have.length(0);
    expect(input.value).to.equal('x'.repeat(51));
  });

  it('shows HTML and script in names and messages as typed text', async () => {
    const payloads = [
      '<img src=x onerror="window.__xss=1">',
      '<script>window.__xss=1</script>',
      '"><svg onload=window.__xss=1>',
      '<a href="javascript:window.__xss=1">x</a>',
      '{{constructor.constructor("window.__xss=1")()}}',
    ];
    const hub = new LoopbackHub();
    const evil = new ChatController(hub.join('evil', '<img src=x onerror="window.__xss=1"><b>Dr</b>'), { role: 'patient', maxLength: 200 });
    const me = new ChatController(hub.join('me', 'Me'), { role: 'practitioner', maxLength: 200 });
    const el = await fixture<VcChat>(html`<vc-chat .chat=${me}></vc-chat>`);
    for (const payload of payloads) await evil.send(payload);
    await settle(hub, el);
    const items = messageItems(el);
    expect(items).to.have.length(payloads.length);
    items.forEach((item, i) => {
      const text = item.querySelector('.text')!;
      expect(text.textContent).to.equal(payloads[i]);
      expect(text.querySelectorAll('*').length, `injected elements for ${payloads[i]}`).to.equal(0);
      const name = item.querySelector('[part=name]')!;
      expect(name.textContent).to.equal('<img src=x onerror="window.__xss=1"><b>Dr</b>');
      expect(name.children.length).to.equal(0);
    });
    expect(shadow(el).querySelectorAll('img, script, svg:not([aria-hidden]), b').length).to.equal(0);
    expect((window as { __xss?: number }).__xss).to.equal(undefined);
    evil.dispose();
    me.dispose();
  });

  it('shows links without fetching them, and only http(s) ones as links', async () => {
    const el = await fixture<VcChat>(html`<vc-chat .chat=${patient}></vc-chat>`);
    const requests: string[] = [];
    const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => requests.push(e.name)));
    observer.observe({ type: 'resource' });
    await practitioner.send('see https://example.invalid/i. or javascript:x');
    await settle(transports[0]!.hub, el);
    await new Promise((r) => setTimeout(r, 50));
    observer.disconnect();
    const text = messageItems(el)[0]!.querySelector('.text')!;
    const links = text.querySelectorAll('a');
    expect(links).to.have.length(1);
    expect(links[0]!.getAttribute('href')).to.equal('https://example.invalid/i');
    expect(links[0]!.getAttribute('rel')).to.contain('noreferrer');
    expect(text.textContent).to.equal('see https://example.invalid/i. or javascript:x');
    expect(requests.filter((r) => r.includes('example.invalid'))).to.deep.equal([]);
  });

  it('counts unread messages while collapsed and clears them on expand', async () => {
    const el = await fixture<VcChat>(html`<vc-chat .chat=${patient} collapsed></vc-chat>`);
    expect(shadow(el).querySelector('[part=badge]')).to.equal(null);
    await practitioner.send('one');
    await practitioner.send('two');
    await patient.send('mine does not count');
    await settle(transports[0]!.hub, el);
    const badge = shadow(el).querySelector('[part=badge]')!;
    expect(badge.textContent!.trim()).to.equal('2 unread');
    const toggle = shadow(el).querySelector<HTMLButtonElement>('[part=toggle]')!;
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    expect(shadow(el).querySelector<HTMLElement>('#body')!.hidden).to.equal(true);
    toggle.click();
    await el.updateComplete;
    expect(el.collapsed).to.equal(false);
    expect(el.unreadCount).to.equal(0);
    expect(shadow(el).querySelector('[part=badge]')).to.equal(null);
    await practitioner.send('three');
    await settle(transports[0]!.hub, el);
    expect(shadow(el).querySelector('[part=badge]')).to.equal(null);
  });

  it('marks history for a late joiner', async () => {
    await practitioner.send('before you came');
    await settle(transports[0]!.hub);
    const late = new ChatController(transports[0]!.hub.join('p3', 'Late'), { role: 'patient' });
    const el = await fixture<VcChat>(html`<vc-chat .chat=${late}></vc-chat>`);
    await settle(transports[0]!.hub, el);
    expect(shadow(el).querySelector('.divider')!.textContent).to.equal('Earlier messages');
    expect(messageItems(el)[0]!.classList.contains('history')).to.equal(true);
    await late.send('now');
    await settle(transports[0]!.hub, el);
    expect(messageItems(el).map((li) => li.classList.contains('history'))).to.deep.equal([true, false]);
    late.dispose();
  });

  it('uploads an attachment through the injected uploader and previews images', async () => {
    const uploaded: File[] = [];
    const png = await new Promise<Blob>((resolve) => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 2;
      canvas.toBlob((b) => resolve(b!), 'image/png');
    });
    const uploader = async (file: File): Promise<ChatAttachment> => {
      uploaded.push(file);
      return { id: ATTACHMENT_ID, name: file.name, type: 'image/png', size: file.size, url: `https://api.test/x/${ATTACHMENT_ID}` };
    };
    const fetched: string[] = [];
    const fetchAttachment = async (a: { id: string }) => (fetched.push(a.id), png);
    const receiver = await fixture<VcChat>(html`<vc-chat .chat=${practitioner} .fetchAttachment=${fetchAttachment}></vc-chat>`);
    const sender = await fixture<VcChat>(html`<vc-chat .chat=${patient} .uploader=${uploader}></vc-chat>`);
    const input = shadow(sender).querySelector<HTMLInputElement>('input[type=file]')!;
    expect(input.accept).to.equal('image/png,image/jpeg,application/pdf');
    const transfer = new DataTransfer();
    transfer.items.add(new File([png], 'rash.png', { type: 'image/png' }));
    input.files = transfer.files;
    input.dispatchEvent(new Event('change'));
    await settle(transports[0]!.hub, sender);
    await settle(transports[0]!.hub, receiver);
    await new Promise((r) => setTimeout(r, 20));
    await receiver.updateComplete;
    expect(uploaded.map((f) => f.name)).to.deep.equal(['rash.png']);
    expect(practitioner.messages[0]!.attachment).to.include({ id: ATTACHMENT_ID, name: 'rash.png' });
    expect(fetched).to.deep.equal([ATTACHMENT_ID]);
    const img = shadow(receiver).querySelector<HTMLImageElement>('[part=attachment] img')!;
    expect(img.src).to.match(/^blob:/);
    expect(img.alt).to.contain('rash.png');
  });

  it('has no attach button without an uploader', async () => {
    const el = await fixture<VcChat>(html`<vc-chat .chat=${patient}></vc-chat>`);
    expect(shadow(el).querySelector('[part=attach-button]')).to.equal(null);
  });

  for (const theme of ['dark', 'high-contrast'] as const) {
    it(`is accessible in the ${theme} theme`, async () => {
      await practitioner.send('hello');
      await settle(transports[0]!.hub);
      const el = await fixture<VcChat>(html`<vc-chat theme=${theme} .chat=${patient} collapsed></vc-chat>`);
      await practitioner.send('unread');
      await settle(transports[0]!.hub, el);
      expect(el.unreadCount).to.equal(1);
      await expect(el).to.be.accessible();
      el.collapsed = false;
      await el.updateComplete;
      await expect(el).to.be.accessible();
    });
  }

  it('is accessible, expanded and collapsed', async () => {
    await practitioner.send('hello https://example.invalid');
    await settle(transports[0]!.hub);
    const el = await fixture<VcChat>(html`<vc-chat .chat=${patient} .uploader=${async () => ({}) as ChatAttachment}></vc-chat>`);
    typeInto(el, 'x'.repeat(60));
    await el.updateComplete;
    await expect(el).to.be.accessible();
    el.collapsed = true;
    await el.updateComplete;
    await expect(el).to.be.accessible();
    const input = shadow(el).querySelector('textarea')!;
    expect(shadow(el).querySelector(`label[for=${input.id}]`)!.textContent).to.equal('Message');
  });
});
