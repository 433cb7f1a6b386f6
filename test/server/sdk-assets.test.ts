// The embed SDK as the token server serves it to other origins: CORS, CORP, caching, SRI.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp, closeServer, type VideoconsultApp } from '../../server/app.js';
import { parseConfig } from '../../server/config.js';
import { sdkManifest } from '../../scripts/sdk-manifest.mjs';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('the SDK served by the token server', () => {
  let dir: string;
  let server: VideoconsultApp;
  let http: Server;
  let base: string;
  const entry = 'import("./chunks/call-Ab12Cd34.js");\n';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-sdk-'));
    const dist = join(dir, 'dist');
    mkdirSync(join(dist, 'chunks'), { recursive: true });
    mkdirSync(join(dist, 'lib'), { recursive: true });
    mkdirSync(join(dist, 'server'), { recursive: true });
    writeFileSync(join(dist, 'videoconsult.js'), entry);
    writeFileSync(join(dist, 'videoconsult.js.map'), '{}');
    writeFileSync(join(dist, 'chunks', 'call-Ab12Cd34.js'), 'export const call = 1;\n');
    writeFileSync(join(dist, 'livekit-e2ee-worker.mjs'), 'self.onmessage = () => {};\n');
    writeFileSync(join(dist, 'lib', 'index.js'), 'library');
    writeFileSync(join(dist, 'server', 'app.js'), 'server code');
    writeFileSync(join(dist, 'secret.json'), '{}');
    // The build's own manifest, written by the same rollup plugin the real build uses.
    sdkManifest().writeBundle({ dir: dist });
    const config = parseConfig({
      livekit: { url: 'ws://127.0.0.1:1', apiKey: 'k', apiSecret: randomBytes(32).toString('hex') },
      database: { path: ':memory:' },
      secret: randomBytes(32).toString('hex'),
      tenants: [{ id: 'acme', name: 'Acme', apiKeySha256: [sha256('key')] }],
      sweepIntervalSeconds: 0,
    });
    server = createApp(config, { sdkDirectory: dist, log: () => undefined });
    http = await new Promise<Server>((resolve) => {
      const s = server.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await closeServer(http);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, origin = 'https://host.example') => fetch(`${base}${path}`, { headers: { origin } });

  it('serves the entry with CORS for any origin, CORP cross-origin, a JavaScript type and a short cache', async () => {
    const res = await get('/videoconsult.js');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), entry);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.match(res.headers.get('content-type') ?? '', /^(text|application)\/javascript/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300, must-revalidate');
    assert.equal(res.headers.get('set-cookie'), null);
  });

  it('serves hashed chunks as immutable, workers with a short cache, both cross-origin', async () => {
    const chunk = await get('/chunks/call-Ab12Cd34.js');
    assert.equal(chunk.status, 200);
    assert.equal(chunk.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(chunk.headers.get('access-control-allow-origin'), '*');
    assert.equal(chunk.headers.get('cross-origin-resource-policy'), 'cross-origin');
    const worker = await get('/livekit-e2ee-worker.mjs');
    assert.equal(worker.status, 200);
    assert.match(worker.headers.get('content-type') ?? '', /javascript/);
    assert.equal(worker.headers.get('cache-control'), 'public, max-age=300, must-revalidate');
    assert.equal(worker.headers.get('access-control-allow-origin'), '*');
    assert.equal(worker.headers.get('cross-origin-resource-policy'), 'cross-origin');
  });

  it('serves nothing else from the build folder (library, server code, other files, traversal)', async () => {
    for (const path of [
      '/lib/index.js',
      '/server/app.js',
      '/secret.json',
      '/chunks/../secret.json',
      '/chunks/%2e%2e/secret.json',
      '/chunks/missing-X.js',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.notEqual(res.headers.get('access-control-allow-origin'), '*', path);
    }
  });

  it("publishes the entry's SRI hash, the same as the build wrote", async () => {
    const res = await get('/v1/sdk.json');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { entry: string; integrity: string };
    const expected = `sha384-${createHash('sha384').update(entry).digest('base64')}`;
    assert.deepEqual(body, { entry: '/videoconsult.js', integrity: expected, size: Buffer.byteLength(entry) });
    assert.equal((JSON.parse(readFileSync(join(dir, 'dist', 'sdk.json'), 'utf8')) as { integrity: string }).integrity, expected);
  });

  it('follows a rebuild under the running server', async () => {
    writeFileSync(join(dir, 'dist', 'videoconsult.js'), `${entry}// rebuilt\n`);
    const body = (await (await get('/v1/sdk.json')).json()) as { integrity: string };
    assert.equal(body.integrity, `sha384-${createHash('sha384').update(`${entry}// rebuilt\n`).digest('base64')}`);
    writeFileSync(join(dir, 'dist', 'videoconsult.js'), entry);
  });
});
