/**
 * Rate limits, the access-code lockout and stream caps, shared by every token-server instance through Redis.
 *
 * Why our own two Lua scripts and not rate-limit-redis: the lockout is not a request limiter (it counts only
 * failed codes and is checked before a code is looked at), so the limiter's store would be used without its
 * middleware anyway; and rate-limit-redis 6 caches the SHA of its scripts from the promise made in init(), so a
 * token server that starts while Redis is down keeps failing after Redis is back. ioredis's defineCommand runs a
 * script by EVALSHA and reloads it by itself after a Redis restart (NOSCRIPT), and each script is one atomic step.
 *
 * Keys: `vc:rl:<limit>:<hash of the client>` with a TTL of the window (see redis.ts on addresses and disks);
 * `vc:slots:<cap>:<ticket or consultation id>` (no client data) with a TTL renewed while streams hold them.
 */
import { randomBytes } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type { RedisPubSub } from './redis-bus.js';
import { clientKeyHash, orUnavailable } from './redis.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    vcWindowCount(key: string, windowMs: number, limit: number): Result<[number, number, number], Context>;
    vcWindowPeek(key: string): Result<[number, number], Context>;
    vcSlotAcquire(zset: string, seq: string, member: string, limit: number, ttlMs: number): Result<string[], Context>;
  }
}

/**
 * Counts one unless the key is at its limit already (ARGV[2]; 0: count regardless). A key without a TTL (the
 * first count) gets the window as its TTL. Returns [count, ms left in the window, 1 if counted else 0].
 */
const WINDOW_COUNT = `
local limit = tonumber(ARGV[2])
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
local counted = 0
if limit == 0 or hits < limit then
  hits = redis.call('INCR', KEYS[1])
  counted = 1
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl, counted}`;

const WINDOW_PEEK = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
return {hits, redis.call('PTTL', KEYS[1])}`;

/**
 * Adds a stream to a cap (newest wins) and returns the members pushed out, oldest first. Order comes from a
 * counter beside the set rather than from clocks, which differ between instances.
 */
const SLOT_ACQUIRE = `
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if over <= 0 then return {} end
local evicted = redis.call('ZRANGE', KEYS[1], 0, over - 1)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
return evicted`;

function defineScripts(redis: Redis): void {
  if (typeof redis.vcWindowCount === 'function') return;
  redis.defineCommand('vcWindowCount', { numberOfKeys: 1, lua: WINDOW_COUNT });
  redis.defineCommand('vcWindowPeek', { numberOfKeys: 1, lua: WINDOW_PEEK });
  redis.defineCommand('vcSlotAcquire', { numberOfKeys: 2, lua: SLOT_ACQUIRE });
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** A fixed-window counter per client, like the in-memory WindowCounter, across instances. Fails with 503 while Redis is down. */
export class RedisWindowCounter {
  constructor(
    private readonly redis: Redis,
    /** Names the limit in its keys, e.g. `lobby`, `code-failures`. */
    private readonly name: string,
    readonly limit: number,
    readonly windowMs: number,
    private readonly secret: string,
  ) {
    defineScripts(redis);
  }

  /** The Redis key for a client; exported for tests (a key must disappear after its window). */
  keyOf(client: string): string {
    return `vc:rl:${this.name}:${clientKeyHash(this.secret, client)}`;
  }

  /** Seconds until the client may try again, or 0 if it is under the limit. */
  async blockedFor(client: string): Promise<number> {
    const [hits, ttl] = await orUnavailable(() => this.redis.vcWindowPeek(this.keyOf(client)));
    return hits >= this.limit ? seconds(ttl) : 0;
  }

  /** Counts one (e.g. a failed attempt). */
  async add(client: string): Promise<void> {
    await orUnavailable(() => this.redis.vcWindowCount(this.keyOf(client), this.windowMs, 0));
  }

  /** Counts an attempt unless the client is at its limit: then returns the seconds to wait (nothing counted), else 0. One round trip. */
  async hit(client: string): Promise<number> {
    const [, ttl, counted] = await orUnavailable(() => this.redis.vcWindowCount(this.keyOf(client), this.windowMs, this.limit));
    return counted ? 0 : seconds(ttl);
  }
}

export const SLOT_EVICT_CHANNEL = 'vc:slots:evict';
/** Slot sets outlive a crashed instance's entries by at most this long; live holders renew them. */
const SLOT_TTL_MS = 60 * 60_000;
const SLOT_RENEW_MS = 5 * 60_000;

/**
 * Caps concurrent event streams per key across instances (newest wins, as StreamSlots does in one process).
 * A stream pushed out on another instance is closed there through a pub/sub notice. Entries of an instance
 * that crashed are the oldest, so the next streams push them out; the set's TTL removes the rest.
 */
export class RedisStreamSlots {
  private readonly local = new Map<string, { key: string; close: () => void }>();
  private readonly renewTimer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly pubsub: RedisPubSub,
    /** Names the cap in its keys, e.g. `ticket`, `consultation`. */
    private readonly name: string,
    readonly limit: number,
  ) {
    defineScripts(redis);
    this.renewTimer = setInterval(() => this.renew(), SLOT_RENEW_MS);
    this.renewTimer.unref();
  }

  /** Resolves once notices from other instances arrive. */
  start(): Promise<void> {
    return this.pubsub.subscribe(`${SLOT_EVICT_CHANNEL}:${this.name}`, (member) => this.evictLocal(member));
  }

  private zset(key: string): string {
    return `vc:slots:${this.name}:${key}`;
  }

  /**
   * Registers a stream, closing the oldest beyond the limit wherever they are. The returned function
   * unregisters it. Fails with 503 while Redis is down (the stream must then not open).
   */
  async acquire(key: string, close: () => void): Promise<() => void> {
    const member = `${this.pubsub.instanceId}:${randomBytes(8).toString('hex')}`;
    this.local.set(member, { key, close });
    let evicted: string[];
    try {
      evicted = await orUnavailable(() =>
        this.redis.vcSlotAcquire(this.zset(key), `${this.zset(key)}:seq`, member, this.limit, SLOT_TTL_MS),
      );
    } catch (err) {
      this.local.delete(member);
      throw err;
    }
    for (const other of evicted) {
      if (!this.evictLocal(other)) void this.pubsub.publish(`${SLOT_EVICT_CHANNEL}:${this.name}`, other).catch(() => undefined);
    }
    return () => {
      if (!this.local.delete(member)) return;
      // Best effort: an entry left behind is the oldest and is pushed out by the next stream, or expires.
      void this.redis.zrem(this.zset(key), member).catch(() => undefined);
    };
  }

  private evictLocal(member: string): boolean {
    const slot = this.local.get(member);
    if (!slot) return false;
    this.local.delete(member);
    slot.close();
    return true;
  }

  /** Keeps the sets of streams this instance holds from expiring under them. */
  private renew(): void {
    const keys = new Set([...this.local.values()].map((s) => this.zset(s.key)));
    if (keys.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.pexpire(key, SLOT_TTL_MS).pexpire(`${key}:seq`, SLOT_TTL_MS);
    void pipeline.exec().catch(() => undefined);
  }

  dispose(): void {
    clearInterval(this.renewTimer);
    this.local.clear();
  }
}
