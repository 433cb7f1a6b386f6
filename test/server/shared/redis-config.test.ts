import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../../server/config.js';

const minimal = {
  livekit: { url: 'ws://127.0.0.1:7880', apiKey: 'k', apiSecret: 'x'.repeat(32) },
  secret: 's'.repeat(32),
  tenants: [{ id: 't', name: 'T', apiKeySha256: ['a'.repeat(64)] }],
};

test('config: redis is optional (everything in-process), and takes a redis:// or rediss:// URL', () => {
  assert.equal(parseConfig(minimal).redis, undefined);
  assert.deepEqual(parseConfig({ ...minimal, redis: { url: 'redis://127.0.0.1:6379/2' } }).redis, { url: 'redis://127.0.0.1:6379/2' });
  assert.equal(
    parseConfig({ ...minimal, redis: { url: 'rediss://user:pw@cache.internal:6380' } }).redis?.url,
    'rediss://user:pw@cache.internal:6380',
  );
  const dir = mkdtempSync(join(tmpdir(), 'vc-config-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(minimal));
    assert.equal(
      loadConfig({ VC_CONFIG: join(dir, 'config.json'), VC_REDIS_URL: 'redis://127.0.0.1:7000' }).redis?.url,
      'redis://127.0.0.1:7000',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: a bad redis setting fails at start with a message naming it', () => {
  for (const [redis, expected] of [
    [{ url: 'http://127.0.0.1:6379' }, /redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ url: '127.0.0.1:6379' }, /redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/],
    [{}, /redis\.url/],
    [{ url: 'redis://x', db: 1 }, /redis: Unrecognized key/i],
  ] as const) {
    assert.throws(
      () => parseConfig({ ...minimal, redis }),
      (err: Error) => err instanceof ConfigError && expected.test(err.message),
    );
  }
});
