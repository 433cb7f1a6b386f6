/**
 * Notifications between token-server instances over Redis pub/sub.
 *
 * Pub/sub drops whatever is published while a subscriber is disconnected, so a notification is only a hint
 * ("consultation X changed"): streams re-read the store on each, and everyone re-reads once after every
 * (re)subscription (`onResync`), which covers whatever was missed meanwhile (DESIGN §6).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChangeHints } from '../shared-state.js';
import { connectRedis } from './redis.js';

type Handler = (message: string) => void;

/** One subscriber connection for all channels of this instance, plus publishing on the command connection. */
export class RedisPubSub {
  /** Tells this instance's own messages apart from the others' (random per process). */
  readonly instanceId = randomBytes(6).toString('hex');
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Handler>();
  private readonly resyncHooks: (() => void)[] = [];
  private closed = false;

  constructor(
    url: string,
    /** The shared command connection, also used to publish. */
    readonly redis: Redis,
    private readonly log: (line: string) => void,
  ) {
    // Subscriptions are renewed by hand on every 'ready' (not autoResubscribe), so the re-read runs only once
    // Redis has confirmed them: nothing published after the re-read can be missed.
    this.subscriber = connectRedis(url, {
      autoResubscribe: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    });
    this.subscriber.on('message', (channel: string, message: string) => this.handlers.get(channel)?.(message));
    this.subscriber.on('ready', () => void this.resubscribe());
  }

  private async resubscribe(): Promise<void> {
    if (this.closed || this.handlers.size === 0) return;
    try {
      await this.subscriber.subscribe(...this.handlers.keys());
    } catch (err) {
      // The connection dropped again; the next 'ready' tries again.
      this.log(`redis subscribe failed: ${(err as Error).message}`);
      return;
    }
    for (const hook of this.resyncHooks) hook();
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  private readonly waiting: (() => void)[] = [];

  /** Resolves once subscribed: at once when connected, else at the next connect (however long Redis takes). */
  async subscribe(channel: string, handler: Handler): Promise<void> {
    this.handlers.set(channel, handler);
    if (this.subscriber.status === 'ready') {
      await this.subscriber.subscribe(channel);
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Runs after every (re)subscription, the first included: re-read whatever may have been missed. */
  onResync(hook: () => void): void {
    this.resyncHooks.push(hook);
  }

  publish(channel: string, message: string): Promise<number> {
    return this.redis.publish(channel, message);
  }

  /** Whether the subscriber is connected and subscribed right now. */
  get listening(): boolean {
    return this.subscriber.status === 'ready';
  }

  close(): void {
    this.closed = true;
    this.subscriber.disconnect();
  }
}

export type BusEvent = 'changed' | 'ended' | 'key';
const BUS_EVENTS: ReadonlySet<string> = new Set<BusEvent>(['changed', 'ended', 'key']);
export const BUS_CHANNEL = 'vc:bus';
/** Hints that could not be published are kept (deduplicated, at most this many) and sent on reconnect. */
const MAX_PENDING = 10_000;

/**
 * The consultation bus across instances: `publish` sends a hint to the other instances (this one delivers to its
 * own listeners itself, at once); hints from others go to `deliver`; `resync` runs after every resubscription.
 */
export class RedisBusRelay {
  private readonly pending = new Set<string>();

  constructor(
    private readonly pubsub: RedisPubSub,
    private readonly deliver: (event: BusEvent, consultationId: string) => void,
    resync: () => void,
    private readonly log: (line: string) => void,
  ) {
    pubsub.onResync(resync);
    pubsub.redis.on('ready', () => this.flush());
  }

  /** Resolves once subscribed. */
  start(): Promise<void> {
    return this.pubsub.subscribe(BUS_CHANNEL, (message) => {
      const [origin, event, consultationId] = message.split(' ');
      if (origin === this.pubsub.instanceId || !event || !consultationId || !BUS_EVENTS.has(event)) return;
      this.deliver(event as BusEvent, consultationId);
    });
  }

  /**
   * Never rejects: the change is committed already, so a hint that cannot be sent now is sent on reconnect
   * (and, if Redis itself was down, every other instance re-reads when its subscriber is back anyway).
   */
  publish(event: BusEvent, consultationId: string): Promise<void> {
    const hint = `${event} ${consultationId}`;
    return this.pubsub.publish(BUS_CHANNEL, `${this.pubsub.instanceId} ${hint}`).then(
      () => undefined,
      () => {
        if (this.pending.size < MAX_PENDING) this.pending.add(hint);
      },
    );
  }

  private flush(): void {
    if (this.pending.size === 0) return;
    const hints = [...this.pending];
    this.pending.clear();
    this.log(`publishing ${hints.length} hint(s) held while Redis was unreachable`);
    for (const hint of hints) {
      const [event, consultationId] = hint.split(' ') as [BusEvent, string];
      void this.publish(event, consultationId);
    }
  }
}

/**
 * Change hints over pub/sub (one channel per name): `publish` tells the other instances, and every subscriber here
 * also runs after each resubscription of this instance, since hints published meanwhile were lost.
 */
export class RedisChangeHints implements ChangeHints {
  private readonly listeners = new Set<() => void>();
  private readonly channel: string;
  readonly subscribed: Promise<void>;

  constructor(
    private readonly pubsub: RedisPubSub,
    name: string,
    private readonly log: (line: string) => void,
  ) {
    this.channel = `vc:hints:${name}`;
    pubsub.onResync(() => this.deliver());
    this.subscribed = pubsub.subscribe(this.channel, (origin) => {
      if (origin !== pubsub.instanceId) this.deliver();
    });
  }

  private deliver(): void {
    for (const listener of [...this.listeners]) listener();
  }

  publish(): void {
    // Lost while Redis is down: the others re-read on their reconnect, and every 30 s besides.
    this.pubsub.publish(this.channel, this.pubsub.instanceId).catch((err: unknown) => {
      this.log(`publishing a change hint failed: ${(err as Error).message}`);
    });
  }

  subscribe(onHint: () => void): () => void {
    const own = (): void => onHint();
    this.listeners.add(own);
    return () => void this.listeners.delete(own);
  }
}
