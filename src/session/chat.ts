import * as v from 'valibot';
import { TOPICS, type DataTransport, type TransportPeer, type Unsubscribe } from './data-transport.js';
import { attachmentSchema, type ChatAttachment } from './chat-attachments.js';

// Attachments and their uploads live in chat-attachments.ts; these names stay importable from here.
export {
  ATTACHMENT_TYPES,
  MAX_UPLOAD_BYTES,
  UploadError,
  createHttpUploads,
  type AttachmentFetcher,
  type AttachmentType,
  type ChatAttachment,
  type HttpUploadsOptions,
  type Uploader,
} from './chat-attachments.js';

export interface ChatMessage {
  id: string;
  /** Sender identity (taken from the transport, never from the message body). */
  from: string;
  /** Sender display name: plain text, render it as text. */
  name: string;
  text: string;
  /** Milliseconds since the epoch when this client (or, for history, the practitioner's) received it. */
  at: number;
  /** Sent before we joined, replayed to us by the practitioner's client. */
  history?: boolean;
  attachment?: ChatAttachment;
  /** Sent from this client. */
  local?: boolean;
  /** A local message that could not be sent. */
  failed?: boolean;
}

export type ChatRole = 'patient' | 'practitioner';

export interface ChatControllerOptions {
  role: ChatRole;
  /** Maximum message length in characters (default 2000). */
  maxLength?: number;
  /** How many messages are kept and replayed to late joiners (default 500). */
  maxHistory?: number;
  /**
   * Who may send us history (its entries name their senders, which the transport cannot vouch for). By
   * default the first participant to answer is trusted for the rest of the session; pass a check (e.g. on
   * participant attributes set by the token server) to accept it from practitioners only.
   */
  isHistorySource?: (peer: TransportPeer) => boolean;
  /**
   * Besides the practitioner's client, which always replays the conversation, who else this client hands its
   * copy to (on their request and when they join): e.g. practitioners, so one who reloads gets the chat back
   * from the patients. Default: nobody.
   */
  shareHistoryWith?: (peer: TransportPeer) => boolean;
  now?: () => number;
  topic?: string;
  /** The conversation so far (e.g. from before a reconnect that replaced the room); kept as it was. */
  initialMessages?: readonly ChatMessage[];
}

export const CHAT_TOPIC = TOPICS.chat;

/**
 * The token server names practitioners `practitioner-<id>` and generates every identity itself (patients
 * cannot choose theirs), so the prefix is a trustworthy role check: pass it as `isHistorySource`.
 */
export function isPractitionerPeer(peer: TransportPeer): boolean {
  return peer.identity.startsWith('practitioner-');
}
export const DEFAULT_MAX_LENGTH = 2000;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

// valibot: modular, so the chat pays only for the checks it uses (about 1 KiB, where zod/mini cost 7).
function wireSchemas(maxLength: number, maxHistory: number) {
  // Counted in code points, like the sender and the counter do (an emoji is one character, two UTF-16 units).
  const text = v.pipe(
    v.string(),
    v.check((value) => [...value].length <= maxLength, `longer than ${maxLength} characters`),
  );
  const id = v.pipe(v.string(), v.regex(ID_PATTERN));
  const message = v.object({
    type: v.literal('message'),
    id,
    text,
    attachment: v.optional(attachmentSchema),
  });
  const historyEntry = v.object({
    id,
    from: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    name: v.pipe(v.string(), v.maxLength(256)),
    text,
    at: v.pipe(v.number(), v.finite(), v.minValue(0)),
    attachment: v.optional(attachmentSchema),
  });
  const history = v.object({ type: v.literal('history'), messages: v.pipe(v.array(historyEntry), v.maxLength(maxHistory)) });
  const request = v.object({ type: v.literal('history-request') });
  return v.variant('type', [message, history, request]);
}

type Wire = v.InferOutput<ReturnType<typeof wireSchemas>>;

/**
 * The conversation of one consultation, held in memory only (nothing is stored anywhere): messages travel
 * as LiveKit text streams, and the practitioner's client replays the conversation to whoever joins later.
 *
 * Every incoming message is validated; garbage is dropped with a `console.warn`, never thrown.
 * Listen with `subscribe()` or the `change` / `message` events.
 */
export class ChatController extends EventTarget {
  readonly role: ChatRole;
  readonly maxLength: number;
  readonly maxHistory: number;
  private list: ChatMessage[] = [];
  private readonly ids = new Set<string>();
  private readonly schema: ReturnType<typeof wireSchemas>;
  private readonly unsubscribes: Unsubscribe[] = [];
  private sending: Promise<unknown> = Promise.resolve();
  /** Without `isHistorySource`, the first participant to answer is the only one whose history we take. */
  private historySource?: string;
  /**
   * Without `isHistorySource`, a first source is only taken while we wait for an answer to our request: from
   * asking with an empty conversation until one arrives or we send something ourselves.
   */
  private askedForHistory = false;
  private readonly now: () => number;
  private readonly topic: string;
  private disposed = false;

  constructor(
    readonly transport: DataTransport,
    private readonly options: ChatControllerOptions,
  ) {
    super();
    this.role = options.role;
    this.maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
    this.maxHistory = options.maxHistory ?? 500;
    this.now = options.now ?? Date.now;
    this.topic = options.topic ?? CHAT_TOPIC;
    this.schema = wireSchemas(this.maxLength, this.maxHistory);
    this.list = (options.initialMessages ?? []).slice(-this.maxHistory);
    for (const message of this.list) this.ids.add(message.id);
    this.unsubscribes.push(
      transport.onText(this.topic, (text, from) => this.receive(text, from)),
      transport.onParticipantJoined((peer) => {
        // Pushed as well as answered on request: whichever reaches the joiner after its handler is up wins.
        if (this.sharesHistoryWith(peer)) this.sendHistory(peer.identity);
      }),
      transport.onReconnected(() => this.requestHistory()),
    );
    this.requestHistory();
  }

  /** The conversation so far, oldest first. */
  get messages(): readonly ChatMessage[] {
    return this.list;
  }

  get localIdentity(): string {
    return this.transport.localIdentity;
  }

  /** Calls `listener` now and after every change; returns the unsubscribe function. */
  subscribe(listener: (messages: readonly ChatMessage[]) => void): Unsubscribe {
    const handler = () => listener(this.list);
    this.addEventListener('change', handler);
    listener(this.list);
    return () => this.removeEventListener('change', handler);
  }

  /**
   * Sends a message (text and/or an already uploaded attachment). It appears locally at once; sends are
   * serialised so they arrive in the order they were made. Rejects on an empty or too long message.
   */
  async send(text: string, attachment?: ChatAttachment): Promise<ChatMessage> {
    if (this.disposed) throw new Error('The chat has ended.');
    if ([...text].length > this.maxLength) throw new RangeError(`A message can be at most ${this.maxLength} characters.`);
    if (!text.trim() && !attachment) throw new RangeError('A message needs text or an attachment.');
    if (attachment && !v.is(attachmentSchema, attachment)) throw new TypeError('Invalid attachment.');
    const message: ChatMessage = {
      id: newId(),
      from: this.transport.localIdentity,
      name: this.transport.localName,
      text,
      at: this.now(),
      local: true,
      ...(attachment ? { attachment } : {}),
    };
    this.append(message);
    this.askedForHistory = false;
    const wire: Wire = { type: 'message', id: message.id, text, ...(attachment ? { attachment } : {}) };
    const sent = this.sending.then(() => this.transport.sendText(this.topic, JSON.stringify(wire)));
    this.sending = sent.catch(() => undefined);
    try {
      await sent;
    } catch (error) {
      console.warn('[videoconsult] chat message could not be sent:', error);
      this.replace({ ...message, failed: true });
      throw error;
    }
    return message;
  }

  /** Stops listening. The messages stay readable until the controller is dropped. */
  dispose(): void {
    this.disposed = true;
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  private sharesHistoryWith(peer: TransportPeer): boolean {
    return this.role === 'practitioner' || (this.options.shareHistoryWith?.(peer) ?? false);
  }

  private requestHistory(): void {
    if (this.role === 'practitioner' && this.list.length > 0) return;
    this.askedForHistory = true;
    this.transport
      .sendText(this.topic, JSON.stringify({ type: 'history-request' } satisfies Wire))
      .catch((error: unknown) => console.warn('[videoconsult] could not ask for the chat history:', error));
  }

  private sendHistory(to: string): void {
    const messages = this.list
      .filter((m) => !m.failed)
      .slice(-this.maxHistory)
      .map((m) => ({
        id: m.id,
        from: m.from,
        name: m.name,
        text: m.text,
        at: m.at,
        ...(m.attachment ? { attachment: m.attachment } : {}),
      }));
    if (messages.length === 0) return;
    this.transport
      .sendText(this.topic, JSON.stringify({ type: 'history', messages } satisfies Wire), { to: [to] })
      .catch((error: unknown) => console.warn('[videoconsult] could not send the chat history:', error));
  }

  private receive(raw: string, from: TransportPeer): void {
    if (this.disposed) return;
    // A generous bound before parsing: JSON escaping can inflate text up to 6x.
    if (typeof raw !== 'string') return drop(from, 'not text');
    const limit = (this.maxLength * 6 + 4096) * (raw.startsWith('{"type":"history"') ? this.maxHistory : 1);
    if (raw.length > limit) return drop(from, 'oversize message');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return drop(from, 'not JSON');
    }
    const parsed = v.safeParse(this.schema, json);
    if (!parsed.success) return drop(from, parsed.issues[0]?.message ?? 'invalid message');
    const wire = parsed.output;
    switch (wire.type) {
      case 'message': {
        if (!wire.text.trim() && !wire.attachment) return drop(from, 'empty message');
        if (this.ids.has(wire.id)) return;
        this.append({
          id: wire.id,
          from: from.identity,
          name: from.name,
          text: wire.text,
          at: this.now(),
          ...(wire.attachment ? { attachment: wire.attachment } : {}),
        });
        return;
      }
      case 'history-request':
        if (this.sharesHistoryWith(from)) this.sendHistory(from.identity);
        return;
      case 'history': {
        const allowed = this.options.isHistorySource
          ? this.options.isHistorySource(from)
          : this.historySource === from.identity || (this.askedForHistory && this.historySource === undefined);
        if (!allowed) return drop(from, 'history from a participant who may not send it');
        this.historySource = from.identity;
        this.askedForHistory = false;
        this.mergeHistory(wire.messages.filter((m) => !this.ids.has(m.id) && (m.text.trim() || m.attachment)));
        return;
      }
    }
  }

  /** History goes in by the practitioner's receive time, ahead of anything newer that we already have. */
  private mergeHistory(entries: Array<Omit<ChatMessage, 'history' | 'local'>>): void {
    if (entries.length === 0) return;
    const next = [...this.list];
    for (const entry of entries) {
      const message: ChatMessage = { ...entry, history: true, ...(entry.from === this.localIdentity ? { local: true } : {}) };
      let index = next.length;
      while (index > 0 && next[index - 1]!.at > message.at) index -= 1;
      next.splice(index, 0, message);
      this.ids.add(message.id);
    }
    this.list = next.slice(-this.maxHistory);
    this.dispatchEvent(new CustomEvent('message', { detail: { messages: entries.length, history: true } }));
    this.dispatchEvent(new Event('change'));
  }

  private append(message: ChatMessage): void {
    this.ids.add(message.id);
    this.list = [...this.list, message].slice(-this.maxHistory);
    this.dispatchEvent(new CustomEvent('message', { detail: { message, history: false } }));
    this.dispatchEvent(new Event('change'));
  }

  private replace(message: ChatMessage): void {
    this.list = this.list.map((m) => (m.id === message.id ? message : m));
    this.dispatchEvent(new Event('change'));
  }
}

function drop(from: TransportPeer, reason: string): void {
  console.warn(`[videoconsult] dropped a chat message from ${from.identity}: ${reason}`);
}

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}
