// Patient first load: every script a patient's browser fetches before the access-code form is usable, measured
// in Chromium from its network log (not estimated from the build): the built dist/ served on loopback with
// gzip -9 (as the other size rows count), a host page with <vc-consultation>, a fresh browser context per run.
// What counts: each script request that started before the form's code field was visible and enabled, at its
// encoded (gzip) body size as Chromium received it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';

/** `embed first load (gzip)` before the call loaded on demand (bench/results/2026-11-23T14-55-49-800Z.json). */
const BEFORE_BYTES = 177869;
const TARGET_BYTES = 60 * 1024;
const RUNS = 3;

const dist = resolve('dist');
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json' };
const HOST_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>patient</title>
<script type="module" src="/dist/videoconsult.js"></script></head>
<body><vc-consultation server-url="http://127.0.0.1:9"></vc-consultation></body></html>`;

/** dist/ on loopback, gzip-encoded when the browser asks for it (every browser does). */
function serveDist() {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HOST_PAGE);
      return;
    }
    const file = resolve(dist, `.${path.replace(/^\/dist/, '')}`);
    if (!path.startsWith('/dist/') || !file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(file);
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(gzip ? gzipSync(body, { level: 9 }) : body);
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready(server)));
}

async function oneRun(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const scripts = [];
  let formReadyAt = 0;
  page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push({ request, startedAt: Date.now(), beforeForm: formReadyAt === 0 });
  });
  const started = Date.now();
  await page.goto(url);
  // The code field inside the waiting room's shadow root (playwright's CSS locators pierce open shadow roots).
  const code = page.locator('vc-consultation input#code');
  await code.waitFor({ state: 'visible', timeout: 30000 });
  await page.waitForFunction(() => {
    const input = document
      .querySelector('vc-consultation')
      ?.shadowRoot?.querySelector('vc-waiting-room')
      ?.shadowRoot?.querySelector('input#code');
    return input instanceof HTMLInputElement && !input.disabled;
  });
  formReadyAt = Date.now();
  const files = [];
  for (const { request, beforeForm } of scripts) {
    if (!beforeForm) continue;
    const response = await request.response();
    await response?.finished();
    const sizes = await request.sizes();
    files.push({
      file: new URL(request.url()).pathname,
      encoding: (await response?.headerValue('content-encoding')) ?? 'identity',
      bytes: sizes.responseBodySize,
    });
  }
  await context.close();
  const later = scripts.filter((s) => !s.beforeForm).map((s) => new URL(s.request.url()).pathname);
  return { bytes: files.reduce((sum, f) => sum + f.bytes, 0), formUsableMs: formReadyAt - started, files, fetchedAfterForm: later };
}

export async function firstLoad({ quick }) {
  if (!quick || !existsSync(join(dist, 'videoconsult.js'))) {
    const build = spawnSync('node_modules/.bin/rollup', ['-c', '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('rollup -c failed');
  }
  const server = await serveDist();
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  const runs = [];
  try {
    for (let i = 0; i < RUNS; i++) runs.push(await oneRun(browser, url));
  } finally {
    await browser.close();
    server.close();
  }
  const notGzip = runs.flatMap((r) => r.files).filter((f) => f.encoding !== 'gzip');
  if (notGzip.length) throw new Error(`scripts not served gzip-encoded: ${notGzip.map((f) => f.file).join(', ')}`);
  const livekit = runs.flatMap((r) => r.files).filter((f) => /livekit|\/call-/.test(f.file));
  const bytes = Math.max(...runs.map((r) => r.bytes));
  return {
    rows: [
      {
        benchmark: 'patient first load',
        metric: 'JS fetched before the code form is usable (gzip, Chromium network log)',
        unit: 'B',
        value: bytes,
        baseline: BEFORE_BYTES,
        ratio: bytes / BEFORE_BYTES,
        target: '≤ 60 KiB, no livekit-client or call UI',
        met: bytes <= TARGET_BYTES && livekit.length === 0,
      },
      {
        benchmark: 'patient first load',
        metric: 'scripts fetched before the code form is usable',
        unit: 'files',
        value: runs[0].files.length,
      },
    ],
    raw: { runs, baselineNote: 'baseline: embed first load (gzip) before this change, from the 2026-11-23T14-55-49 results' },
  };
}
