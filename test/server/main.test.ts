import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../../scripts/livekit.mjs';
import { ConfigError, loadConfig, parseConfig } from '../../server/config.js';
import { sha256 } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vc-main-test-'));

function run(env: Record<string, string>): {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
  stdout(): string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return {
    done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))),
    kill: (signal) => child.kill(signal),
    stdout: () => stdout,
  };
}

describe('server/main.ts and config', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts from VC_CONFIG + environment, prints its URL, serves, and shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        tenants: [{ id: 'acme', name: 'Acme', apiKeySha256: [sha256('k')] }],
        database: { path: join(dir, 'db.sqlite') },
        sweepIntervalSeconds: 0,
      }),
    );
    const proc = run({
      VC_CONFIG: file,
      VC_PORT: String(port),
      VC_SECRET: randomBytes(32).toString('hex'),
      LIVEKIT_URL: 'ws://127.0.0.1:9',
      LIVEKIT_API_KEY: 'APIkey',
      LIVEKIT_API_SECRET: randomBytes(32).toString('hex'),
    });
    const deadline = Date.now() + 15_000;
    while (!proc.stdout().includes('listening')) {
      assert.ok(Date.now() < deadline, 'no "listening" line within 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(proc.stdout(), new RegExp(`http://127\\.0\\.0\\.1:${port}`));
    const res = await fetch(`http://127.0.0.1:${port}/v1/openapi.json`);
    assert.equal(res.status, 200);
    proc.kill('SIGTERM');
    const { code } = await proc.done;
    assert.equal(code, 0);
  });

  it('fails fast with a message naming every bad key', async () => {
    const proc = run({ VC_SECRET: 'short', LIVEKIT_URL: 'http://wrong', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 'x'.repeat(32) });
    const { code, stderr } = await proc.done;
    assert.equal(code, 2);
    assert.match(stderr, /secret: must be at least 32 characters/);
    assert.match(stderr, /livekit\.url: must start with ws:\/\/ or wss:\/\//);
    assert.match(stderr, /tenants/);
  });

  it('parseConfig refuses unknown keys and loadConfig lets the environment override the file', () => {
    assert.throws(() => parseConfig({ secrett: 'x' }), ConfigError);
    const file = join(dir, 'config2.json');
    writeFileSync(
      file,
      JSON.stringify({
        port: 1,
        secret: 'a'.repeat(32),
        livekit: { url: 'ws://a', apiKey: 'k', apiSecret: 's'.repeat(32) },
        tenants: [{ id: 't', name: 'T', apiKeySha256: [sha256('k')] }],
      }),
    );
    const config = loadConfig({ VC_CONFIG: file, VC_PORT: '4321', LIVEKIT_URL: 'wss://sfu.example' });
    assert.equal(config.port, 4321);
    assert.equal(config.livekit.url, 'wss://sfu.example');
    assert.equal(config.livekit.apiKey, 'k');
    assert.equal(config.grantTtlMinutes, 10);
  });
});
