/**
 * Hostile input, in the browser: every reactive property and attribute of every element set to garbage, and
 * garbage fed into the data channels (chat, whiteboard) and the lobby stream parsers.
 *
 * Seeded and reproducible: the seed is printed; run with `?seed=` in the test page URL or change DEFAULT_SEED.
 * Nothing here may leave the machine: fetch and WebSocket are fenced to loopback for the whole file.
 */
import { expect, fixture } from '@open-wc/testing';
import type { LitElement } from 'lit';
import * as Y from 'yjs';
import '../../src/index.js';
import '../../src/components/call/call.js'; // loaded on demand by the SDK; here up front
import '../../src/components/whiteboard/whiteboard.js'; // loaded on demand by the SDK; here up front
import '../../src/chat.js'; // likewise
import type { VcConsultation } from '../../src/components/consultation/consultation.js';
import { ChatController, isPractitionerPeer } from '../../src/session/chat.js';
import { MAX_RELIABLE_PACKET_BYTES, TOPICS } from '../../src/session/data-transport.js';
import { LoopbackHub, type LoopbackTransport } from './helpers/loopback-transport.js';
import { LobbyStream } from '../../src/session/lobby-client.js';
import { parseAdmission, parseMessage, parsePatients, parseQueue } from '../../src/session/lobby-events.js';
import { MAX_SSE_LINE, SseParser, type SseEvent } from '../../src/session/sse.js';
import { WhiteboardSync, validElement } from '../../src/session/whiteboard-sync.js';
import { encodeFrame, type MessageKind } from '../../src/session/whiteboard-protocol.js';
import { mulberry32 } from '../support/random.js';
import { silenceWarnings } from './helpers/console.js';

const DEFAULT_SEED = 20261123;
const SEED = Number(new URLSearchParams(location.search).get('seed')) || DEFAULT_SEED;

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
  string(max: number): string {
    return String.fromCharCode(...Array.from({ length: this.int(max + 1) }, () => this.int(0x10000)));
  }
}

// ------------------------------------------------------------------ fences and observers
const originalFetch = window.fetch;
const OriginalWebSocket = window.WebSocket;
const isLoopback = (url: string): boolean => {
  try {
    const u = new URL(url, location.href);
    return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || u.protocol === 'data:' || u.protocol === 'blob:';
  } catch {
    return true; // not a URL at all: fetch itself will refuse it
  }
};

const uncaught: string[] = [];
const onError = (e: ErrorEvent): void => void uncaught.push(`error: ${e.message}`);
const onRejection = (e: PromiseRejectionEvent): void =>
  void uncaught.push(`unhandledrejection: ${String((e.reason as Error)?.stack ?? e.reason)}`);

/**
 * HandlerSet and the transport log "… threw:" when a listener throws instead of dropping the input: such a
 * warning means validation let something through.
 */
const threw = (lines: string[]): string[] => lines.filter((l) => /\bthrew\b/.test(l));

before(() => {
  console.log(`[hostile-input] seed ${SEED}`);
  window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!isLoopback(url)) return Promise.reject(new TypeError(`test fence: no request to ${url}`));
    return originalFetch(input, init);
  };
  window.WebSocket = class extends OriginalWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      if (!isLoopback(String(url))) throw new DOMException(`test fence: no WebSocket to ${String(url)}`, 'SecurityError');
      super(url, protocols);
    }
  } as typeof WebSocket;
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
});
after(() => {
  window.fetch = originalFetch;
  window.WebSocket = OriginalWebSocket;
  window.removeEventListener('error', onError);
  window.removeEventListener('unhandledrejection', onRejection);
});

// ------------------------------------------------------------------ garbage
const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';

function garbageValues(rng: Rng): unknown[] {
  return [
    '',
    ' ',
    'x'.repeat(100_000),
    XSS,
    '"><svg onload="window.__pwned=1">',
    'javascript:window.__pwned=1',
    'data:text/html,<script>window.__pwned=1</script>',
    'http://127.0.0.1:9/',
    'ws://127.0.0.1:9',
    '\u0000',
    '\u202Eevil',
    '👩‍⚕️🩺'.repeat(50),
    '\uD800',
    'مرحبا',
    'true',
    'null',
    '0',
    '-1',
    rng.string(40),
    0,
    -1,
    1.5,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_SAFE_INTEGER,
    true,
    false,
    null,
    undefined,
    {},
    [],
    [1, 'two', null],
    { toString: () => 'an object' },
    { title: 42, toolbar: {}, send: null, placeholder: ['x'] }, // wrong-typed entries of a labels object
    { then: (resolve: (v: unknown) => void) => resolve(1) },
    () => undefined,
    new Date(NaN),
  ];
}

function attributeValues(rng: Rng): string[] {
  return garbageValues(rng).filter((v): v is string => typeof v === 'string');
}

const TAGS = ['vc-consultation', 'vc-waiting-room', 'vc-device-check', 'vc-call', 'vc-chat', 'vc-whiteboard'] as const;

type LitCtor = typeof LitElement & { elementProperties: Map<PropertyKey, { attribute?: string | boolean; state?: boolean }> };

function attributeName(name: PropertyKey, options: { attribute?: string | boolean }): string | undefined {
  if (options.attribute === false) return undefined;
  if (typeof options.attribute === 'string') return options.attribute;
  return typeof name === 'string' ? name.toLowerCase() : undefined;
}

async function settled(el: LitElement, problems: string[], what: string): Promise<void> {
  try {
    await Promise.race([el.updateComplete, new Promise((r) => setTimeout(r, 2000))]);
  } catch (error) {
    problems.push(`${what}: update threw ${String(error)}`);
  }
}

function renders(el: LitElement): boolean {
  const root = el.shadowRoot;
  return !!root && (root.querySelector('[part~="base"]') !== null || root.childElementCount > 0);
}

function injected(el: Element): string[] {
  const found: string[] = [];
  const walk = (root: ShadowRoot | null | undefined): void => {
    if (!root) return;
    for (const node of root.querySelectorAll('*')) {
      if (node.localName === 'script') found.push('a <script> element');
      for (const attr of node.getAttributeNames()) if (attr.startsWith('on')) found.push(`<${node.localName} ${attr}>`);
      if (node.localName === 'img' && node.getAttribute('src') === 'x') found.push('<img src=x>');
      walk(node.shadowRoot);
    }
  };
  walk(el.shadowRoot);
  return found;
}

describe('hostile input: element attributes and properties', () => {
  for (const tag of TAGS) {
    it(`<${tag}>: garbage in every property and attribute → no uncaught error, still renders, vc-error codes are stable`, async function () {
      this.timeout(60_000);
      const rng = new Rng(SEED ^ (tag.length * 7919));
      const quiet = silenceWarnings();
      const problems: string[] = [];
      const errors: Array<{ code: unknown; message: unknown }> = [];
      const before = uncaught.length;
      try {
        const el = await fixture<LitElement>(`<${tag}></${tag}>`);
        el.addEventListener('vc-error', (e) => void errors.push((e as CustomEvent<{ code: unknown; message: unknown }>).detail));
        if (tag === 'vc-consultation') {
          // Its session talks to nothing: every request is refused.
          (el as unknown as VcConsultation).session.configure({ fetch: () => Promise.reject(new TypeError('offline (test)')) });
        }
        const ctor = customElements.get(tag) as unknown as LitCtor;
        const properties = [...ctor.elementProperties].filter(([, options]) => !options.state);
        expect(properties.length, 'reactive properties found').to.be.greaterThan(1);
        for (const [name, options] of properties) {
          for (const value of garbageValues(rng)) {
            try {
              (el as unknown as Record<PropertyKey, unknown>)[name] = value;
            } catch (error) {
              problems.push(`${String(name)} = ${String(value).slice(0, 40)}: setter threw ${String(error)}`);
            }
            await settled(el, problems, `${String(name)} = ${String(value).slice(0, 40)}`);
          }
          const attribute = attributeName(name, options);
          if (!attribute) continue;
          for (const value of attributeValues(rng)) {
            el.setAttribute(attribute, value);
            await settled(el, problems, `${attribute}="${value.slice(0, 40)}"`);
          }
          el.removeAttribute(attribute);
          await settled(el, problems, `removed ${attribute}`);
        }
        // Moving the element around with garbage in it.
        const parent = el.parentElement!;
        el.remove();
        parent.append(el);
        await settled(el, problems, 're-attached');
        expect(renders(el), 'still renders').to.equal(true);
        expect(injected(el), 'markup from values').to.deep.equal([]);
        expect((window as { __pwned?: unknown }).__pwned, 'a value ran script').to.equal(undefined);
        for (const e of errors) {
          expect(e.code, 'vc-error code')
            .to.be.a('string')
            .and.match(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
          expect(e.message, 'vc-error message').to.be.a('string').and.not.equal('');
        }
        if (tag === 'vc-consultation') await (el as unknown as VcConsultation).session.leave().catch(() => undefined);
        el.remove();
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        quiet.restore();
      }
      expect(problems, 'problems').to.deep.equal([]);
      expect(uncaught.slice(before), 'uncaught errors').to.deep.equal([]);
      expect(threw(quiet.warnings), 'handlers that threw').to.deep.equal([]);
    });
  }

  it('garbage attributes in the page markup (present before the element upgrades) → renders, nothing injected', async () => {
    const rng = new Rng(SEED + 5);
    for (const tag of TAGS) {
      const ctor = customElements.get(tag) as unknown as LitCtor;
      const names = [...ctor.elementProperties].flatMap(([name, options]) =>
        options.state ? [] : [attributeName(name, options)].filter((a): a is string => !!a),
      );
      const escape = (v: string): string => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
      const markup = `<${tag} ${names.map((n) => `${n}="${escape(rng.pick(attributeValues(rng)))}"`).join(' ')}></${tag}>`;
      const before = uncaught.length;
      const host = document.createElement('div');
      host.innerHTML = markup; // parsed into an upgraded element straight away: attributeChangedCallback first
      const el = host.firstElementChild as LitElement;
      if (tag === 'vc-consultation')
        (el as unknown as VcConsultation).session.configure({ fetch: () => Promise.reject(new TypeError('offline (test)')) });
      document.body.append(host);
      await el.updateComplete;
      await new Promise((r) => setTimeout(r, 0));
      expect(uncaught.slice(before), `${tag}: uncaught`).to.deep.equal([]);
      expect(renders(el), `${tag} renders`).to.equal(true);
      expect(injected(el), `${tag}: markup from values`).to.deep.equal([]);
      if (tag === 'vc-consultation') await (el as unknown as VcConsultation).session.leave().catch(() => undefined);
      host.remove();
    }
    expect((window as { __pwned?: unknown }).__pwned).to.equal(undefined);
  });

  it('invalid values of validated attributes produce vc-error invalid_attribute and the element keeps its default', async () => {
    const cases: Array<[string, string, string]> = [
      ['vc-call', 'theme', 'purple'],
      ['vc-call', 'self-view-position', 'middle'],
      ['vc-waiting-room', 'mode', 'lounge'],
      ['vc-whiteboard', 'tool', 'flamethrower'],
      ['vc-device-check', 'livekit-url', 'javascript:alert(1)'],
      ['vc-consultation', 'server-url', 'ftp://127.0.0.1/'],
      ['vc-consultation', 'livekit-url', XSS],
      ['vc-consultation', 'role', 'admin'],
    ];
    for (const [tag, attribute, value] of cases) {
      const el = await fixture<LitElement>(`<${tag}></${tag}>`);
      if (tag === 'vc-consultation')
        (el as unknown as VcConsultation).session.configure({ fetch: () => Promise.reject(new TypeError('offline (test)')) });
      const errors: Array<{ code: string; message: string }> = [];
      el.addEventListener('vc-error', (e) => void errors.push((e as CustomEvent<{ code: string; message: string }>).detail));
      el.setAttribute(attribute, value);
      await el.updateComplete;
      await el.updateComplete;
      expect(
        errors.map((e) => e.code),
        `<${tag} ${attribute}="${value}">`,
      ).to.include('invalid_attribute');
      expect(renders(el)).to.equal(true);
      if (attribute === 'theme') expect((el as unknown as { theme: string }).theme).to.equal('light');
      if (attribute === 'role') expect((el as unknown as { role: string }).role).to.equal('patient');
      el.remove();
    }
  });
});

// ------------------------------------------------------------------ data channels
/** A forged whiteboard frame (kinds unknown to the protocol included). */
const frame = (kind: number, id: number, index: number, count: number, payload: Uint8Array): Uint8Array =>
  encodeFrame(kind as MessageKind, id, index, count, payload);

/** Sends anything at all, as the loopback would carry it (it does not check types: that is the point). */
function sendRaw(t: LoopbackTransport, kind: 'text' | 'bytes' | 'lossy', topic: string, payload: unknown): Promise<void> {
  try {
    const send = kind === 'text' ? t.sendText : kind === 'bytes' ? t.sendBytes : t.sendLossy;
    return Promise.resolve((send as (topic: string, p: unknown) => unknown)(topic, payload)).then(
      () => undefined,
      () => undefined,
    );
  } catch {
    return Promise.resolve(); // the transport refused it (oversize), like LiveKit would
  }
}

const snapshot = (chat: ChatController): string => JSON.stringify(chat.messages);

describe('hostile input: data channels', () => {
  it('chat: garbage, oversize, wrong-typed and forged messages leave the message lists unchanged; honest chat still works', async function () {
    this.timeout(30_000);
    const rng = new Rng(SEED + 1);
    const quiet = silenceWarnings();
    try {
      const hub = new LoopbackHub(1024 * 1024); // lets oversize payloads reach the receiver
      const [doctor, patient, mallory] = [
        hub.join('practitioner-1', 'Dr. A'),
        hub.join('patient-1', 'Pat'),
        hub.join('patient-2', 'Mallory'),
      ];
      // As the session configures them (collaboration.ts): history only from practitioners.
      const doctorChat = new ChatController(doctor!, { role: 'practitioner', isHistorySource: isPractitionerPeer });
      const patientChat = new ChatController(patient!, { role: 'patient', isHistorySource: isPractitionerPeer });
      await doctorChat.send('Hello');
      await patientChat.send('Hi doctor');
      await hub.flush();
      expect(doctorChat.messages.length).to.equal(2);
      const before = [snapshot(doctorChat), snapshot(patientChat)];

      const long = 'x'.repeat(2001);
      const invalid: unknown[] = [
        '',
        'null',
        '[]',
        '42',
        '"message"',
        '{',
        '{"type":"message"}',
        '{"type":"message","id":"ok","text":42}',
        '{"type":"message","id":"has spaces","text":"hi"}',
        `{"type":"message","id":"${'a'.repeat(65)}","text":"hi"}`,
        `{"type":"message","id":"long","text":"${long}"}`,
        '{"type":"message","id":"empty","text":"   "}',
        '{"type":"message","id":"att","text":"","attachment":{"id":"../../etc","name":"x","type":"text/html","size":1,"url":"javascript:alert(1)"}}',
        '{"type":"message","id":"neg","text":"","attachment":{"id":"a","name":"x","type":"image/png","size":-1,"url":""}}',
        '{"type":"history","messages":[{"id":"h1","from":"practitioner-1","name":"Dr. A","text":"forged by a patient","at":0}]}',
        '{"type":"history","messages":"all of them"}',
        '{"type":"HISTORY","messages":[]}',
        '{"type":"message","id":"proto","text":"x","__proto__":{"polluted":true}}'.replace('"text":"x",', ''),
        '{"type":"constructor"}',
        '{"type":"history"' + ' '.repeat(3_000_000),
        `{"type":"message","id":"deep","text":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        '{"type":"message","id":"nan","text":"x","attachment":{"id":"a","name":"x","type":"image/png","size":1e999,"url":""}}',
        new Uint8Array([123, 125]), // bytes where text is expected
        [1, 2, 3],
        12345,
        null,
        { type: 'message', id: 'obj', text: 'an object, not text' },
      ];
      for (let i = 0; i < 200; i++) invalid.push(rng.string(200));
      for (let i = 0; i < 50; i++) invalid.push(new TextDecoder().decode(rng.bytes(300)));
      for (const payload of invalid) await sendRaw(mallory!, 'text', TOPICS.chat, payload);
      // Wrong channel kinds on the chat topic.
      await sendRaw(mallory!, 'bytes', TOPICS.chat, rng.bytes(100));
      await sendRaw(mallory!, 'lossy', TOPICS.chat, rng.bytes(100));
      await hub.flush();
      expect([snapshot(doctorChat), snapshot(patientChat)], 'message lists after garbage').to.deep.equal(before);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);

      // Duplicates of a real message id (a replay) and out-of-order history are ignored, not applied twice.
      const [first] = doctorChat.messages;
      await sendRaw(mallory!, 'text', TOPICS.chat, JSON.stringify({ type: 'message', id: first!.id, text: 'replayed' }));
      await hub.flush();
      expect(doctorChat.messages.map((m) => m.text)).to.deep.equal(['Hello', 'Hi doctor']);

      await patientChat.send('Still here');
      await hub.flush();
      expect(doctorChat.messages.map((m) => m.text)).to.deep.equal(['Hello', 'Hi doctor', 'Still here']);
      // The patient saw its own message before the doctor's arrived: its own order, same conversation.
      expect(patientChat.messages.map((m) => m.text)).to.deep.equal(['Hi doctor', 'Hello', 'Still here']);
      expect(threw(quiet.warnings), 'handlers that threw').to.deep.equal([]);
      expect(
        quiet.warnings.some((l) => l.includes('dropped a chat message')),
        'drops are logged with a reason',
      ).to.equal(true);
      doctorChat.dispose();
      patientChat.dispose();
    } finally {
      quiet.restore();
    }
  });

  it('whiteboard: random, truncated, oversize, out-of-order and wrong-typed frames change nothing; honest peers still converge', async function () {
    this.timeout(30_000);
    const rng = new Rng(SEED + 2);
    const quiet = silenceWarnings();
    try {
      const hub = new LoopbackHub(MAX_RELIABLE_PACKET_BYTES * 4);
      const [a, b, mallory] = [hub.join('practitioner-1'), hub.join('patient-1'), hub.join('patient-2')];
      const boardA = new WhiteboardSync(a!, { role: 'practitioner' });
      const boardB = new WhiteboardSync(b!, { role: 'patient' });
      boardA.addElement({ kind: 'pen', color: '#112233', size: 3, points: [0, 0, 10, 10] });
      boardB.addElement({ kind: 'rect', color: '#445566', size: 2, points: [5, 5, 50, 50] });
      await hub.flush();
      const elements = (s: WhiteboardSync): string => JSON.stringify(s.elements());
      expect(boardA.elements().length).to.equal(2);
      const before = elements(boardA);
      expect(elements(boardB)).to.equal(before);

      const topic = TOPICS.whiteboard;
      // Random bytes and truncated frames.
      for (let i = 0; i < 200; i++) await sendRaw(mallory!, 'bytes', topic, rng.bytes(rng.int(64)));
      // Well-formed headers around random payloads, every kind, plausible and absurd chunk numbering.
      for (let i = 0; i < 300; i++) {
        const count = rng.pick([1, 1, 2, 3, 2048, 2049, 0, 65535]);
        await sendRaw(
          mallory!,
          'bytes',
          topic,
          frame(rng.pick([0, 1, 2, 3, 4, 255]), rng.int(2 ** 32), rng.int(Math.max(count, 1) + 1), count, rng.bytes(rng.int(200))),
        );
      }
      // Out of order and inconsistent chunks of one message, duplicated chunks, then never the last one.
      await sendRaw(mallory!, 'bytes', topic, frame(1, 7, 2, 3, rng.bytes(10)));
      await sendRaw(mallory!, 'bytes', topic, frame(1, 7, 2, 3, rng.bytes(10)));
      await sendRaw(mallory!, 'bytes', topic, frame(1, 7, 0, 4, rng.bytes(10)));
      await sendRaw(mallory!, 'bytes', topic, frame(2, 8, 1, 2, rng.bytes(10)));
      await sendRaw(mallory!, 'bytes', topic, frame(3, 8, 0, 2, rng.bytes(10)));
      // Many unfinished messages (the reassembly buffer is bounded per peer).
      for (let id = 100; id < 200; id++) await sendRaw(mallory!, 'bytes', topic, frame(1, id, 0, 2048, rng.bytes(100)));
      // Oversize frames (larger than LiveKit carries) and wrong types.
      await sendRaw(mallory!, 'bytes', topic, frame(1, 9, 0, 1, new Uint8Array(MAX_RELIABLE_PACKET_BYTES * 2)));
      for (const wrong of ['a string', 42, null, { 0: 0x57 }, [0x57, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0], new Uint16Array(20)]) {
        await sendRaw(mallory!, 'bytes', topic, wrong);
      }
      // Cursors: garbage JSON, absurd numbers, oversize.
      for (const cursor of [
        '{',
        '{"x":1e999,"y":0,"laser":true,"color":"#000000"}',
        '{"x":"1","y":0,"laser":1,"color":"red"}',
        '{"hidden":false}',
        'x'.repeat(5000),
      ]) {
        await sendRaw(mallory!, 'lossy', TOPICS.whiteboardCursor, new TextEncoder().encode(cursor));
      }
      await sendRaw(mallory!, 'lossy', TOPICS.whiteboardCursor, rng.bytes(100));
      await sendRaw(mallory!, 'text', topic, 'text on the bytes topic');
      await hub.flush();
      expect(elements(boardA), 'board A after garbage').to.equal(before);
      expect(elements(boardB), 'board B after garbage').to.equal(before);
      for (const cursor of [...boardA.cursors(), ...boardB.cursors()]) {
        expect(Number.isFinite(cursor.x) && Number.isFinite(cursor.y)).to.equal(true);
      }

      // A well-formed Yjs update with garbage content: the board shows only valid elements.
      const evil = new Y.Doc();
      Y.applyUpdate(evil, Y.encodeStateAsUpdate(boardA.doc));
      const array = evil.getArray<unknown>('elements');
      array.push(['a string', 42, null, { id: 'x', kind: 'nuke', author: 'm', color: 'red', size: 1e9, points: [] }]);
      const bad = new Y.Map<unknown>();
      bad.set('id', 'bad-points');
      bad.set('kind', 'pen');
      bad.set('points', [1, 2, 3]);
      array.push([bad]);
      evil.getMap('meta').set('background', { id: '../../x', name: XSS, type: 'text/html', page: -1 });
      const update = Y.encodeStateAsUpdate(evil, Y.encodeStateVector(boardA.doc));
      await sendRaw(mallory!, 'bytes', topic, frame(1, 1234, 0, 1, update));
      await hub.flush();
      for (const board of [boardA, boardB]) {
        for (const el of board.elements()) expect(validElement(el), JSON.stringify(el)).to.not.equal(undefined);
        expect(board.elements().length).to.equal(2);
        const background = board.background();
        expect(background === undefined || background.type !== ('text/html' as never)).to.equal(true);
      }

      // The two honest peers still converge.
      boardA.addElement({ kind: 'text', color: '#000000', size: 12, points: [1, 1], text: 'after the storm' });
      boardB.addElement({ kind: 'line', color: '#ff0000', size: 1, points: [0, 0, 1, 1] });
      await hub.flush();
      expect(boardA.elements().length).to.equal(4);
      expect(elements(boardB)).to.equal(elements(boardA));
      expect(Y.encodeStateVector(boardA.doc)).to.deep.equal(Y.encodeStateVector(boardB.doc));
      expect(threw(quiet.warnings), 'handlers that threw').to.deep.equal([]);
      expect(
        quiet.warnings.some((l) => l.includes('dropped whiteboard data')),
        'drops are logged with a reason',
      ).to.equal(true);
      boardA.destroy();
      boardB.destroy();
    } finally {
      quiet.restore();
    }
  });

  it('SSE parser: any split of any input yields the same events as the whole; nothing throws', () => {
    const rng = new Rng(SEED + 3);
    const pieces = [
      'event: queue\n',
      'data: {"position":1}\n',
      '\n',
      '\r\n',
      '\r',
      ': ping\n',
      'id: 7\n',
      'id: a\u0000b\n',
      'data\n',
      'retry: x\n',
      'event:\n',
      'data:  two spaces\n',
      'data: \uD800\n',
      '\u2028\n',
      'x'.repeat(1000),
      '::\n',
      'event: admitted\r\ndata: {}\r\n\r\n',
    ];
    const events = (parser: SseParser, chunks: string[]): SseEvent[] => chunks.flatMap((c) => parser.push(c));
    for (let round = 0; round < 300; round++) {
      const text = Array.from({ length: 1 + rng.int(30) }, () => (rng.int(5) === 0 ? rng.string(20) : rng.pick(pieces))).join('');
      const whole = events(new SseParser(), [text]);
      const chunks: string[] = [];
      for (let i = 0; i < text.length;) {
        const n = 1 + rng.int(8);
        chunks.push(text.slice(i, i + n));
        i += n;
      }
      expect(events(new SseParser(), chunks), JSON.stringify(text)).to.deep.equal(whole);
      for (const e of whole) {
        expect(e.event).to.be.a('string');
        expect(e.data).to.be.a('string');
        if (e.id !== undefined) expect(e.id.includes('\0')).to.equal(false);
      }
    }
  });

  it('lobby stream: garbage bytes and garbage event data reach the session as objects only; the parsers never throw', async function () {
    this.timeout(20_000);
    const rng = new Rng(SEED + 4);
    const quiet = silenceWarnings();
    try {
      const encoder = new TextEncoder();
      const chunks: Uint8Array[] = [
        encoder.encode(': connected\n\nevent: queue\ndata: {"position":2}\n\n'),
        rng.bytes(500),
        new Uint8Array([0xff, 0xfe, 0x00, 0xc3]), // invalid UTF-8, a truncated sequence
        encoder.encode(
          'event: queue\ndata: null\n\nevent: queue\ndata: [1]\n\nevent: queue\ndata: "x"\n\nevent: queue\ndata: {"position":\n\n',
        ),
        encoder.encode('event: nonsense\ndata: {}\n\nevent: admitted\ndata: {"livekitUrl":"javascript:alert(1)","token":""}\n\n'),
        encoder.encode(`event: message\ndata: {"text":${JSON.stringify('x'.repeat(200_000))}}\n\n`),
        encoder.encode('event: queue\ndata: {"position":1.5}\n\nevent: queue\ndata: {"position":-3,"estimatedWaitSeconds":"soon"}\n\n'),
        encoder.encode(
          'event: queue\ndata: {"patients":[null,1,{"ticketId":""},{"ticketId":"t","name":"n","waitingSince":"w","deviceCheck":{"verdict":"maybe"}}]}\n\n',
        ),
        encoder.encode('event: queue\r\ndata: {"position":1}\r\n\r\n'),
      ];
      const received: Array<{ type: string; data: unknown }> = [];
      const stream = new LobbyStream({
        url: 'http://127.0.0.1:9/v1/lobby/events',
        token: 'T',
        eventTypes: ['queue', 'message', 'admitted', 'declined', 'ended', 'error'],
        onEvent: (type, data) => void received.push({ type, data }),
        onFatal: () => undefined,
        backoff: [60_000],
        fetch: async () =>
          new Response(
            new ReadableStream<Uint8Array>({
              start(controller) {
                for (const c of chunks) controller.enqueue(c);
                controller.close();
              },
            }),
            { status: 200, headers: { 'content-type': 'text/event-stream' } },
          ),
      });
      stream.open();
      for (let i = 0; i < 50 && !received.some((r) => r.type === 'queue' && (r.data as { position?: number }).position === 1); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      stream.close();
      expect(received.length).to.be.greaterThan(2);
      for (const { data } of received) expect(typeof data === 'object' && data !== null && !Array.isArray(data)).to.equal(true);
      expect(
        received
          .filter((r) => r.type === 'queue')
          .map((r) => parseQueue(r.data as Record<string, unknown>)?.position)
          .filter(Boolean),
      ).to.deep.equal([2, 1]);

      // The event parsers with random objects: never throw, and anything they accept is well-formed.
      const values = garbageValues(rng);
      for (let i = 0; i < 2000; i++) {
        const data: Record<string, unknown> = {};
        for (const key of ['position', 'estimatedWaitSeconds', 'text', 'at', 'livekitUrl', 'token', 'identity', 'patients', 'e2eeKey']) {
          if (rng.int(2)) data[key] = rng.pick(values);
        }
        if (rng.int(4) === 0)
          data.patients = Array.from({ length: rng.int(4) }, () =>
            rng.int(2)
              ? rng.pick(values)
              : { ticketId: rng.pick(values), name: rng.pick(values), waitingSince: rng.pick(values), deviceCheck: rng.pick(values) },
          );
        const queue = parseQueue(data);
        if (queue) expect(Number.isInteger(queue.position) && queue.position >= 1).to.equal(true);
        const message = parseMessage(data);
        if (message) expect(message.text).to.be.a('string').and.not.equal('');
        const admission = parseAdmission(data);
        if (admission) expect(admission.livekitUrl).to.match(/^(wss?|https?):\/\//);
        const patients = parsePatients(data);
        for (const p of patients ?? []) expect(p.ticketId).to.be.a('string').and.not.equal('');
      }
      expect(threw(quiet.warnings)).to.deep.equal([]);
    } finally {
      quiet.restore();
    }
  });
});

describe('hostile input: regressions (each was an uncaught TypeError before its fix)', () => {
  async function noThrow(tag: string, set: (el: LitElement & Record<string, unknown>) => void): Promise<LitElement> {
    const el = await fixture<LitElement & Record<string, unknown>>(`<${tag}></${tag}>`);
    const before = uncaught.length;
    set(el);
    await el.updateComplete;
    await new Promise((r) => setTimeout(r, 0));
    expect(uncaught.slice(before)).to.deep.equal([]);
    expect(renders(el)).to.equal(true);
    return el;
  }

  it('a non-string lang (localize: lang.toLowerCase)', async () => {
    const el = await noThrow('vc-call', (e) => (e.lang = 42 as never));
    expect(el.shadowRoot!.textContent).to.not.equal('');
  });

  it('a .session that is not a session (session-controller: next.subscribe)', async () => {
    await noThrow('vc-call', (e) => (e.session = 'not a session'));
    await noThrow('vc-waiting-room', (e) => (e.session = { subscribe: 'no' }));
  });

  it('<vc-waiting-room>: removing access-code, or a non-string display name (waiting-room: accessCode.trim)', async () => {
    const el = await fixture<LitElement & Record<string, unknown>>(
      '<vc-waiting-room access-code="ABC" display-name="Ann"></vc-waiting-room>',
    );
    el.removeAttribute('access-code');
    await el.updateComplete;
    await noThrow('vc-waiting-room', (e) => {
      e.accessCode = 12345;
      e.displayName = null;
    });
  });

  it('<vc-chat> .chat and .labels garbage (chat: chat.subscribe, labels[key])', async () => {
    await noThrow('vc-chat', (e) => {
      e.chat = 'not a controller';
      e.labels = null;
    });
    await noThrow('vc-chat', (e) => (e.labels = { title: 42 }));
  });

  it('<vc-whiteboard> .sync and .labels garbage (whiteboard: sync.addEventListener, labels[key])', async () => {
    await noThrow('vc-whiteboard', (e) => {
      e.sync = {};
      e.labels = undefined;
    });
  });

  it('ChatController: a payload that is not a string is dropped with a reason, not thrown (raw.startsWith)', async () => {
    const quiet = silenceWarnings();
    try {
      const hub = new LoopbackHub();
      const [a, b] = [hub.join('practitioner-1'), hub.join('patient-1')];
      const chat = new ChatController(a!, { role: 'practitioner', isHistorySource: isPractitionerPeer });
      await sendRaw(b!, 'text', TOPICS.chat, new Uint8Array([123, 125]));
      await hub.flush();
      expect(chat.messages).to.deep.equal([]);
      expect(threw(quiet.warnings)).to.deep.equal([]);
      expect(quiet.warnings.some((l) => l.includes('dropped a chat message from patient-1: not text'))).to.equal(true);
      chat.dispose();
    } finally {
      quiet.restore();
    }
  });
});

describe('hostile input: SSE line bound', () => {
  it('regression: a stream without line ends is dropped at MAX_SSE_LINE instead of buffered without limit; parsing resumes after it', () => {
    const quiet = silenceWarnings();
    try {
      const parser = new SseParser();
      const chunk = 'y'.repeat(64 * 1024);
      const seen: SseEvent[] = [];
      seen.push(...parser.push('event: queue\ndata: {"position":3}\n'));
      for (let i = 0; i < 48; i++) seen.push(...parser.push(chunk)); // 3 MiB in one line
      expect((parser as unknown as { buffer: string }).buffer.length).to.be.at.most(MAX_SSE_LINE + chunk.length);
      seen.push(...parser.push('\n\nevent: queue\ndata: {"position":2}\n\n'));
      // The event the oversize line belonged to is gone; the next one arrives intact.
      expect(seen).to.deep.equal([{ event: 'queue', data: '{"position":2}' }]);
      expect(quiet.warnings.some((l) => l.includes('longer than'))).to.equal(true);
    } finally {
      quiet.restore();
    }
  });
});
