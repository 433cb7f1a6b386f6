import type { AttachmentFetcher, ChatController, Uploader } from './chat.js';
import { TOPICS, type DataTransport, type TextHandler, type TransportPeer, type Unsubscribe } from './data-transport.js';
import { isTerminal } from './state-machine.js';
import type { VcSession } from './types.js';
import type { WhiteboardSync } from './whiteboard-sync.js';

/**
 * Chat, file sharing and whiteboard of one session, shared by every element that shows them (the chat inside
 * `<vc-consultation>` and a standalone `<vc-chat session="…">` see the same conversation): one per session,
 * from `collaborationFor(session)`.
 *
 * - The `ChatController` starts as soon as the call is connected (so nothing is missed while the chat is
 *   collapsed or not yet shown) and is replaced, messages kept, when a reconnect brings a new room. Its code
 *   (and the message validation) loads on demand, once per page: chat messages that arrive before it has
 *   loaded are held and handed to it in order.
 * - The whiteboard costs nothing until it is opened: `openWhiteboard()` loads yjs and the sync on demand; a
 *   peer who opens theirs flips `whiteboardActive` so the UI can offer or show it. The board's document
 *   survives a new room (it resyncs with the peers).
 * - Leaving the call disposes all of it: nothing outlives the session.
 *
 * Event: `change` whenever `chat`, `whiteboard`, `whiteboardActive` or the upload access changes.
 */
export class Collaboration extends EventTarget {
  private chatController?: ChatController;
  private chatModule?: ChatModule;
  private bufferedChat?: TextBuffer;
  private sync?: WhiteboardSync;
  private syncLoading?: Promise<WhiteboardSync | undefined>;
  private transport?: DataTransport;
  private unwatch?: Unsubscribe;
  private active = false;
  private ended = false;

  /** Uploads a file to the token server with the participant's current grant. */
  readonly upload: Uploader = async (file, options) => (await this.uploads()).upload(file, options);
  /** Fetches a shared file with the participant's current grant (never from a URL a peer sent). */
  readonly fetchAttachment: AttachmentFetcher = async (attachment, options) => (await this.uploads()).download(attachment, options);

  constructor(readonly session: VcSession) {
    super();
    session.subscribe(
      (s) => (isTerminal(s.state) ? undefined : s.dataTransport),
      () => this.onTransport(),
    );
    this.onTransport();
  }

  /** The conversation, while in the call. */
  get chat(): ChatController | undefined {
    return this.chatController;
  }

  /** The board's sync once opened (by `openWhiteboard()`) and while in the call. */
  get whiteboard(): WhiteboardSync | undefined {
    return this.sync;
  }

  /** Someone (this participant or a peer) opened or drew on the board during this call. */
  get whiteboardActive(): boolean {
    return this.active;
  }

  /** File sharing is possible: in the call, with a token server and a grant to authorise with. */
  get canShareFiles(): boolean {
    return !!this.transport && !!this.session.callAccess?.();
  }

  /** Loads the board's sync code (once) and starts syncing; resolves undefined when not in a call. */
  openWhiteboard(): Promise<WhiteboardSync | undefined> {
    if (this.sync) return Promise.resolve(this.sync);
    this.syncLoading ??= import('./whiteboard-sync.js')
      .then(({ WhiteboardSync }) => {
        this.syncLoading = undefined;
        const transport = this.transport;
        if (!transport || this.ended) return undefined;
        this.sync ??= new WhiteboardSync(transport, { role: this.session.snapshot.role });
        this.markActive();
        this.changed();
        return this.sync;
      })
      .catch((error: unknown) => {
        this.syncLoading = undefined;
        throw error;
      });
    return this.syncLoading;
  }

  private async uploads(): Promise<ReturnType<ChatModule['createHttpUploads']>> {
    const access = this.session.callAccess?.();
    if (!access) throw new Error('Files can only be shared during the call, with a server-url.');
    const { createHttpUploads } = await loadChatModule();
    // Read at each request: the SFU refreshes the grant during the call.
    return createHttpUploads({
      serverUrl: access.serverUrl,
      room: access.room,
      token: () => this.session.callAccess?.()?.token ?? access.token,
    });
  }

  private onTransport(): void {
    const snapshot = this.session.snapshot;
    const next = isTerminal(snapshot.state) ? undefined : snapshot.dataTransport;
    if (isTerminal(snapshot.state)) this.ended = true;
    if (next === this.transport) return;
    const previous = this.chatController;
    const previousSync = this.sync;
    previous?.dispose();
    previousSync?.destroy();
    this.unwatch?.();
    this.unwatch = undefined;
    // Messages that came before the chat's code loaded are not lost when the room changes meanwhile.
    const carried = this.bufferedChat?.dispose() ?? [];
    this.bufferedChat = undefined;
    this.chatController = undefined;
    this.sync = undefined;
    this.transport = next;
    if (next) {
      const role = snapshot.role;
      const startChat = (module: ChatModule, transport: DataTransport): void => {
        this.chatController = new module.ChatController(transport, {
          role,
          // A patient takes history from practitioners only, and gives its copy to a practitioner who reloaded;
          // that practitioner takes it from the first participant to answer its request.
          ...(role === 'patient' ? { isHistorySource: module.isPractitionerPeer, shareHistoryWith: module.isPractitionerPeer } : {}),
          ...(previous ? { initialMessages: previous.messages } : {}),
        });
      };
      if (this.chatModule) startChat(this.chatModule, next);
      else this.startChatWhenLoaded((this.bufferedChat = bufferText(next, TOPICS.chat, carried)), startChat);
      if (previousSync) {
        // Same document on the new room: the peers' sync fills in whatever happened meanwhile.
        void import('./whiteboard-sync.js').then(({ WhiteboardSync }) => {
          if (this.transport !== next || this.sync) return;
          this.sync = new WhiteboardSync(next, { role, doc: previousSync.doc });
          this.changed();
        });
      } else if (!this.active) {
        this.unwatch = watchWhiteboard(next, () => {
          this.markActive();
          this.changed();
        });
      }
    } else if (this.ended) {
      this.active = false;
    }
    this.changed();
  }

  /**
   * Loads the chat's code and starts the chat on `buffer`'s transport, retrying with backoff (a network hiccup,
   * a deploy that replaced the chunk) while the room lasts; the buffer holds what arrives meanwhile.
   */
  private startChatWhenLoaded(buffer: TextBuffer, start: (module: ChatModule, transport: DataTransport) => void, attempt = 0): void {
    loadChatModule().then(
      (module) => {
        this.chatModule = module;
        if (this.bufferedChat !== buffer) return; // the room changed (or ended) meanwhile
        start(module, buffer.transport);
        this.changed();
      },
      (error: unknown) => {
        if (this.bufferedChat !== buffer) return;
        if (attempt + 1 >= CHAT_LOAD_ATTEMPTS) {
          console.warn('[videoconsult] The chat could not be loaded; giving up:', error);
          buffer.dispose();
          return;
        }
        console.warn('[videoconsult] The chat could not be loaded; retrying:', error);
        setTimeout(
          () => {
            if (this.bufferedChat === buffer) this.startChatWhenLoaded(buffer, start, attempt + 1);
          },
          Math.min(30_000, 1_000 * 2 ** attempt),
        );
      },
    );
  }

  private markActive(): void {
    this.active = true;
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

/**
 * Calls `onActive` once, when another participant opens or draws on the board (any whiteboard packet), so
 * the host can load the board and show it too. Costs nothing but a topic listener; the packet that woke it
 * up is not lost: a `WhiteboardSync` created afterwards asks its peers for the whole state.
 */
export function watchWhiteboard(transport: DataTransport, onActive: (by: TransportPeer) => void): Unsubscribe {
  let done = false;
  const unsubscribe = transport.onBytes(TOPICS.whiteboard, (_bytes, from) => {
    if (done) return;
    done = true;
    // After this delivery: unsubscribing inside the handler must not disturb the other listeners.
    queueMicrotask(unsubscribe);
    onActive(from);
  });
  return () => {
    done = true;
    unsubscribe();
  };
}

type ChatModule = typeof import('./chat.js');
let chatModuleLoading: Promise<ChatModule> | undefined;

/** The chat's code (and its message validation), loaded once per page on first use. */
function loadChatModule(): Promise<ChatModule> {
  chatModuleLoading ??= import('./chat.js');
  chatModuleLoading.catch(() => (chatModuleLoading = undefined));
  return chatModuleLoading;
}

type HeldText = [text: string, from: TransportPeer];

interface TextBuffer {
  /** `transport`, except that the first `onText(topic)` subscriber first gets everything held so far. */
  readonly transport: DataTransport;
  /** Stops holding (unless a subscriber took over); returns what was held and not yet handed over. */
  dispose(): HeldText[];
}

/**
 * @internal Exported for tests.
 * Holds the text that arrives on `topic` until someone subscribes through the returned transport, then hands
 * it over in order, followed by the live messages (all through one subscription, so nothing is reordered).
 */
export function bufferText(transport: DataTransport, topic: string, initial: readonly HeldText[] = []): TextBuffer {
  const held: HeldText[] = [];
  let heldChars = 0;
  let consumer: TextHandler | undefined;
  let subscribed = true;
  const hold = (text: string, from: TransportPeer): void => {
    // Bounded: a peer could flood the topic before our code has loaded.
    if (held.length >= MAX_HELD_MESSAGES || heldChars + text.length > MAX_HELD_CHARS) return;
    held.push([text, from]);
    heldChars += text.length;
  };
  for (const [text, from] of initial) hold(text, from);
  const deliver = (text: string, from: TransportPeer): void => {
    if (consumer && held.length === 0) consumer(text, from);
    else hold(text, from);
  };
  const real = transport.onText(topic, deliver);
  const unsubscribe = (): void => {
    if (subscribed) real();
    subscribed = false;
  };
  const onText = (t: string, handler: TextHandler): Unsubscribe => {
    if (t !== topic || consumer || !subscribed) return transport.onText(t, handler);
    consumer = handler;
    // After the subscriber's constructor has finished, like a message from the network would arrive.
    queueMicrotask(() => {
      while (consumer === handler && held.length > 0) {
        const [text, from] = held.shift()!;
        heldChars -= text.length;
        handler(text, from);
      }
    });
    return () => {
      if (consumer === handler) consumer = undefined;
      unsubscribe();
    };
  };
  const wrapped = new Proxy(transport, {
    get: (target, key) => {
      if (key === 'onText') return onText;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    transport: wrapped,
    dispose: () => {
      if (!consumer) unsubscribe();
      heldChars = 0;
      return held.splice(0);
    },
  };
}

/** More than a conversation could hold before the chat's code has loaded (a few milliseconds). */
const MAX_HELD_MESSAGES = 1000;
const MAX_HELD_CHARS = 4 * 1024 * 1024;
/** Loading the chat's code: tried this often (1 s, 2 s, 4 s … apart) while the room lasts. */
const CHAT_LOAD_ATTEMPTS = 6;

const collaborations = new WeakMap<VcSession, Collaboration>();

/** The one `Collaboration` of `session` (created on first use). */
export function collaborationFor(session: VcSession): Collaboration {
  let collaboration = collaborations.get(session);
  if (!collaboration) collaborations.set(session, (collaboration = new Collaboration(session)));
  return collaboration;
}

/**
 * For elements that show a session's collaboration: moves `listener` (for `change`) from the collaboration
 * they followed to the one of `session`, and returns the latter.
 */
export function followCollaboration(
  previous: Collaboration | undefined,
  session: VcSession | undefined,
  listener: () => void,
): Collaboration | undefined {
  const next = session ? collaborationFor(session) : undefined;
  if (next !== previous) {
    previous?.removeEventListener('change', listener);
    next?.addEventListener('change', listener);
  }
  return next;
}
