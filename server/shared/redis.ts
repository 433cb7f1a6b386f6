/**
 * The Redis connection the token-server instances share: the consultation bus, rate limits, the code lockout
 * and stream caps (DESIGN §6).
 *
 * Client addresses never reach a disk. Three things make sure of it:
 *  - keys that stand for a client are a keyed hash of the address (`clientKeyHash`), never the address;
 *  - every such key has a TTL (its window) and disappears with it;
 *  - the Redis they live in must not be persisted: run it with `--save '' --appendonly no` (scripts/redis.mjs
 *    does). `checkNotPersisted` asks the server at start and logs a warning when RDB or AOF is on.
 *
 * While Redis is unreachable nothing waits for it: commands fail at once (no offline queue) and callers
 * answer 503 `shared_state_unavailable`. The connection reconnects by itself, forever, with a capped backoff.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { keyedHash } from '../crypto.js';
import { ApiError } from '../errors.js';

/** How long one command may take before it counts as failed (a half-open connection must not hang a request). */
export const COMMAND_TIMEOUT_MS = 1000;

export function redisOptions(extra: RedisOptions = {}): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    // Reconnect forever: 50 ms, 100 ms, … at most 1 s apart, so service resumes within a second of Redis.
    retryStrategy: (attempt: number) => Math.min(attempt * 50, 1000),
    ...extra,
  };
}

export function connectRedis(url: string, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, redisOptions(extra));
  // Without a listener ioredis reports every failed reconnect as an unhandled 'error' event.
  redis.on('error', () => undefined);
  return redis;
}

/** Resolves once connected (true), or false after `ms`: a server may start before its Redis and 503 until then. */
export function whenReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, ms);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}

export function sharedStateUnavailable(): ApiError {
  return new ApiError(503, 'shared_state_unavailable', 'The service is briefly unavailable. Please try again in a moment.', {
    'Retry-After': '2',
  });
}

/** Runs a Redis operation; any failure (down, timeout, reset) becomes the 503 above. */
export async function orUnavailable<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch {
    throw sharedStateUnavailable();
  }
}

/** The Redis key part standing for a client: a keyed hash, so not even a memory dump of Redis holds an address. */
export function clientKeyHash(secret: string, client: string): string {
  return keyedHash(secret, 'redis-client', client).slice(0, 32);
}

/**
 * Logs a warning when the Redis persists (RDB snapshots or AOF): the limit keys would then be written to disk,
 * if only as hashes. Managed Redis may refuse CONFIG; that is reported once, not treated as an error.
 */
export async function checkNotPersisted(redis: Redis, log: (line: string) => void): Promise<void> {
  try {
    const save = (await redis.config('GET', 'save')) as string[];
    const aof = (await redis.config('GET', 'appendonly')) as string[];
    if ((save[1] ?? '') !== '' || aof[1] === 'yes') {
      log(
        `warning: the Redis for rate limits persists to disk (save="${save[1] ?? ''}", appendonly=${aof[1] ?? '?'}); run it with --save '' --appendonly no`,
      );
    }
  } catch (err) {
    log(`could not check whether Redis persists to disk: ${(err as Error).message}`);
  }
}
