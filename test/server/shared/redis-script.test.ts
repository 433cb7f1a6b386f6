import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { test } from 'node:test';
import { ping, startRedis } from '../../../scripts/redis.mjs';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

test('scripts/redis.mjs: answers PING on loopback, unpersisted; kill, restart, stop', async () => {
  const redis = await startRedis();
  try {
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await ping(redis.port), true);
    await redis.kill();
    assert.equal(await ping(redis.port), false);
    await redis.restart();
    assert.equal(await ping(redis.port), true);
  } finally {
    await redis.stop();
  }
  assert.equal(await ping(redis.port), false);
  assert.equal(existsSync(redis.dir), false, 'its temporary folder is removed');
});

test('scripts/redis.mjs: redis-server dies with its parent, even when the parent is SIGKILLed', async () => {
  const script = `import { startRedis } from ${JSON.stringify(new URL('../../../scripts/redis.mjs', import.meta.url).href)};
    const r = await startRedis(); console.log(r.process.pid, r.port); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const [pid, port] = String(line).trim().split(' ').map(Number);
  assert.equal(await ping(port), true);
  parent.kill('SIGKILL');
  assert.equal(await until(async () => !(await ping(port)), 5000), true, 'redis-server stopped answering');
  assert.equal(await until(() => !alive(pid), 5000), true, 'redis-server process is gone');
});
