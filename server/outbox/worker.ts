import type { ClaimedDelivery, DeliveryLogRow, OutboxStore } from './outbox.js';
import { webhookHeaders } from './signing.js';

/** After the first attempt fails: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h (Svix's schedule). Then it gives up. */
export const RETRY_SCHEDULE_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];
export const DELIVERY_TIMEOUT_MS = 15_000;
/** Longer than the timeout, so a live worker never loses its lease mid-attempt; a dead one's lapses. */
export const LEASE_MS = 60_000;

export interface DeliveryWorkerOptions {
  store: OutboxStore;
  /** Unique per instance (and per start): the lease owner. */
  owner: string;
  now?: () => number;
  fetch?: typeof globalThis.fetch;
  schedule?: readonly number[];
  timeoutMs?: number;
  leaseMs?: number;
  /** Deliveries claimed (and attempted in parallel) per round. */
  batch?: number;
  /** How often start() looks for due deliveries when nobody calls wake(). */
  pollMs?: number;
  log?: (line: string) => void;
}

/** Seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Delivers the outbox. A 2xx within the timeout is success; a 3xx is not followed (a receiver that moved says
 * so with its configuration, not with a redirect to somewhere we never vetted). `410 Gone` disables the endpoint.
 * Anything else is retried on the schedule, or after the receiver's `Retry-After` when it sends one.
 */
export class DeliveryWorker {
  private readonly now: () => number;
  private readonly fetch: typeof globalThis.fetch;
  private readonly schedule: readonly number[];
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly batch: number;
  private readonly pollMs: number;
  private readonly log: (line: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.schedule = options.schedule ?? RETRY_SCHEDULE_MS;
    this.timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    this.batch = options.batch ?? 10;
    this.pollMs = options.pollMs ?? 1000;
    this.log = options.log ?? (() => undefined);
  }

  /** One round: claims what is due and attempts it. Returns the number of attempts made. */
  async runOnce(): Promise<number> {
    const claimed = await this.options.store.claimWebhookDeliveries(this.options.owner, this.now(), this.leaseMs, this.batch);
    await Promise.all(claimed.map((d) => this.attempt(d)));
    return claimed.length;
  }

  /** Runs rounds until nothing is due (tests; and the loop below). */
  async drain(): Promise<number> {
    let total = 0;
    for (let n = await this.runOnce(); n > 0; n = await this.runOnce()) total += n;
    return total;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wake();
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain()
      .then(
        () => undefined,
        (err: unknown) => this.log(`webhook delivery round failed: ${(err as Error).message}`),
      )
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else {
          this.timer = setTimeout(() => this.wake(), this.pollMs);
          this.timer.unref();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const started = this.now();
    const attempt = d.attempts + 1;
    let status: number | null = null;
    let error: DeliveryLogRow['error'] = null;
    let retryAfter: number | undefined;
    const startedReal = performance.now();
    try {
      const res = await this.fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'videoconsult-webhooks/1',
          ...webhookHeaders(d.secrets, d.eventId, Math.floor(started / 1000), d.body),
        },
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      retryAfter = retryAfterMs(res.headers.get('retry-after'), this.now());
      // The answer's body is never read nor kept: it is not ours to store.
      await res.body?.cancel().catch(() => undefined);
      if (status < 200 || status >= 300) error = 'http';
    } catch (err) {
      const name = (err as Error).name;
      error = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network';
    }
    const durationMs = Math.round(performance.now() - startedReal);
    const at = this.now();
    let outcome: DeliveryLogRow['outcome'];
    let nextAttemptAt: number | null = null;
    if (error === null) outcome = 'delivered';
    else if (status === 410) outcome = 'endpoint_disabled';
    else if (attempt > this.schedule.length) outcome = 'failed';
    else {
      outcome = 'retrying';
      const step = this.schedule[attempt - 1] ?? 0;
      // The receiver's own word wins, within the schedule's longest step.
      const longest = this.schedule[this.schedule.length - 1] ?? step;
      nextAttemptAt = at + (retryAfter !== undefined ? Math.min(retryAfter, longest) : step);
    }
    const log: DeliveryLogRow = {
      tenantId: d.tenantId,
      endpointId: d.endpointId,
      eventId: d.eventId,
      type: d.type,
      attempt,
      at,
      outcome,
      status,
      error,
      durationMs,
      nextAttemptAt,
    };
    const applied = await this.options.store.recordWebhookAttempt(this.options.owner, log);
    if (!applied) this.log(`webhook ${d.eventId}: the lease lapsed before the attempt was recorded`);
    if (outcome === 'endpoint_disabled') this.log(`webhook endpoint ${d.endpointId} answered 410 Gone and is now disabled`);
  }
}
