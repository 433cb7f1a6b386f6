/**
 * A waiting patient's page as far as the server sees it: one event stream, reconnected like the SDK's lobby
 * client does (Last-Event-ID, a short pause), going through whatever instance answers, as behind a load
 * balancer: an instance that refuses the connection or drops the stream is skipped for the next one.
 */
export interface PageEvent {
  event: string;
  data: Record<string, unknown>;
  /** performance.now() when it arrived. */
  at: number;
  /** The instance that sent it. */
  base: string;
}

const TERMINAL = new Set(['ended', 'declined']);

export class PatientPage {
  readonly events: PageEvent[] = [];
  /** Instances the stream was (re)opened on, in order. */
  readonly connections: string[] = [];
  /** Statuses of refused stream requests (e.g. 503 while Redis is down). */
  readonly refusals: number[] = [];
  private next = 0;
  private lastEventId: string | undefined;
  private controller = new AbortController();
  private stopped = false;
  private waiters: (() => void)[] = [];
  private readonly running: Promise<void>;

  constructor(
    readonly ticket: string,
    readonly ticketId: string,
    private readonly bases: readonly string[],
    /** The patient's address as the proxy in front of the instances reports it. */
    private readonly forwardedFor: string,
  ) {
    this.running = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const base = this.bases[this.next % this.bases.length]!;
      let ended = false;
      try {
        ended = await this.stream(base);
      } catch {
        // Refused or dropped: try the next instance.
      }
      if (ended) return;
      this.next++;
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** One connection; resolves true when the server ended the patient's wait for good. */
  private async stream(base: string): Promise<boolean> {
    this.controller = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${this.ticket}`, 'x-forwarded-for': this.forwardedFor };
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
    const res = await fetch(`${base}/v1/lobby/events`, { headers, signal: this.controller.signal });
    if (res.status !== 200 || !res.body) {
      this.refusals.push(res.status);
      await res.body?.cancel();
      return false;
    }
    this.connections.push(base);
    this.wake();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let i: number;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
          else if (line.startsWith('id: ')) this.lastEventId = line.slice(4);
        }
        if (!data) continue;
        this.events.push({ event, data: JSON.parse(data) as Record<string, unknown>, at: performance.now(), base });
        this.wake();
        if (TERMINAL.has(event)) return true;
      }
    }
    return false;
  }

  private wake(): void {
    for (const fn of this.waiters.splice(0)) fn();
  }

  /** Resolves once `check` holds (re-checked on every event and connection); fails after `ms`. */
  async until(check: (page: this) => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check(this)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `patient ${this.ticketId}: no ${what} within ${ms} ms (events: ${JSON.stringify(this.events.map((e) => e.event))})`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  of(event: string): PageEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  /** The last queue position the page was told. */
  get position(): number | undefined {
    const last = this.of('queue').at(-1);
    return last ? Number(last.data.position) : undefined;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.controller.abort();
    await this.running;
  }
}
