import * as Y from 'yjs';
import * as v from 'valibot';
import {
  MAX_LOSSY_PACKET_BYTES,
  MAX_RELIABLE_PACKET_BYTES,
  TOPICS,
  type DataTransport,
  type TransportPeer,
  type Unsubscribe,
} from './data-transport.js';
import {
  backgroundSchema,
  cursorSchema,
  storedElement,
  toStored,
  validElement,
  type BoardBackground,
  type BoardElement,
  type NewBoardElement,
  type RemoteCursor,
} from './whiteboard-model.js';
import { CatchUp, MessageKind, Reassembler, decodeFrame, encodeFrames, newMessageId, type Frame } from './whiteboard-protocol.js';

// The model lives in whiteboard-model.ts; importers of the sync keep finding it here.
export * from './whiteboard-model.js';

export interface WhiteboardSyncOptions {
  role: 'patient' | 'practitioner';
  /** Start from this document (tests; otherwise a fresh one). */
  doc?: Y.Doc;
  topic?: string;
  cursorTopic?: string;
  /** Largest payload per reliable packet, header included (default 12 KiB, under LiveKit's ~15 KiB). */
  maxPacketBytes?: number;
  /** Minimum milliseconds between two cursor packets (default 50: 20 Hz). */
  cursorIntervalMs?: number;
  /**
   * How long a catch-up may go without a piece of its answer before another peer is asked instead (default
   * 3000). The peer is asked again later, after a back-off.
   */
  syncTimeoutMs?: number;
  /** The longest one catch-up may take, however steadily its answer trickles in (default 10 × syncTimeoutMs). */
  syncMaxMs?: number;
  now?: () => number;
}

export const WHITEBOARD_TOPIC = TOPICS.whiteboard;
export const CURSOR_TOPIC = TOPICS.whiteboardCursor;

const CURSOR_TTL_MS = 5_000;
const LASER_TRAIL_MS = 1_000;

/**
 * The shared board: a Y.Doc kept in sync over a `DataTransport`.
 *
 * - Local edits go out as Yjs updates, split into packets of at most `maxPacketBytes`.
 * - On start, on every join and on reconnect a client says Hello with its state vector; peers answer with
 *   their vector. Both send their own deletions first, which vectors do not show. Each side then pulls what
 *   it lacks from one peer at a time — the first known to have it — so a late joiner gets the board once, not
 *   once per peer. If that peer leaves, its answer is silent for `syncTimeoutMs` or takes longer than
 *   `syncMaxMs`, the next one is asked, and the stalled one again later.
 * - Undo/redo only touch this client's own transactions.
 * - Cursors and the laser pointer travel on the lossy channel, throttled.
 * - Nothing incoming is trusted: bad frames, bad updates and bad elements are logged and skipped.
 *
 * Events: `change` (document changed), `cursors` (remote cursors changed), `undo-state`.
 */
export class WhiteboardSync extends EventTarget {
  readonly doc: Y.Doc;
  readonly undoManager: Y.UndoManager;
  readonly role: 'patient' | 'practitioner';
  /** Transaction origin of this client's edits: the only origin the undo manager tracks. */
  readonly localOrigin = Symbol('local');
  private readonly remoteOrigin = Symbol('remote');
  private readonly elementsArray: Y.Array<unknown>;
  private readonly meta: Y.Map<unknown>;
  private readonly topic: string;
  private readonly cursorTopic: string;
  private readonly maxPacketBytes: number;
  private readonly cursorIntervalMs: number;
  private readonly now: () => number;
  private readonly unsubscribes: Unsubscribe[] = [];
  private readonly reassembler: Reassembler;
  private readonly remoteCursors = new Map<string, RemoteCursor>();
  private readonly catchUp: CatchUp;
  private sendQueue: Promise<void> = Promise.resolve();
  private cursorTimer: ReturnType<typeof setTimeout> | undefined;
  private lastCursorSent = -Infinity;
  private nextCursor: Uint8Array | undefined;
  private validCache = new WeakMap<object, BoardElement | null>();
  private destroyed = false;

  constructor(
    readonly transport: DataTransport,
    options: WhiteboardSyncOptions,
  ) {
    super();
    this.role = options.role;
    this.doc = options.doc ?? new Y.Doc();
    this.topic = options.topic ?? WHITEBOARD_TOPIC;
    this.cursorTopic = options.cursorTopic ?? CURSOR_TOPIC;
    this.maxPacketBytes = Math.min(options.maxPacketBytes ?? 12 * 1024, MAX_RELIABLE_PACKET_BYTES);
    this.cursorIntervalMs = options.cursorIntervalMs ?? 50;
    this.now = options.now ?? Date.now;
    this.reassembler = new Reassembler(this.now);
    const syncTimeoutMs = options.syncTimeoutMs ?? 3000;
    this.catchUp = new CatchUp(this.doc, (kind, payload, to, id) => this.sendMessage(kind, payload, to, id), {
      syncTimeoutMs,
      syncMaxMs: options.syncMaxMs ?? syncTimeoutMs * 10,
    });
    this.elementsArray = this.doc.getArray('elements');
    this.meta = this.doc.getMap('meta');
    this.undoManager = new Y.UndoManager([this.elementsArray, this.meta], {
      trackedOrigins: new Set([this.localOrigin]),
      captureTimeout: 0,
    });
    const undoState = () => this.dispatchEvent(new Event('undo-state'));
    for (const event of ['stack-item-added', 'stack-item-popped', 'stack-cleared'] as const) this.undoManager.on(event, undoState);

    this.doc.on('update', this.onDocUpdate);
    this.unsubscribes.push(
      transport.onBytes(this.topic, (bytes, from) => this.receiveFrame(bytes, from)),
      transport.onLossy(this.cursorTopic, (bytes, from) => this.receiveCursor(bytes, from)),
      transport.onParticipantJoined((peer) => this.catchUp.hello([peer.identity])),
      transport.onParticipantLeft((peer) => {
        this.catchUp.peerLeft(peer.identity);
        if (this.remoteCursors.delete(peer.identity)) this.dispatchEvent(new Event('cursors'));
        this.reassembler.forget(peer.identity);
      }),
      transport.onReconnected(() => this.resync()),
    );
    this.resync();
  }

  /**
   * Tells everyone this client's deletions and state vector: each side then pulls what it lacks from one peer.
   * (A board created after its transport joined — a reload, a new room — has missed the peers' join-time
   * Hellos: this one makes them answer.)
   */
  resync(): void {
    this.catchUp.resync();
  }

  /** The board's valid elements in drawing order (malformed ones a peer may have inserted are skipped). */
  elements(): BoardElement[] {
    const out: BoardElement[] = [];
    for (const value of this.elementsArray.toArray()) {
      if (typeof value !== 'object' || value === null) continue;
      let valid = this.validCache.get(value);
      if (valid === undefined) {
        valid = storedElement(value) ?? null;
        this.validCache.set(value, valid);
      }
      if (valid) out.push(valid);
    }
    return out;
  }

  background(): BoardBackground | undefined {
    const parsed = v.safeParse(backgroundSchema, this.meta.get('background'));
    return parsed.success ? parsed.output : undefined;
  }

  /** Adds an element as this client's own (undoable) action; returns its id, or undefined if invalid. */
  addElement(element: NewBoardElement): string | undefined {
    const full = { ...element, id: newId(), author: this.transport.localIdentity };
    if (!validElement(full)) {
      console.warn('[videoconsult] refused to add an invalid whiteboard element');
      return undefined;
    }
    this.doc.transact(() => this.elementsArray.push([toStored(full)]), this.localOrigin);
    return full.id;
  }

  /** Removes elements (anyone's: erasing is a shared action) as one undoable step of this client. */
  removeElements(ids: Iterable<string>): number {
    const wanted = new Set(ids);
    let removed = 0;
    this.doc.transact(() => {
      const values = this.elementsArray.toArray();
      for (let i = values.length - 1; i >= 0; i--) {
        const id = (values[i] as { id?: unknown } | null)?.id;
        if (typeof id === 'string' && wanted.has(id)) {
          this.elementsArray.delete(i, 1);
          removed += 1;
        }
      }
    }, this.localOrigin);
    return removed;
  }

  /** Practitioner only: removes everything drawn (the background stays). */
  clear(): boolean {
    if (this.role !== 'practitioner') return false;
    this.doc.transact(() => this.elementsArray.delete(0, this.elementsArray.length), this.localOrigin);
    return true;
  }

  setBackground(background: BoardBackground | undefined): void {
    if (background && !v.is(backgroundSchema, background)) throw new TypeError('Invalid background.');
    this.doc.transact(() => {
      if (background) this.meta.set('background', { ...background });
      else this.meta.delete('background');
    }, this.localOrigin);
  }

  get canUndo(): boolean {
    return this.undoManager.undoStack.length > 0;
  }
  get canRedo(): boolean {
    return this.undoManager.redoStack.length > 0;
  }
  undo(): void {
    this.undoManager.undo();
  }
  redo(): void {
    this.undoManager.redo();
  }

  /** Shares where this client points (board coordinates), at most every `cursorIntervalMs`. */
  setCursor(cursor: { x: number; y: number; laser: boolean; color: string } | null): void {
    if (this.destroyed) return;
    const body = cursor ? { x: round(cursor.x), y: round(cursor.y), laser: cursor.laser, color: cursor.color } : { hidden: true };
    this.nextCursor = new TextEncoder().encode(JSON.stringify(body));
    const wait = this.lastCursorSent + this.cursorIntervalMs - this.now();
    if (wait <= 0) this.flushCursor();
    else this.cursorTimer ??= setTimeout(() => this.flushCursor(), wait);
  }

  /** Remote cursors seen in the last few seconds. */
  cursors(): RemoteCursor[] {
    const now = this.now();
    for (const [identity, cursor] of this.remoteCursors) if (now - cursor.at > CURSOR_TTL_MS) this.remoteCursors.delete(identity);
    return [...this.remoteCursors.values()];
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.cursorTimer);
    this.catchUp.destroy();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.doc.off('update', this.onDocUpdate);
    this.undoManager.destroy();
    this.reassembler.clear();
  }

  // --- outgoing ---------------------------------------------------------------------------------------------

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin !== this.remoteOrigin) this.sendMessage(MessageKind.Update, update);
    this.dispatchEvent(new Event('change'));
  };

  /** Resolves once the message has been handed to the transport (or failed to be). */
  private sendMessage(kind: MessageKind, payload: Uint8Array, to?: string[], id = newMessageId()): Promise<void> {
    if (this.destroyed) return this.sendQueue;
    const frames = encodeFrames(kind, id, payload, this.maxPacketBytes);
    if (!frames) {
      console.warn('[videoconsult] whiteboard update too large to send');
      return this.sendQueue;
    }
    const options = to ? { to } : undefined;
    // Serialised so a message's chunks, and messages, leave in order.
    return (this.sendQueue = this.sendQueue.then(async () => {
      try {
        for (const frame of frames) await this.transport.sendBytes(this.topic, frame, options);
      } catch (error) {
        // The next resync (join, reconnect) repairs whatever did not get through.
        console.warn('[videoconsult] whiteboard send failed:', error);
      }
    }));
  }

  private flushCursor(): void {
    this.cursorTimer = undefined;
    const body = this.nextCursor;
    if (!body || this.destroyed) return;
    this.nextCursor = undefined;
    this.lastCursorSent = this.now();
    try {
      this.transport.sendLossy(this.cursorTopic, body);
    } catch (error) {
      console.warn('[videoconsult] cursor send failed:', error);
    }
  }

  // --- incoming ---------------------------------------------------------------------------------------------

  private receiveFrame(bytes: Uint8Array, from: TransportPeer): void {
    if (this.destroyed) return;
    const frame = decodeFrame(bytes);
    if (typeof frame === 'string') return dropped(from, frame);
    const result = this.reassembler.add(from.identity, frame);
    if ('error' in result) return dropped(from, result.error);
    // A new, well-formed chunk of the answer we wait for is progress, however long the whole takes (up to
    // `syncMaxMs`); anything else the peer sends is not.
    if ('progress' in result) this.catchUp.progress(frame, from.identity);
    if ('message' in result) this.handleMessage(frame, result.message, from);
  }

  private handleMessage(frame: Frame, payload: Uint8Array, from: TransportPeer): void {
    if (frame.kind === MessageKind.Update) {
      try {
        // Decoding first validates the whole update without touching the document.
        Y.decodeUpdate(payload);
        Y.applyUpdate(this.doc, payload, this.remoteOrigin);
      } catch (error) {
        return dropped(from, `bad update (${String(error)})`);
      }
      this.catchUp.progress(frame, from.identity);
      return;
    }
    let vector: Map<number, number>;
    try {
      vector = Y.decodeStateVector(payload);
    } catch {
      return dropped(from, 'bad state vector');
    }
    this.catchUp.receive(frame, payload, vector, from.identity);
  }

  private receiveCursor(bytes: Uint8Array, from: TransportPeer): void {
    if (this.destroyed) return;
    if (!(bytes instanceof Uint8Array) || bytes.byteLength > MAX_LOSSY_PACKET_BYTES) return dropped(from, 'oversize cursor');
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return dropped(from, 'cursor is not JSON');
    }
    const parsed = v.safeParse(cursorSchema, json);
    if (!parsed.success) return dropped(from, 'invalid cursor');
    const now = this.now();
    if ('hidden' in parsed.output) {
      this.remoteCursors.delete(from.identity);
    } else {
      const { x, y, laser, color } = parsed.output;
      const previous = this.remoteCursors.get(from.identity);
      const trail = laser ? [...(previous?.trail ?? []).filter((p) => now - p.at < LASER_TRAIL_MS), { x, y, at: now }] : [];
      this.remoteCursors.set(from.identity, { identity: from.identity, name: from.name, x, y, laser, color, trail, at: now });
    }
    this.dispatchEvent(new Event('cursors'));
  }
}

function dropped(from: TransportPeer, reason: string): void {
  console.warn(`[videoconsult] dropped whiteboard data from ${from.identity}: ${reason}`);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}
