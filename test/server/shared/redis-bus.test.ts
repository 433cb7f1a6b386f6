import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { startRedis, type RunningRedis } from '../../../scripts/redis.mjs';
import { RedisBusRelay, RedisPubSub, type BusEvent } from '../../../server/shared/redis-bus.js';
import { connectRedis, whenReady } from '../../../server/shared/redis.js';
import { eventually } from './support.js';

let server: RunningRedis;
const toClose: (() => void)[] = [];

before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const close of toClose) close();
  await server.stop();
});

/** One token-server instance's side of the bus: what reached its listeners from others, and its re-reads. */
async function instance() {
  const redis = connectRedis(server.url);
  assert.equal(await whenReady(redis, 5000), true);
  const pubsub = new RedisPubSub(server.url, redis, () => undefined);
  toClose.push(
    () => pubsub.close(),
    () => redis.disconnect(),
  );
  const delivered: string[] = [];
  let resyncs = 0;
  const relay = new RedisBusRelay(
    pubsub,
    (event: BusEvent, id: string) => delivered.push(`${event} ${id}`),
    () => resyncs++,
    () => undefined,
  );
  await relay.start();
  return { redis, pubsub, relay, delivered, resyncs: () => resyncs };
}

test('a hint published on one instance reaches the others, not itself', async () => {
  const [a, b, c] = [await instance(), await instance(), await instance()];
  await a.relay.publish('changed', 'c_1');
  await b.relay.publish('key', 'c_2');
  await eventually(() => b.delivered.length === 1 && c.delivered.length === 2 && a.delivered.length === 1, 2000, 'delivered');
  assert.deepEqual(b.delivered, ['changed c_1']);
  assert.deepEqual(a.delivered, ['key c_2']);
  assert.deepEqual(c.delivered, ['changed c_1', 'key c_2']);
});

test('malformed messages on the channel are ignored', async () => {
  const a = await instance();
  const other = await instance();
  await other.redis.publish('vc:bus', 'x drop c_1');
  await other.redis.publish('vc:bus', 'garbage');
  await other.relay.publish('ended', 'c_9');
  await eventually(() => a.delivered.length > 0, 2000, 'the valid one arrives');
  assert.deepEqual(a.delivered, ['ended c_9']);
});

test('after Redis restarts, every instance re-reads once it is subscribed again, and hints flow again', async () => {
  const [a, b] = [await instance(), await instance()];
  const before = [a.resyncs(), b.resyncs()];
  await server.kill();
  // Published while Redis is down: resolves (the change is committed already), the hint is not lost for good.
  await a.relay.publish('changed', 'c_down');
  await server.restart();
  await eventually(() => a.resyncs() > before[0]! && b.resyncs() > before[1]!, 5000, 'both re-read');
  await a.relay.publish('changed', 'c_after');
  await eventually(() => b.delivered.includes('changed c_after'), 2000, 'hints flow again');
});

test("a hint that could not be published (this instance's connection dropped) is sent when it reconnects", async () => {
  const [a, b] = [await instance(), await instance()];
  const id = await a.redis.client('ID');
  const admin = connectRedis(server.url);
  toClose.push(() => admin.disconnect());
  await whenReady(admin, 5000);
  const closed = once(a.redis, 'close');
  await admin.client('KILL', 'ID', String(id));
  await closed;
  await a.relay.publish('changed', 'c_held');
  assert.deepEqual(b.delivered, [], 'not sent while disconnected');
  await eventually(() => b.delivered.includes('changed c_held'), 5000, 'sent after the reconnect');
});
