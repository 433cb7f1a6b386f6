import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { startRedis, type RunningRedis } from '../../../scripts/redis.mjs';
import { ApiError } from '../../../server/errors.js';
import { RedisPubSub } from '../../../server/shared/redis-bus.js';
import { RedisStreamSlots, RedisWindowCounter } from '../../../server/shared/redis-limits.js';
import { checkNotPersisted, connectRedis, whenReady } from '../../../server/shared/redis.js';
import { eventually, withinSeconds } from './support.js';

const SECRET = 'x'.repeat(40);
let server: RunningRedis;
const open: { close(): void }[] = [];
/** One token-server instance's connection (each instance has its own). */
async function connection(): Promise<Redis> {
  const redis = connectRedis(server.url);
  open.push({ close: () => redis.disconnect() });
  assert.equal(await whenReady(redis, 5000), true, 'connected');
  return redis;
}

before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const c of open) c.close();
  await server.stop();
});

test('window counter: hits from two instances add up; over the limit the wait is the rest of the window', async () => {
  const redisA = await connection();
  const a = new RedisWindowCounter(redisA, 'lobby', 3, 60_000, SECRET);
  const b = new RedisWindowCounter(await connection(), 'lobby', 3, 60_000, SECRET);
  assert.equal(await a.hit('198.51.100.1'), 0);
  assert.equal(await b.hit('198.51.100.1'), 0);
  assert.equal(await a.hit('198.51.100.1'), 0);
  const wait = await b.hit('198.51.100.1');
  assert.ok(wait >= 59 && wait <= 60, `waits the rest of the window, got ${wait}`);
  assert.ok((await a.hit('198.51.100.1')) > 0);
  assert.equal(await redisA.get(a.keyOf('198.51.100.1')), '3', 'refused requests are not counted');
  assert.equal(await a.hit('198.51.100.2'), 0, 'another client has its own count');
});

test('lockout: five failures spread over two instances block the client on both', async () => {
  const a = new RedisWindowCounter(await connection(), 'code-failures', 5, 15 * 60_000, SECRET);
  const b = new RedisWindowCounter(await connection(), 'code-failures', 5, 15 * 60_000, SECRET);
  const client = '2001:db8::7';
  for (const counter of [a, b, a, b]) await counter.add(client);
  assert.equal(await a.blockedFor(client), 0, 'four failures do not block');
  assert.equal(await b.blockedFor(client), 0);
  await b.add(client);
  assert.ok((await a.blockedFor(client)) > 14 * 60, 'blocked on A');
  assert.ok((await b.blockedFor(client)) > 14 * 60, 'blocked on B');
  assert.equal(await a.blockedFor('2001:db8::8'), 0);
});

test('a limit key holds no address, has a TTL and is gone after it', async () => {
  const redis = await connection();
  const counter = new RedisWindowCounter(redis, 'ttl-probe', 10, 400, SECRET);
  const client = '203.0.113.77';
  await counter.hit(client);
  const key = counter.keyOf(client);
  assert.equal(key.includes(client), false);
  assert.deepEqual(await redis.keys('*203.0.113.77*'), [], 'no key names the address');
  const ttl = await redis.pttl(key);
  assert.ok(ttl > 0 && ttl <= 400, `TTL set to the window, got ${ttl}`);
  assert.equal(await redis.exists(key), 1);
  await eventually(async () => (await redis.exists(key)) === 0, 3000, 'the key expires');
  assert.equal(await counter.hit(client), 0, 'a fresh window starts');
});

test('Redis down: a clear 503 at once, never a hang; back by itself (scripts reloaded) when Redis is', async () => {
  const redis = await connection();
  const counter = new RedisWindowCounter(redis, 'outage', 5, 60_000, SECRET);
  assert.equal(await counter.hit('192.0.2.1'), 0);
  await server.kill();
  const error = await withinSeconds(
    3,
    counter.hit('192.0.2.1').then(
      () => undefined,
      (err: unknown) => err,
    ),
  );
  assert.ok(error instanceof ApiError, 'an ApiError');
  assert.equal(error.status, 503);
  assert.equal(error.code, 'shared_state_unavailable');
  assert.equal(error.headers['Retry-After'], '2');
  await server.restart();
  // An unpersisted Redis comes back empty: counts restart, and the scripts must be loaded again (NOSCRIPT).
  await eventually(
    () =>
      counter.hit('192.0.2.1').then(
        () => true,
        () => false,
      ),
    5000,
    'works again',
  );
  assert.equal(await counter.blockedFor('192.0.2.1'), 0);
});

test('stream slots: newest wins across instances; a stream pushed out on the other instance is closed there', async () => {
  const [ra, rb] = [await connection(), await connection()];
  const [pa, pb] = [new RedisPubSub(server.url, ra, () => undefined), new RedisPubSub(server.url, rb, () => undefined)];
  open.push(pa, pb);
  const slotsA = new RedisStreamSlots(ra, pa, 'ticket', 2);
  const slotsB = new RedisStreamSlots(rb, pb, 'ticket', 2);
  open.push({ close: () => slotsA.dispose() }, { close: () => slotsB.dispose() });
  await Promise.all([slotsA.start(), slotsB.start()]);
  const closed: string[] = [];
  const stream = (name: string) => () => closed.push(name);
  const releaseA1 = await slotsA.acquire('t_1', stream('a1'));
  await slotsB.acquire('t_1', stream('b1'));
  assert.equal(closed.length, 0);
  await slotsA.acquire('t_1', stream('a2'));
  assert.deepEqual(closed, ['a1'], 'the oldest (on this instance) is closed');
  releaseA1(); // its close handler would do this; a second release is harmless
  await slotsA.acquire('t_1', stream('a3'));
  await eventually(() => closed.includes('b1'), 2000, 'the oldest, on the other instance, is closed there');
  assert.deepEqual(closed, ['a1', 'b1']);
  await slotsB.acquire('t_2', stream('other-ticket'));
  assert.deepEqual(closed, ['a1', 'b1'], 'another key has its own cap');
});

test('stream slots: a released stream frees its place; no place can be had while Redis is down (503)', async () => {
  const redis = await connection();
  const pubsub = new RedisPubSub(server.url, redis, () => undefined);
  open.push(pubsub);
  const slots = new RedisStreamSlots(redis, pubsub, 'consultation', 1);
  open.push({ close: () => slots.dispose() });
  await slots.start();
  const closed: string[] = [];
  const release = await slots.acquire('c_1', () => closed.push('first'));
  release();
  await eventually(async () => (await redis.zcard('vc:slots:consultation:c_1')) === 0, 2000, 'released in Redis');
  await slots.acquire('c_1', () => closed.push('second'));
  assert.equal(closed.length, 0);
  await server.kill();
  try {
    await assert.rejects(
      withinSeconds(
        3,
        slots.acquire('c_1', () => undefined),
      ),
      (err: unknown) => err instanceof ApiError && err.status === 503,
    );
  } finally {
    await server.restart();
  }
});

test('checkNotPersisted warns when the Redis would write limit keys to disk', async () => {
  const redis = await connection();
  const lines: string[] = [];
  await checkNotPersisted(redis, (line) => lines.push(line));
  assert.equal(lines.length, 0, 'scripts/redis.mjs runs it unpersisted');
  // A snapshot rule that cannot fire during the test: nothing is written, but the setting is what counts.
  await redis.config('SET', 'save', '86400 1000000');
  try {
    await checkNotPersisted(redis, (line) => lines.push(line));
    assert.match(lines.join('\n'), /persists to disk/);
  } finally {
    await redis.config('SET', 'save', '');
  }
});
