/**
 * `SharedState` on Redis: what several token-server instances share (DESIGN §6). Selected by `redis: { url }`
 * in the config; without it createApp keeps everything in-process.
 *
 * Connections: one command connection (counters, stream caps, publishing) and one subscriber connection (bus
 * hints, stream-cap notices). Both reconnect by themselves; see redis.ts for failures (503) and for why client
 * addresses never reach a disk.
 */
import type { BusListener, ConsultationBus, ConsultationEvent, SharedState } from '../shared-state.js';
import { RedisBusRelay, RedisChangeHints, RedisPubSub } from './redis-bus.js';
import { RedisStreamSlots, RedisWindowCounter } from './redis-limits.js';
import { checkNotPersisted, connectRedis, whenReady } from './redis.js';

/** Delivers to this instance's listeners at once, and to the other instances through Redis. */
class RedisConsultationBus implements ConsultationBus {
  private readonly listeners = new Set<BusListener>();
  readonly relay: RedisBusRelay;

  constructor(
    private readonly pubsub: RedisPubSub,
    log: (line: string) => void,
  ) {
    this.relay = new RedisBusRelay(
      pubsub,
      (event, id) => this.deliver(event, id),
      () => this.deliver('resync', ''),
      log,
    );
  }

  private deliver(event: ConsultationEvent | 'resync', consultationId: string): void {
    for (const listener of [...this.listeners]) listener(event, consultationId);
  }

  publish(event: ConsultationEvent, consultationId: string): void {
    this.deliver(event, consultationId);
    void this.relay.publish(event, consultationId);
  }

  subscribe(listener: BusListener): () => void {
    const own: BusListener = (event, id) => listener(event, id);
    this.listeners.add(own);
    return () => void this.listeners.delete(own);
  }

  /** For GET /v1/ready: rejects while this instance is not subscribed or Redis does not answer. */
  async ready(): Promise<void> {
    if (!this.pubsub.listening) throw new Error('not subscribed to Redis');
    await this.pubsub.redis.ping();
  }

  clear(): void {
    this.listeners.clear();
  }
}

export interface RedisSharedState extends SharedState {
  /** Resolves true once connected and subscribed, or false after `ms` (the server then answers 503 until Redis is up). */
  ready(ms: number): Promise<boolean>;
}

export function redisState(url: string, options: { secret: string; log: (line: string) => void }): RedisSharedState {
  const { secret, log } = options;
  const redis = connectRedis(url);
  redis.once('ready', () => void checkNotPersisted(redis, log));
  const pubsub = new RedisPubSub(url, redis, log);
  const bus = new RedisConsultationBus(pubsub, log);
  const subscriptions: Promise<void>[] = [bus.relay.start()];
  const slots: RedisStreamSlots[] = [];
  return {
    bus,
    counter: (name, limit, windowMs) => new RedisWindowCounter(redis, name, limit, windowMs, secret),
    hints(name) {
      const hints = new RedisChangeHints(pubsub, name, log);
      subscriptions.push(hints.subscribed);
      return hints;
    },
    streamSlots(name, limit) {
      const capped = new RedisStreamSlots(redis, pubsub, name, limit);
      slots.push(capped);
      subscriptions.push(capped.start());
      return capped;
    },
    async ready(ms) {
      const subscribed = Promise.all(subscriptions).then(() => true);
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref());
      return (await whenReady(redis, ms)) && (await Promise.race([subscribed, timeout]));
    },
    async close() {
      for (const capped of slots) capped.dispose();
      bus.clear();
      pubsub.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
