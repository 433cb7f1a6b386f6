// Reads a token-server event stream from Node (as an integrator's back end or a test would).
export interface StreamEvent {
  type: string;
  data: unknown;
}

export class EventStreamReader {
  private readonly controller = new AbortController();
  private readonly events: StreamEvent[] = [];
  private waiters: (() => void)[] = [];
  readonly opened: Promise<Response>;

  constructor(url: string, token: string) {
    this.opened = fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: this.controller.signal,
    });
    void this.pump();
  }

  private async pump(): Promise<void> {
    const res = await this.opened;
    if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}: ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let type = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length) {
            this.events.push({ type, data: JSON.parse(data.join('\n')) });
            for (const wake of this.waiters.splice(0)) wake();
          }
        }
      }
    } catch {
      /* aborted */
    }
  }

  /** Resolves with the first event (from the start of the stream) that matches. */
  async waitFor<T>(predicate: (e: StreamEvent) => boolean, timeoutMs = 15000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found.data as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; saw: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The newest event that matches, waiting for one if there is none yet. */
  async latest<T>(predicate: (e: StreamEvent) => boolean, timeoutMs = 15000): Promise<T> {
    await this.waitFor(predicate, timeoutMs);
    return this.events.filter(predicate).at(-1)!.data as T;
  }

  close(): void {
    this.controller.abort();
  }
}
