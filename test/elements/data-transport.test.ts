import { expect } from '@open-wc/testing';
import type { Room } from 'livekit-client';
import { ChatController } from '../../src/session/chat.js';
import { createLivekitTransport, type TransportPeer } from '../../src/session/data-transport.js';
import { LoopbackHub } from './helpers/loopback-transport.js';
import { WhiteboardSync } from '../../src/session/whiteboard-sync.js';

type Listener = (...args: unknown[]) => void;
type StreamCallback = (reader: { readAll(): Promise<unknown> }, info: { identity: string }) => void;

/**
 * The slice of livekit-client's Room that the transport uses, with LiveKit's rule that a topic takes one
 * stream handler at a time. Rooms linked with `link()` deliver to each other like an SFU would.
 */
class FakeRoom {
  readonly calls: Array<[string, ...unknown[]]> = [];
  readonly listeners = new Map<string, Set<Listener>>();
  readonly textHandlers = new Map<string, StreamCallback>();
  readonly byteHandlers = new Map<string, StreamCallback>();
  readonly remoteParticipants = new Map<string, { identity: string; name: string }>();
  private peers: FakeRoom[] = [];
  readonly localParticipant;

  constructor(identity: string, name: string) {
    const self = this;
    this.localParticipant = {
      identity,
      name,
      async sendText(text: string, options: { topic: string; destinationIdentities?: string[] }) {
        self.calls.push(['sendText', text, options]);
        for (const peer of self.targets(options.destinationIdentities)) {
          peer.textHandlers.get(options.topic)?.({ readAll: async () => text }, { identity });
        }
        return { id: 'stream' };
      },
      async sendBytes(bytes: Uint8Array, options: { topic: string; destinationIdentities?: string[] }) {
        self.calls.push(['sendBytes', bytes, options]);
        // LiveKit splits streams into chunks; the reader hands them back as an array.
        const chunks = [bytes.slice(0, 3), bytes.slice(3)];
        for (const peer of self.targets(options.destinationIdentities)) {
          peer.byteHandlers.get(options.topic)?.({ readAll: async () => chunks }, { identity });
        }
        return { id: 'stream' };
      },
      async publishData(bytes: Uint8Array, options: { reliable: boolean; topic: string }) {
        self.calls.push(['publishData', bytes, options]);
        for (const peer of self.targets()) {
          peer.emit('dataReceived', bytes, peer.remoteParticipants.get(identity), undefined, options.topic);
        }
      },
    };
  }

  static link(...rooms: FakeRoom[]): void {
    for (const room of rooms) {
      room.peers = rooms.filter((r) => r !== room);
      for (const peer of room.peers) {
        const participant = { identity: peer.localParticipant.identity, name: peer.localParticipant.name };
        room.remoteParticipants.set(participant.identity, participant);
      }
    }
  }

  private targets(to?: string[]): FakeRoom[] {
    return this.peers.filter((p) => !to || to.length === 0 || to.includes(p.localParticipant.identity));
  }

  on(event: string, listener: Listener): this {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener);
    return this;
  }
  off(event: string, listener: Listener): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(...args);
  }
  registerTextStreamHandler(topic: string, callback: StreamCallback): void {
    if (this.textHandlers.has(topic)) throw new Error(`A text stream handler for topic "${topic}" has already been set.`);
    this.textHandlers.set(topic, callback);
  }
  unregisterTextStreamHandler(topic: string): void {
    this.textHandlers.delete(topic);
  }
  registerByteStreamHandler(topic: string, callback: StreamCallback): void {
    if (this.byteHandlers.has(topic)) throw new Error(`A byte stream handler for topic "${topic}" has already been set.`);
    this.byteHandlers.set(topic, callback);
  }
  unregisterByteStreamHandler(topic: string): void {
    this.byteHandlers.delete(topic);
  }
  asRoom(): Room {
    return this as unknown as Room;
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createLivekitTransport', () => {
  it('sends text and bytes as data streams on a topic, to everyone or to given identities', async () => {
    const room = new FakeRoom('me', 'Me');
    const transport = createLivekitTransport(room.asRoom());
    expect(transport.localIdentity).to.equal('me');
    expect(transport.localName).to.equal('Me');
    await transport.sendText('vc.chat', 'hello');
    await transport.sendText('vc.chat', 'psst', { to: ['bob'] });
    await transport.sendBytes('vc.whiteboard', new Uint8Array([1, 2]), { to: [] });
    transport.sendLossy('vc.cursor', new Uint8Array([9]));
    expect(room.calls).to.deep.equal([
      ['sendText', 'hello', { topic: 'vc.chat' }],
      ['sendText', 'psst', { topic: 'vc.chat', destinationIdentities: ['bob'] }],
      ['sendBytes', new Uint8Array([1, 2]), { topic: 'vc.whiteboard' }],
      ['publishData', new Uint8Array([9]), { reliable: false, topic: 'vc.cursor' }],
    ]);
  });

  it('multiplexes several handlers onto LiveKit’s one handler per topic', async () => {
    const [me, bob] = [new FakeRoom('me', 'Me'), new FakeRoom('bob', 'Bob <b>')];
    FakeRoom.link(me, bob);
    const transport = createLivekitTransport(me.asRoom());
    const remote = createLivekitTransport(bob.asRoom());
    const got: Array<[string, string, TransportPeer]> = [];
    const offFirst = transport.onText('t', (text, from) => got.push(['first', text, from]));
    const offSecond = transport.onText('t', (text, from) => got.push(['second', text, from]));
    expect(me.textHandlers.size).to.equal(1);
    await remote.sendText('t', 'one');
    await tick();
    expect(got).to.deep.equal([
      ['first', 'one', { identity: 'bob', name: 'Bob <b>' }],
      ['second', 'one', { identity: 'bob', name: 'Bob <b>' }],
    ]);
    offFirst();
    expect(me.textHandlers.size).to.equal(1);
    offSecond();
    expect(me.textHandlers.size).to.equal(0);
    // Registering again after everyone left works (no "already set" error).
    transport.onText('t', () => undefined);
    expect(me.textHandlers.size).to.equal(1);
  });

  it('reassembles byte streams and routes lossy packets by topic', async () => {
    const [me, bob] = [new FakeRoom('me', 'Me'), new FakeRoom('bob', 'Bob')];
    FakeRoom.link(me, bob);
    const transport = createLivekitTransport(me.asRoom());
    const remote = createLivekitTransport(bob.asRoom());
    const bytes: Uint8Array[] = [];
    const lossy: Array<[number[], string]> = [];
    transport.onBytes('b', (value) => bytes.push(value));
    transport.onLossy('cursor', (value, from) => lossy.push([[...value], from.identity]));
    await remote.sendBytes('b', new Uint8Array([1, 2, 3, 4, 5, 6]));
    remote.sendLossy('cursor', new Uint8Array([7]));
    remote.sendLossy('other', new Uint8Array([8]));
    me.emit('dataReceived', new Uint8Array([9]), undefined, undefined, 'cursor');
    await tick();
    expect(bytes.map((b) => [...b])).to.deep.equal([[1, 2, 3, 4, 5, 6]]);
    expect(lossy).to.deep.equal([[[7], 'bob']]);
  });

  it('reports joins, leaves and reconnects, keeps going when a handler throws, and detaches on dispose', async () => {
    const room = new FakeRoom('me', 'Me');
    const transport = createLivekitTransport(room.asRoom());
    const events: string[] = [];
    transport.onParticipantJoined(() => {
      throw new Error('broken listener');
    });
    transport.onParticipantJoined((peer) => events.push(`joined ${peer.identity} ${peer.name}`));
    transport.onParticipantLeft((peer) => events.push(`left ${peer.identity}`));
    transport.onReconnected(() => events.push('reconnected'));
    const original = console.warn;
    console.warn = () => undefined;
    try {
      room.emit('participantConnected', { identity: 'ann', name: '' });
    } finally {
      console.warn = original;
    }
    room.emit('participantDisconnected', { identity: 'ann', name: 'Ann' });
    room.emit('reconnected');
    expect(events).to.deep.equal(['joined ann ann', 'left ann', 'reconnected']);
    transport.onText('a', () => undefined);
    transport.onBytes('b', () => undefined);
    expect([room.textHandlers.size, room.byteHandlers.size]).to.deep.equal([1, 1]);
    transport.dispose();
    expect([room.textHandlers.size, room.byteHandlers.size]).to.deep.equal([0, 0]);
    room.emit('reconnected');
    expect(events).to.have.length(3);
    expect([...room.listeners.values()].every((set) => set.size === 0)).to.equal(true);
  });

  it('carries chat history and whiteboard sync between rooms', async () => {
    const [doc, pat] = [new FakeRoom('doc', 'Dr. Adams'), new FakeRoom('pat', 'Pat')];
    FakeRoom.link(doc, pat);
    const docTransport = createLivekitTransport(doc.asRoom());
    const practitioner = new ChatController(docTransport, { role: 'practitioner' });
    const docBoard = new WhiteboardSync(docTransport, { role: 'practitioner' });
    await practitioner.send('before you joined');
    docBoard.addElement({ kind: 'line', color: '#000000', size: 2, points: [0, 0, 10, 10] });
    await tick();

    const patTransport = createLivekitTransport(pat.asRoom());
    const patient = new ChatController(patTransport, { role: 'patient' });
    const patBoard = new WhiteboardSync(patTransport, { role: 'patient' });
    for (let i = 0; i < 10; i++) await tick();
    expect(patient.messages.map((m) => [m.text, m.name, m.history])).to.deep.equal([['before you joined', 'Dr. Adams', true]]);
    expect(patBoard.elements().map((e) => e.points)).to.deep.equal([[0, 0, 10, 10]]);
    // Every reliable whiteboard packet stayed under LiveKit's limit.
    const sizes = [...doc.calls, ...pat.calls].filter((c) => c[0] === 'sendBytes').map((c) => (c[1] as Uint8Array).byteLength);
    expect(sizes.length).to.be.greaterThan(0);
    expect(Math.max(...sizes)).to.be.at.most(15 * 1024);
  });
});

describe('LoopbackHub', () => {
  it('refuses oversize packets like LiveKit would', async () => {
    const hub = new LoopbackHub();
    const a = hub.join('a');
    let error: unknown;
    await a.sendBytes('t', new Uint8Array(15 * 1024 + 1)).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('exceeds');
    expect(() => a.sendLossy('t', new Uint8Array(5000))).to.throw(/exceeds/);
  });

  it('delivers in order, honours destinations, and reports leaving', async () => {
    const hub = new LoopbackHub();
    const [a, b, c] = [hub.join('a', 'A'), hub.join('b', 'B'), hub.join('c', 'C')];
    const got: string[] = [];
    b.onText('t', (text, from) => got.push(`b:${text}:${from.name}`));
    c.onText('t', (text) => got.push(`c:${text}`));
    const left: string[] = [];
    b.onParticipantLeft((peer) => left.push(peer.identity));
    for (let i = 0; i < 5; i++) await a.sendText('t', String(i));
    await a.sendText('t', 'only-c', { to: ['c'] });
    await hub.flush();
    expect(got.filter((g) => g.startsWith('b:'))).to.deep.equal(['b:0:A', 'b:1:A', 'b:2:A', 'b:3:A', 'b:4:A']);
    expect(got.filter((g) => g.startsWith('c:'))).to.deep.equal(['c:0', 'c:1', 'c:2', 'c:3', 'c:4', 'c:only-c']);
    expect(a.participants().map((p) => p.identity)).to.deep.equal(['b', 'c']);
    c.leave();
    expect(left).to.deep.equal(['c']);
    expect(a.participants().map((p) => p.identity)).to.deep.equal(['b']);
    let error: unknown;
    await c.sendText('t', 'ghost').catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
  });
});
