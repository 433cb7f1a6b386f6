/**
 * What token-server instances must share to run side by side, behind small async interfaces: the
 * "consultation changed" bus, fixed-window counters (rate limits, the access-code lockout) and caps on
 * concurrent event streams. The in-process implementations below are the default of a single instance;
 * a deployment with several instances passes another `SharedState` (e.g. on Redis) to createApp.
 */

/** What happened to a consultation. Only the id travels: listeners re-read the store (the one source of truth). */
export type ConsultationEvent = 'changed' | 'ended' | 'key';

/**
 * `resync` (with an empty id) means "notifications may have been lost" (a subscriber reconnected): every
 * listener re-reads what it shows, whatever its consultation.
 */
export type BusListener = (event: ConsultationEvent | 'resync', consultationId: string) => void;

export interface ConsultationBus {
  /**
   * Tells every subscriber, on every instance. A hint, not a message queue: it may be lost while a
   * subscriber is disconnected (it then gets `resync`). Never throws; an implementation logs its failures.
   */
  publish(event: ConsultationEvent, consultationId: string): void;
  /** Listeners on this instance run in subscription order. Returns the unsubscribe function. */
  subscribe(listener: BusListener): () => void;
}

/** Fixed-window counter per key. Keys may be client addresses: implementations never write them to disk. */
export interface WindowCounter {
  /** Counts an attempt unless the key is over its limit. Returns seconds to wait (then nothing was counted), or 0. */
  hit(key: string): Promise<number>;
  /** Seconds until the key may try again, or 0 if it is under the limit. Counts nothing. */
  blockedFor(key: string): Promise<number>;
  /** Counts one (e.g. a failed attempt). */
  add(key: string): Promise<void>;
}

/**
 * Caps concurrent event streams per key (a ticket, a consultation), so one credential cannot hold many.
 * The newest connection wins: a patient whose network flapped must not be locked out by half-dead
 * connections the server has not noticed yet, so the oldest stream is closed instead.
 */
export interface StreamSlots {
  /** Registers a stream (closing the oldest beyond the limit, wherever it is); resolves to its release function. */
  acquire(key: string, close: () => void): Promise<() => void>;
}

/**
 * "Something of `name` changed" between instances (tenants, keys, origins): a hint only, on which everyone re-reads
 * the store; also given after a reconnect of the subscriber, when hints may have been lost (DESIGN §6).
 */
export interface ChangeHints {
  /** Tells the other instances (this one has re-read already). Never throws. */
  publish(): void;
  subscribe(onHint: () => void): () => void;
}

export interface SharedState {
  bus: ConsultationBus;
  /** Hints on a channel of their own; absent: the in-process default (one instance). */
  hints?(name: string): ChangeHints;
  /** `name` tells counters apart where they share a keyspace ('lobby', 'practitioner', 'code-failures'). */
  counter(name: string, limit: number, windowMs: number): WindowCounter;
  streamSlots(name: string, limit: number): StreamSlots;
  /** Resolves true once connected to whatever it shares through (at once in-process), or false after `ms`. */
  ready?(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Synchronous delivery, in subscription order, to the listeners of this process. */
export class InProcessBus implements ConsultationBus {
  private readonly listeners = new Set<BusListener>();

  publish(event: ConsultationEvent, consultationId: string): void {
    for (const listener of [...this.listeners]) listener(event, consultationId);
  }

  subscribe(listener: BusListener): () => void {
    // A function may subscribe twice (two streams sharing a handler): wrap it so each unsubscribes its own.
    const own: BusListener = (event, id) => listener(event, id);
    this.listeners.add(own);
    return () => void this.listeners.delete(own);
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** In memory only: the keys are client addresses, which must never be written anywhere. Entries expire with their window. */
export class MemoryWindowCounter implements WindowCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(windowMs, 60_000));
    this.sweepTimer.unref();
  }

  private current(key: string): { count: number; resetAt: number } {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    return w;
  }

  private wait(key: string): number {
    const w = this.current(key);
    return w.count >= this.limit ? Math.max(1, Math.ceil((w.resetAt - this.now()) / 1000)) : 0;
  }

  hit(key: string): Promise<number> {
    const wait = this.wait(key);
    if (!wait) this.current(key).count++;
    return Promise.resolve(wait);
  }

  blockedFor(key: string): Promise<number> {
    return Promise.resolve(this.wait(key));
  }

  add(key: string): Promise<void> {
    this.current(key).count++;
    return Promise.resolve();
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }

  dispose(): void {
    clearInterval(this.sweepTimer);
    this.windows.clear();
  }
}

export class MemoryStreamSlots implements StreamSlots {
  private readonly open = new Map<string, (() => void)[]>();

  constructor(readonly limit: number) {}

  acquire(key: string, close: () => void): Promise<() => void> {
    const list = this.open.get(key) ?? [];
    this.open.set(key, list);
    list.push(close);
    while (list.length > this.limit) list.shift()?.();
    return Promise.resolve(() => {
      const current = this.open.get(key);
      if (!current) return;
      const index = current.indexOf(close);
      if (index >= 0) current.splice(index, 1);
      if (current.length === 0) this.open.delete(key);
    });
  }
}

/** The single-instance default: everything in this process's memory. */
export function inProcessState(now: () => number = Date.now): SharedState {
  const bus = new InProcessBus();
  const counters: MemoryWindowCounter[] = [];
  return {
    bus,
    counter(_name, limit, windowMs) {
      const counter = new MemoryWindowCounter(limit, windowMs, now);
      counters.push(counter);
      return counter;
    },
    streamSlots: (_name, limit) => new MemoryStreamSlots(limit),
    close() {
      for (const counter of counters) counter.dispose();
      bus.clear();
      return Promise.resolve();
    },
  };
}
