import { SseParser } from './sse.js';
import type { FetchLike } from './http.js';

export interface LobbyStreamOptions {
  url: string;
  /** The lobby ticket or practitioner token; sent in the Authorization header, never in the URL. */
  token: string;
  /** Event types this stream understands; others are ignored with a warning. */
  eventTypes: readonly string[];
  onEvent: (type: string, data: Record<string, unknown>) => void;
  /** Called when the stream is (re)opened or lost; lets the session show "reconnecting to the lobby". */
  onConnectionChange?: (connected: boolean) => void;
  /** A refusal (401/403/404/410) that reconnecting cannot fix. */
  onFatal: (status: number, code: string, message: string) => void;
  fetch?: FetchLike;
  /** Backoff delays in ms; the last one repeats. */
  backoff?: readonly number[];
}

const DEFAULT_BACKOFF = [500, 1000, 2000, 4000, 8000, 15000];

/**
 * Reads a server-sent-events stream with fetch + ReadableStream so the ticket travels in a header.
 * Reconnects with backoff, keeping the same ticket (the server keeps the patient's place).
 */
export class LobbyStream {
  private controller?: AbortController;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private attempt = 0;
  private closed = false;
  /** Sent back as `Last-Event-ID` on reconnect so the server skips what we already have. */
  private lastEventId?: string;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly options: LobbyStreamOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  open(): void {
    this.closed = false;
    void this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.controller?.abort();
    this.controller = undefined;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const controller = new AbortController();
    this.controller = controller;
    try {
      const response = await this.fetchImpl(this.options.url, {
        headers: {
          Accept: 'text/event-stream',
          Authorization: `Bearer ${this.options.token}`,
          ...(this.lastEventId !== undefined ? { 'Last-Event-ID': this.lastEventId } : {}),
        },
        credentials: 'omit',
        cache: 'no-store',
        signal: controller.signal,
      });
      if ([401, 403, 404, 410].includes(response.status)) {
        const { code, message } = await readError(response);
        this.closed = true;
        this.options.onFatal(response.status, code, message);
        return;
      }
      if (!response.ok || !response.body) throw new Error(`lobby stream answered ${response.status}`);
      this.attempt = 0;
      this.options.onConnectionChange?.(true);
      await this.read(response.body, controller.signal);
    } catch (error) {
      if (controller.signal.aborted || this.closed) return;
      console.warn('[videoconsult] lobby stream interrupted:', error);
    }
    if (this.closed || controller.signal.aborted) return;
    this.options.onConnectionChange?.(false);
    this.scheduleReconnect();
  }

  private async read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    const abort = () => void reader.cancel().catch(() => undefined);
    signal.addEventListener('abort', abort, { once: true });
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          if (this.closed) return;
          if (event.id !== undefined) this.lastEventId = event.id;
          this.dispatch(event.event, event.data);
        }
      }
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  private dispatch(type: string, raw: string): void {
    if (!this.options.eventTypes.includes(type)) {
      console.warn(`[videoconsult] ignoring lobby event "${type}": unknown event type`);
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      console.warn(`[videoconsult] ignoring lobby event "${type}": data is not valid JSON`);
      return;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      console.warn(`[videoconsult] ignoring lobby event "${type}": data is not a JSON object`);
      return;
    }
    this.options.onEvent(type, data as Record<string, unknown>);
  }

  private scheduleReconnect(): void {
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    const base = backoff[Math.min(this.attempt, backoff.length - 1)] ?? 1000;
    this.attempt += 1;
    // Jitter so a server restart is not met by every waiting patient at the same instant.
    const delay = base * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}

async function readError(response: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    return {
      code: body.error?.code ?? `http_${response.status}`,
      message: body.error?.message ?? 'The waiting room refused the connection.',
    };
  } catch {
    return { code: `http_${response.status}`, message: 'The waiting room refused the connection.' };
  }
}
