import * as Y from 'yjs';
import { MAX_RELIABLE_PACKET_BYTES } from './data-transport.js';

/**
 * The whiteboard's wire format. A message is split into frames of at most one reliable packet each:
 *
 *   magic 'W' (1) · kind (1) · message id (4) · chunk index (2) · chunk count (2) · chunk
 *
 * The answer to a SyncRequest (the diff, then the SyncAnswer) carries the request's message id, so the asker
 * can tell the answer it waits for from anything else the same peer sends.
 */
export const MessageKind = {
  /** A Yjs update (v1). */
  Update: 1,
  /** "Here is my state vector; send me what I lack (then your state vector, as a SyncAnswer)." */
  SyncRequest: 2,
  /** "Here is my state vector": sent after the diff answering a SyncRequest, so it ends the answer. */
  SyncAnswer: 3,
  /** "Here is my state vector (my deletions came just before); tell me yours and your deletions." */
  Hello: 4,
  /** "Here is my state vector": the reply to a Hello (after the replier's deletions). Never answered. */
  HelloAnswer: 5,
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

const MAGIC = 0x57; // 'W'
const HEADER_BYTES = 10;
export const MAX_CHUNKS = 2048;
const MAX_PENDING_PER_PEER = 16;
/** A chunked message not complete after this long is dropped. */
export const REASSEMBLY_TIMEOUT_MS = 60_000;

export function newMessageId(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** Splits a message into frames of at most `maxPacketBytes`; undefined if it would take too many. */
export function encodeFrames(kind: MessageKind, id: number, payload: Uint8Array, maxPacketBytes: number): Uint8Array[] | undefined {
  const room = maxPacketBytes - HEADER_BYTES;
  const count = Math.max(1, Math.ceil(payload.byteLength / room));
  if (count > MAX_CHUNKS) return undefined;
  const frames: Uint8Array[] = [];
  for (let index = 0; index < count; index++)
    frames.push(encodeFrame(kind, id, index, count, payload.subarray(index * room, (index + 1) * room)));
  return frames;
}

/** One frame: chunk `index` of `count` of message `id`. (Tests also forge frames with it.) */
export function encodeFrame(kind: MessageKind, id: number, index: number, count: number, chunk: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES + chunk.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint8(0, MAGIC);
  view.setUint8(1, kind);
  view.setUint32(2, id);
  view.setUint16(6, index);
  view.setUint16(8, count);
  frame.set(chunk, HEADER_BYTES);
  return frame;
}

export interface Frame {
  kind: MessageKind;
  id: number;
  index: number;
  count: number;
  chunk: Uint8Array;
}

/** The frame's header and chunk, or why it is not a valid whiteboard frame. */
export function decodeFrame(frame: unknown): Frame | string {
  if (!(frame instanceof Uint8Array) || frame.byteLength < HEADER_BYTES || frame.byteLength > MAX_RELIABLE_PACKET_BYTES) {
    return 'bad frame size';
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint8(0) !== MAGIC) return 'not a whiteboard frame';
  const kind = view.getUint8(1);
  if (kind < MessageKind.Update || kind > MessageKind.HelloAnswer) return 'unknown message kind';
  const index = view.getUint16(6);
  const count = view.getUint16(8);
  if (count === 0 || count > MAX_CHUNKS || index >= count) return 'bad chunk numbering';
  return { kind: kind as MessageKind, id: view.getUint32(2), index, count, chunk: frame.slice(HEADER_BYTES) };
}

export type Reassembled =
  | { message: Uint8Array }
  /** A new chunk of a message still incomplete. */
  | { progress: true }
  /** A chunk already received. */
  | { duplicate: true }
  | { error: string };

/** Puts chunked messages back together, with a bounded number of unfinished ones per peer. */
export class Reassembler {
  private readonly pending = new Map<string, { chunks: Array<Uint8Array | undefined>; received: number; kind: number; started: number }>();

  constructor(private readonly now: () => number) {}

  add(from: string, frame: Frame): Reassembled {
    if (frame.count === 1) return { message: frame.chunk };
    const now = this.now();
    for (const [key, entry] of this.pending) if (now - entry.started > REASSEMBLY_TIMEOUT_MS) this.pending.delete(key);
    const key = `${from}\n${frame.id}`;
    let entry = this.pending.get(key);
    if (!entry) {
      const mine = [...this.pending.keys()].filter((k) => k.startsWith(`${from}\n`));
      if (mine.length >= MAX_PENDING_PER_PEER) return { error: 'too many unfinished messages' };
      entry = { chunks: new Array<Uint8Array | undefined>(frame.count), received: 0, kind: frame.kind, started: now };
      this.pending.set(key, entry);
    }
    if (entry.chunks.length !== frame.count || entry.kind !== frame.kind) {
      this.pending.delete(key);
      return { error: 'inconsistent chunks' };
    }
    if (entry.chunks[frame.index]) return { duplicate: true };
    entry.chunks[frame.index] = frame.chunk;
    entry.received += 1;
    if (entry.received < frame.count) return { progress: true };
    this.pending.delete(key);
    const message = new Uint8Array(entry.chunks.reduce((sum, c) => sum + c!.byteLength, 0));
    let offset = 0;
    for (const c of entry.chunks) {
      message.set(c!, offset);
      offset += c!.byteLength;
    }
    return { message };
  }

  /** Drops a departed peer's unfinished messages. */
  forget(peer: string): void {
    for (const key of this.pending.keys()) if (key.startsWith(`${peer}\n`)) this.pending.delete(key);
  }

  clear(): void {
    this.pending.clear();
  }
}

/**
 * This document's own deletions as a Yjs update (v1) with no structs. State vectors do not show deletions, so
 * they travel with every Hello and every answer to one.
 *
 * Not `Y.encodeStateAsUpdate(doc, ownVector)`: that also carries the updates yjs holds pending (structs whose
 * dependencies never arrived), which a hostile peer could plant for every honest peer to re-send forever. The
 * delete set here is built from the integrated structs only (`createDeleteSetFromStructStore`). yjs exports no
 * delete-set writer, but a v1 snapshot is that delete set followed by a state vector, and a v1 update is its
 * structs followed by its delete set: so the update is a zero struct count, then the snapshot of the delete
 * set with an empty state vector (one zero byte) left off.
 */
export function encodeDeleteSetUpdate(doc: Y.Doc): Uint8Array {
  const snapshot = Y.encodeSnapshot(Y.createSnapshot(Y.createDeleteSetFromStructStore(doc.store), new Map()));
  const update = new Uint8Array(snapshot.byteLength);
  update[0] = 0; // no structs
  update.set(snapshot.subarray(0, snapshot.byteLength - 1), 1);
  return update;
}

/** An update with no structs and no deletions is two zero bytes. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength <= 2;
}

// --- catch-up ---------------------------------------------------------------------------------------------------

/** The least time between two answers to the SyncRequests of one peer. */
const MIN_ANSWER_INTERVAL_MS = 500;
/** A stalled peer is asked again after 1, 2, 4… sync timeouts, at most this many. */
const MAX_RETRY_FACTOR = 8;

export type SendMessage = (kind: MessageKind, payload: Uint8Array, to?: string[], id?: number) => Promise<void>;

/** What we know of another peer as a source to catch up from. */
interface PeerState {
  /** Its last state vector: whether it has something we lack. */
  vector: Map<number, number>;
  /** Pulls from it that stalled since the last one that completed (peers that stalled least are asked first). */
  stalls: number;
  /** Waiting out a back-off after a stall: not asked until `retryTimer` fires or it says Hello. */
  waiting: boolean;
  retryTimer?: ReturnType<typeof setTimeout>;
}

/** The one catch-up in progress: a SyncRequest to `from`, whose answer carries `requestId`. */
interface Pull {
  from: string;
  requestId: number;
  vectorBefore: string;
  /** Fires when the answer has been silent for `syncTimeoutMs`. */
  idleTimer?: ReturnType<typeof setTimeout>;
  /** Fires after `syncMaxMs` in all. */
  capTimer?: ReturnType<typeof setTimeout>;
}

/** An answer to a peer's SyncRequest being sent (or cooling down), and the latest request that came meanwhile. */
interface AnswerSlot {
  next?: { vector: Uint8Array; id: number };
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * The catch-up protocol of one board: Hellos, pulls from one peer at a time, and answers to others' pulls.
 * The board hands it every well-formed message but updates (and every piece of an update, which may be
 * progress of the answer it waits for); it sends through `send`.
 */
export class CatchUp {
  /** Peers that told us their state vector, in the order they are asked (a stalled one goes to the back). */
  private readonly peers = new Map<string, PeerState>();
  private pulling: Pull | undefined;
  private readonly answering = new Map<string, AnswerSlot>();
  private destroyed = false;

  constructor(
    private readonly doc: Y.Doc,
    private readonly send: SendMessage,
    private readonly timing: { syncTimeoutMs: number; syncMaxMs: number },
  ) {}

  /**
   * Says Hello (to everyone, or to a newcomer): our deletions first — state vectors do not show them, so an
   * erasure whose update was lost would otherwise never reach anyone — then our state vector.
   */
  hello(to?: string[]): void {
    this.sendHello(MessageKind.Hello, to);
  }

  /** Starts over after a reconnect: an answer in flight before it may never come. */
  resync(): void {
    this.endPull();
    this.hello();
  }

  /** A new chunk of a message, or a whole update, from `from`: progress if it belongs to our pull's answer. */
  progress(frame: Frame, from: string): void {
    if (frame.kind === MessageKind.Update && this.pulling?.from === from && frame.id === this.pulling.requestId) this.armIdleTimer();
  }

  /** A message carrying a state vector (every kind but Update), decoded. */
  receive(frame: Frame, payload: Uint8Array, vector: Map<number, number>, from: string): void {
    if (this.destroyed) return;
    this.heard(from, vector, frame.kind === MessageKind.Hello || frame.kind === MessageKind.HelloAnswer);
    if (frame.kind === MessageKind.SyncRequest) {
      this.answerPull(from, payload, frame.id);
    } else if (frame.kind === MessageKind.Hello) {
      this.sendHello(MessageKind.HelloAnswer, [from]);
      // The peer we pull from started over (a reconnect?): our request or its answer may be lost.
      if (this.pulling?.from === from) this.startPull(from, this.pulling);
    } else if (frame.kind === MessageKind.SyncAnswer && this.pulling?.from === from && frame.id === this.pulling.requestId) {
      // The answer to our pull (it follows the diff on the same ordered channel): caught up with this peer.
      // A peer that still claims more after a pull that brought nothing is not asked again until it speaks.
      const progressed = this.pulling.vectorBefore !== bytesKey(Y.encodeStateVector(this.doc));
      this.endPull();
      if (progressed) this.peers.get(from)!.stalls = 0;
      else this.forgetPeer(from);
    }
    this.pullNext();
  }

  peerLeft(identity: string): void {
    this.forgetPeer(identity);
    clearTimeout(this.answering.get(identity)?.timer);
    this.answering.delete(identity);
    // Our catch-up source left mid-way: ask the next peer known to have what we lack.
    if (this.pulling?.from === identity) {
      this.endPull();
      this.pullNext();
    }
  }

  destroy(): void {
    this.destroyed = true;
    this.endPull();
    for (const peer of this.peers.values()) clearTimeout(peer.retryTimer);
    this.peers.clear();
    for (const slot of this.answering.values()) clearTimeout(slot.timer);
    this.answering.clear();
  }

  private sendHello(kind: typeof MessageKind.Hello | typeof MessageKind.HelloAnswer, to?: string[]): void {
    const deletions = encodeDeleteSetUpdate(this.doc);
    if (!isEmptyUpdate(deletions)) void this.send(MessageKind.Update, deletions, to);
    void this.send(kind, Y.encodeStateVector(this.doc), to);
  }

  /**
   * Answers a pull with the diff and our vector, tagged with the request's id. One answer per peer at a time,
   * at most one every `MIN_ANSWER_INTERVAL_MS`: requests arriving meanwhile are merged into one (the latest),
   * answered afterwards — a tiny request must not make everyone send the whole board again and again.
   */
  private answerPull(identity: string, vector: Uint8Array, id: number): void {
    const busy = this.answering.get(identity);
    if (busy) {
      busy.next = { vector, id };
      return;
    }
    const slot: AnswerSlot = {};
    this.answering.set(identity, slot);
    // Only a pull gets the diff, so a late joiner receives the board once, not once per peer.
    const diff = Y.encodeStateAsUpdate(this.doc, vector);
    if (!isEmptyUpdate(diff)) void this.send(MessageKind.Update, diff, [identity], id);
    void this.send(MessageKind.SyncAnswer, Y.encodeStateVector(this.doc), [identity], id).then(() => {
      if (this.answering.get(identity) !== slot) return;
      slot.timer = setTimeout(() => {
        if (this.answering.get(identity) !== slot) return;
        this.answering.delete(identity);
        if (slot.next && !this.destroyed) this.answerPull(identity, slot.next.vector, slot.next.id);
      }, MIN_ANSWER_INTERVAL_MS);
    });
  }

  /** Records a peer's state vector; a Hello or its answer also ends any wait before asking it again. */
  private heard(identity: string, vector: Map<number, number>, spoke: boolean): void {
    const peer = this.peers.get(identity);
    if (!peer) {
      this.peers.set(identity, { vector, stalls: 0, waiting: false });
      return;
    }
    peer.vector = vector;
    if (spoke) {
      clearTimeout(peer.retryTimer);
      peer.waiting = false;
    }
  }

  private forgetPeer(identity: string): void {
    clearTimeout(this.peers.get(identity)?.retryTimer);
    this.peers.delete(identity);
  }

  /**
   * Asks one peer known to have something we lack for it (one at a time: answers would overlap): among those
   * not waiting out a stall, the one that stalled least, first heard first.
   */
  private pullNext(): void {
    if (this.pulling || this.destroyed) return;
    const ours = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    let best: [string, PeerState] | undefined;
    for (const entry of this.peers) {
      const peer = entry[1];
      if (peer.waiting || (best && best[1].stalls <= peer.stalls)) continue;
      if ([...peer.vector].some(([client, clock]) => clock > (ours.get(client) ?? 0))) best = entry;
    }
    if (best) this.startPull(best[0]);
  }

  /** Sends a SyncRequest to `identity`, or (`restart`) a new one in place of the current pull's, same time limit. */
  private startPull(identity: string, restart?: Pull): void {
    const request = Y.encodeStateVector(this.doc);
    const pull = restart ?? { from: identity, requestId: 0, vectorBefore: bytesKey(request) };
    pull.requestId = newMessageId();
    if (!restart) {
      this.pulling = pull;
      pull.capTimer = setTimeout(() => this.stalled(pull, 'too slow'), this.timing.syncMaxMs);
    }
    this.armIdleTimer();
    void this.send(MessageKind.SyncRequest, request, [identity], pull.requestId);
  }

  private armIdleTimer(): void {
    const pull = this.pulling;
    if (!pull) return;
    clearTimeout(pull.idleTimer);
    pull.idleTimer = setTimeout(() => this.stalled(pull, 'silent'), this.timing.syncTimeoutMs);
  }

  /**
   * Gives up on a pull for now: the peer goes to the back of the queue and is asked again after a back-off
   * (doubling, at most `MAX_RETRY_FACTOR` timeouts) — never forgotten, or a lost packet in a two-person call
   * would leave the board out of date until someone reconnects. Meanwhile any other peer is asked.
   */
  private stalled(pull: Pull, why: string): void {
    if (this.pulling !== pull) return;
    console.warn(`[videoconsult] whiteboard catch-up from ${pull.from} stalled (${why}); asking another peer`);
    this.endPull();
    const peer = this.peers.get(pull.from);
    if (peer) {
      peer.stalls += 1;
      this.peers.delete(pull.from);
      this.peers.set(pull.from, peer);
      peer.waiting = true;
      clearTimeout(peer.retryTimer);
      peer.retryTimer = setTimeout(
        () => {
          peer.waiting = false;
          this.pullNext();
        },
        this.timing.syncTimeoutMs * Math.min(2 ** (peer.stalls - 1), MAX_RETRY_FACTOR),
      );
    }
    this.pullNext();
  }

  private endPull(): void {
    clearTimeout(this.pulling?.idleTimer);
    clearTimeout(this.pulling?.capTimer);
    this.pulling = undefined;
  }
}

function bytesKey(bytes: Uint8Array): string {
  return bytes.join(',');
}
