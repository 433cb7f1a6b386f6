// The in-memory fake of a data room for unit tests and the whiteboard benchmark (not part of the product).
import {
  HandlerSet,
  MAX_LOSSY_PACKET_BYTES,
  MAX_RELIABLE_PACKET_BYTES,
  notify,
  type BytesHandler,
  type DataTransport,
  type SendOptions,
  type TextHandler,
  type TransportPeer,
  type Unsubscribe,
} from '../../../src/session/data-transport.js';

export interface LoopbackPacket {
  from: string;
  to: string[];
  topic: string;
  kind: 'text' | 'bytes' | 'lossy';
  size: number;
}

export interface LoopbackTransport extends DataTransport {
  readonly hub: LoopbackHub;
  /** Leaves the room: peers see it leave, nothing more is delivered to or from it. */
  leave(): void;
  /** Simulates a dropped and restored connection (fires the reconnected handlers). */
  reconnect(): void;
}

/**
 * Runs `callback` in a task of its own, without a timer. A packet arriving from the network is its own event-loop
 * task, but nothing delays it by a fixed amount: `setTimeout(…, 0)` would (Node clamps it to 1 ms, browsers to
 * 4 ms once nested), so a 1 MB board sent as 87 packets "took" 87+ ms in the loopback that no real transport
 * adds — the late-join benchmark measured the timer, not the SDK.
 */
function macrotask(callback: () => void): void {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate) {
    immediate(callback);
    return;
  }
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    callback();
  };
  channel.port2.postMessage(undefined);
}

/**
 * A fake room. Delivery is asynchronous (a task per packet, like a network), ordered per sender, and a reliable
 * byte packet above `maxPacketBytes` is refused like LiveKit would, so tests catch oversize sends.
 */
export class LoopbackHub {
  readonly packets: LoopbackPacket[] = [];
  private readonly members = new Map<string, LoopbackMember>();
  private queue: Promise<void> = Promise.resolve();
  /** When set, lossy packets are dropped (to prove nothing depends on them). */
  dropLossy = false;

  constructor(readonly maxPacketBytes = MAX_RELIABLE_PACKET_BYTES) {}

  join(identity: string, name = identity): LoopbackTransport {
    if (this.members.has(identity)) throw new Error(`${identity} is already in the room`);
    const member = new LoopbackMember(this, { identity, name });
    for (const other of this.members.values()) other.joined(member.peer);
    this.members.set(identity, member);
    return member.transport;
  }

  /** Resolves once everything sent so far has been delivered (and handlers' own sends, a few rounds deep). */
  async flush(rounds = 8): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await this.queue;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /** @internal */
  remove(member: LoopbackMember): void {
    if (this.members.get(member.peer.identity) !== member) return;
    this.members.delete(member.peer.identity);
    for (const other of this.members.values()) other.left(member.peer);
  }

  /** @internal */
  peers(except: string): TransportPeer[] {
    return [...this.members.values()].filter((m) => m.peer.identity !== except).map((m) => ({ ...m.peer }));
  }

  /** @internal */
  deliver(from: LoopbackMember, packet: Omit<LoopbackPacket, 'from' | 'size'>, payload: string | Uint8Array): void {
    const size = typeof payload === 'string' ? new TextEncoder().encode(payload).byteLength : payload.byteLength;
    this.packets.push({ ...packet, from: from.peer.identity, size });
    if (packet.kind === 'lossy' && this.dropLossy) return;
    const targets = [...this.members.values()].filter((m) => m !== from && (packet.to.length === 0 || packet.to.includes(m.peer.identity)));
    const copy = typeof payload === 'string' ? payload : payload.slice();
    this.queue = this.queue.then(
      () =>
        new Promise<void>((resolve) =>
          macrotask(() => {
            for (const target of targets) target.receive(packet.kind, packet.topic, copy, { ...from.peer });
            resolve();
          }),
        ),
    );
  }
}

class LoopbackMember {
  readonly transport: LoopbackTransport;
  private readonly text = new HandlerSet<TextHandler>();
  private readonly bytes = new HandlerSet<BytesHandler>();
  private readonly lossy = new HandlerSet<BytesHandler>();
  private readonly joinedHandlers = new Set<(peer: TransportPeer) => void>();
  private readonly leftHandlers = new Set<(peer: TransportPeer) => void>();
  private readonly reconnectedHandlers = new Set<() => void>();
  private gone = false;

  constructor(
    readonly hub: LoopbackHub,
    readonly peer: TransportPeer,
  ) {
    const self = this;
    const subscribe = <H>(set: Set<H>, handler: H): Unsubscribe => {
      set.add(handler);
      return () => set.delete(handler);
    };
    const send = (kind: LoopbackPacket['kind'], topic: string, payload: string | Uint8Array, options?: SendOptions) => {
      if (self.gone) throw new Error('not connected');
      if (typeof payload !== 'string') {
        const limit = kind === 'lossy' ? MAX_LOSSY_PACKET_BYTES : hub.maxPacketBytes;
        if (payload.byteLength > limit) throw new Error(`packet of ${payload.byteLength} bytes exceeds ${limit}`);
      }
      hub.deliver(self, { kind, topic, to: options?.to ?? [] }, payload);
    };
    this.transport = {
      hub,
      localIdentity: peer.identity,
      localName: peer.name,
      participants: () => (self.gone ? [] : hub.peers(peer.identity)),
      sendText: async (topic, value, options) => send('text', topic, value, options),
      sendBytes: async (topic, value, options) => send('bytes', topic, value, options),
      sendLossy: (topic, value) => send('lossy', topic, value),
      onText: (topic, handler) => (self.text.add(topic, handler), () => void self.text.remove(topic, handler)),
      onBytes: (topic, handler) => (self.bytes.add(topic, handler), () => void self.bytes.remove(topic, handler)),
      onLossy: (topic, handler) => (self.lossy.add(topic, handler), () => void self.lossy.remove(topic, handler)),
      onParticipantJoined: (handler) => subscribe(self.joinedHandlers, handler),
      onParticipantLeft: (handler) => subscribe(self.leftHandlers, handler),
      onReconnected: (handler) => subscribe(self.reconnectedHandlers, handler),
      leave() {
        self.gone = true;
        hub.remove(self);
      },
      reconnect() {
        notify(self.reconnectedHandlers);
      },
    };
  }

  joined(peer: TransportPeer): void {
    notify(this.joinedHandlers, { ...peer });
  }

  left(peer: TransportPeer): void {
    notify(this.leftHandlers, { ...peer });
  }

  receive(kind: LoopbackPacket['kind'], topic: string, payload: string | Uint8Array, from: TransportPeer): void {
    if (this.gone) return;
    if (kind === 'text') this.text.emit(topic, payload as string, from);
    else if (kind === 'bytes') this.bytes.emit(topic, payload as Uint8Array, from);
    else this.lossy.emit(topic, payload as Uint8Array, from);
  }
}

/** `n` transports in one fake room, identities `p1`…`pn` (or the given names). */
export function createLoopbackTransports(n: number, names?: string[]): LoopbackTransport[] {
  const hub = new LoopbackHub();
  return Array.from({ length: n }, (_, i) => hub.join(`p${i + 1}`, names?.[i] ?? `Participant ${i + 1}`));
}
