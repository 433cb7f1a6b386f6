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
  for (let index = 0; index < count; index++) {
    const chunk = payload.subarray(index * room, (index + 1) * room);
    const frame = new Uint8Array(HEADER_BYTES + chunk.byteLength);
    const view = new DataView(frame.buffer);
    view.setUint8(0, MAGIC);
    view.setUint8(1, kind);
    view.setUint32(2, id);
    view.setUint16(6, index);
    view.setUint16(8, count);
    frame.set(chunk, HEADER_BYTES);
    frames.push(frame);
  }
  return frames;
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
