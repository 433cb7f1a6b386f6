import type { Room, RemoteParticipant } from 'livekit-client';

/** Someone else in the room, as the chat and the whiteboard see them. */
export interface TransportPeer {
  identity: string;
  name: string;
}

export type Unsubscribe = () => void;

export interface SendOptions {
  /** Identities to send to; everyone in the room when absent or empty. */
  to?: string[];
}

export type TextHandler = (text: string, from: TransportPeer) => void;
export type BytesHandler = (bytes: Uint8Array, from: TransportPeer) => void;

/**
 * The small slice of a LiveKit room that chat and whiteboard need. `createLivekitTransport` is the real one
 * (data streams, so E2EE covers them); tests use an in-memory fake (test/elements/helpers/loopback-transport.ts).
 */
export interface DataTransport {
  readonly localIdentity: string;
  readonly localName: string;
  /** The other participants currently in the room. */
  participants(): TransportPeer[];
  /** Reliable, ordered text of any length (the transport chunks it). */
  sendText(topic: string, text: string, options?: SendOptions): Promise<void>;
  /** Reliable, ordered bytes. Keep payloads at or under `MAX_RELIABLE_PACKET_BYTES`; chunk above that. */
  sendBytes(topic: string, bytes: Uint8Array, options?: SendOptions): Promise<void>;
  /** Unreliable, unordered, small (cursor positions): fire and forget. */
  sendLossy(topic: string, bytes: Uint8Array): void;
  onText(topic: string, handler: TextHandler): Unsubscribe;
  onBytes(topic: string, handler: BytesHandler): Unsubscribe;
  onLossy(topic: string, handler: BytesHandler): Unsubscribe;
  onParticipantJoined(handler: (peer: TransportPeer) => void): Unsubscribe;
  onParticipantLeft(handler: (peer: TransportPeer) => void): Unsubscribe;
  /** The connection came back after a drop: state may have diverged, resynchronise. */
  onReconnected(handler: () => void): Unsubscribe;
}

/** The data topics of the SDK (kept here so watching a topic does not pull in its module). */
export const TOPICS = {
  chat: 'vc.chat',
  whiteboard: 'vc.whiteboard',
  whiteboardCursor: 'vc.whiteboard.cursor',
} as const;

/** LiveKit's reliable data packets are limited to about 15 KiB; we stay well below. */
export const MAX_RELIABLE_PACKET_BYTES = 15 * 1024;
/** Lossy packets should fit one MTU. */
export const MAX_LOSSY_PACKET_BYTES = 1200;

/** Handlers by topic (also used by the loopback fake in test/). */
export class HandlerSet<H extends (...args: never[]) => void> {
  private readonly byKey = new Map<string, Set<H>>();

  /** Returns true when this is the first handler for `key`. */
  add(key: string, handler: H): boolean {
    let set = this.byKey.get(key);
    const first = !set;
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(handler);
    return first;
  }

  /** Returns true when `key` has no handlers left. */
  remove(key: string, handler: H): boolean {
    const set = this.byKey.get(key);
    if (!set) return false;
    set.delete(handler);
    if (set.size > 0) return false;
    this.byKey.delete(key);
    return true;
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  clear(): void {
    this.byKey.clear();
  }

  emit(key: string, ...args: Parameters<H>): void {
    for (const handler of [...(this.byKey.get(key) ?? [])]) {
      try {
        handler(...args);
      } catch (error) {
        // One broken listener must not starve the others or the transport.
        console.warn(`[videoconsult] data handler for "${key}" threw:`, error);
      }
    }
  }
}

/** Calls every handler; one that throws does not stop the others. */
export function notify<A extends unknown[]>(handlers: Iterable<(...args: A) => void>, ...args: A): void {
  for (const handler of [...handlers]) {
    try {
      handler(...args);
    } catch (error) {
      console.warn('[videoconsult] transport listener threw:', error);
    }
  }
}

function peerOf(room: Room, identity: string): TransportPeer {
  const participant = room.remoteParticipants.get(identity);
  return { identity, name: participant?.name || identity };
}

/**
 * Implements `DataTransport` over a connected livekit-client `Room`. LiveKit allows one stream handler per
 * topic, so handlers are multiplexed here and the topic is registered while at least one is listening.
 * Call `dispose()` when the room is left.
 */
export function createLivekitTransport(room: Room): DataTransport & { dispose(): void } {
  const text = new HandlerSet<TextHandler>();
  const bytes = new HandlerSet<BytesHandler>();
  const lossy = new HandlerSet<BytesHandler>();
  const joined = new Set<(peer: TransportPeer) => void>();
  const left = new Set<(peer: TransportPeer) => void>();
  const reconnected = new Set<() => void>();

  const onData = (payload: Uint8Array, participant?: RemoteParticipant, _kind?: unknown, topic?: string) => {
    if (!participant || !topic) return;
    lossy.emit(topic, payload, peerOf(room, participant.identity));
  };
  const onJoined = (participant: RemoteParticipant) =>
    notify(joined, { identity: participant.identity, name: participant.name || participant.identity });
  const onLeft = (participant: RemoteParticipant) =>
    notify(left, { identity: participant.identity, name: participant.name || participant.identity });
  const onReconnected = () => notify(reconnected);
  // String event names keep this module free of a runtime import of livekit-client.
  room.on('dataReceived' as never, onData as never);
  room.on('participantConnected' as never, onJoined as never);
  room.on('participantDisconnected' as never, onLeft as never);
  room.on('reconnected' as never, onReconnected as never);

  const destinations = (options?: SendOptions) => (options?.to && options.to.length > 0 ? { destinationIdentities: options.to } : {});

  const subscribe = <H>(set: Set<H>, handler: H): Unsubscribe => {
    set.add(handler);
    return () => set.delete(handler);
  };

  return {
    get localIdentity() {
      return room.localParticipant.identity;
    },
    get localName() {
      return room.localParticipant.name || room.localParticipant.identity;
    },
    participants: () => [...room.remoteParticipants.values()].map((p) => ({ identity: p.identity, name: p.name || p.identity })),
    async sendText(topic, value, options) {
      await room.localParticipant.sendText(value, { topic, ...destinations(options) });
    },
    async sendBytes(topic, value, options) {
      await room.localParticipant.sendBytes(value, { topic, ...destinations(options) });
    },
    sendLossy(topic, value) {
      room.localParticipant
        .publishData(value as Uint8Array<ArrayBuffer>, { reliable: false, topic })
        .catch((error: unknown) => console.warn('[videoconsult] lossy send failed:', error));
    },
    onText(topic, handler) {
      if (text.add(topic, handler)) {
        room.registerTextStreamHandler(topic, (reader, { identity }) => {
          reader
            .readAll()
            .then((value) => text.emit(topic, value, peerOf(room, identity)))
            .catch((error: unknown) => console.warn(`[videoconsult] text stream on "${topic}" failed:`, error));
        });
      }
      return () => {
        if (text.remove(topic, handler)) room.unregisterTextStreamHandler(topic);
      };
    },
    onBytes(topic, handler) {
      if (bytes.add(topic, handler)) {
        room.registerByteStreamHandler(topic, (reader, { identity }) => {
          reader
            .readAll()
            .then((chunks) => bytes.emit(topic, concatBytes(chunks), peerOf(room, identity)))
            .catch((error: unknown) => console.warn(`[videoconsult] byte stream on "${topic}" failed:`, error));
        });
      }
      return () => {
        if (bytes.remove(topic, handler)) room.unregisterByteStreamHandler(topic);
      };
    },
    onLossy(topic, handler) {
      lossy.add(topic, handler);
      return () => void lossy.remove(topic, handler);
    },
    onParticipantJoined: (handler) => subscribe(joined, handler),
    onParticipantLeft: (handler) => subscribe(left, handler),
    onReconnected: (handler) => subscribe(reconnected, handler),
    dispose() {
      room.off('dataReceived' as never, onData as never);
      room.off('participantConnected' as never, onJoined as never);
      room.off('participantDisconnected' as never, onLeft as never);
      room.off('reconnected' as never, onReconnected as never);
      for (const topic of text.keys()) room.unregisterTextStreamHandler(topic);
      for (const topic of bytes.keys()) room.unregisterByteStreamHandler(topic);
      text.clear();
      bytes.clear();
      lossy.clear();
      joined.clear();
      left.clear();
      reconnected.clear();
    },
  };
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
