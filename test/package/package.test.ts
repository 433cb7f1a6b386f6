// The package as an operator gets it: `npm pack` output installed into an empty folder, where
// `npx videoconsult check-config` runs the compiled CLI (no tsx: it is a dev dependency and not installed).
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const npm = (args: string[], cwd: string): SpawnSyncReturns<string> =>
  spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, timeout: 20 * 60_000 });

/** What `npm pack --json` reports: `size` is the tarball's, `unpackedSize` the sum of the files. */
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

/**
 * Size budget of the packed tarball and of its files unpacked, in bytes: about 12 % above what the package weighed
 * when it was set (6379 KiB packed, 21402 KiB unpacked, 533 files; the test prints the figures), so that a new
 * duplicate or a stray folder fails here. Half of it is MediaPipe's two WASM builds (SIMD and plain, ~5.5 MB each,
 * the loader picks one at run time); the embed's source maps are ~4.5 MB unpacked. `npm pack --dry-run` without
 * dist/server: 10 703 KiB packed, 34 825 KiB unpacked while the library kept its own copies of the embed's assets
 * and its maps; 6149 KiB and 20 515 KiB without.
 */
const MiB = 1024 * 1024;
const BUDGET = { packed: 7 * MiB, unpacked: 23.5 * MiB };

describe('npm pack → npm install → npx videoconsult', { timeout: 25 * 60_000 }, () => {
  let stage: string;
  let target: string;
  let packed: PackResult;
  before(() => {
    stage = mkdtempSync(join(tmpdir(), 'vc-pack-'));
    target = mkdtempSync(join(tmpdir(), 'vc-install-'));
    // The package's files as `npm run build` lays them out; the server compiled here, so the test does not
    // depend on (or disturb) a dist/ another test is using.
    for (const file of ['package.json', 'README.md', 'custom-elements.json']) cpSync(join(root, file), join(stage, file));
    if (existsSync(join(root, 'dist'))) {
      cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true, filter: (src) => !src.startsWith(join(root, 'dist', 'server')) });
    }
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.server.json'), '--outDir', join(stage, 'dist/server')],
      { encoding: 'utf8' },
    );
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    const pack = npm(['pack', '--json'], stage);
    assert.equal(pack.status, 0, pack.stderr);
    packed = (JSON.parse(pack.stdout) as PackResult[])[0]!;
    const tgz = join(stage, packed.filename);
    writeFileSync(join(target, 'package.json'), JSON.stringify({ name: 'operator', private: true }));
    // From npm's cache where it can (CI warms it with `npm ci`), the registry otherwise.
    const install = npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tgz], target);
    assert.equal(install.status, 0, install.stderr);
  });
  after(() => {
    rmSync(stage, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
  });

  const npx = (...args: string[]) =>
    spawnSync('npx', ['--no-install', 'videoconsult', ...args], {
      cwd: target,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });

  it('installs the command without tsx', () => {
    assert.ok(existsSync(join(target, 'node_modules/.bin/videoconsult')));
    assert.ok(!existsSync(join(target, 'node_modules/tsx')), 'tsx is not installed with the package');
    assert.ok(readdirSync(join(target, 'node_modules/videoconsult/dist/server')).includes('bin.js'));
  });

  it('check-config names every bad key of a broken file (exit 2) and accepts a good one (exit 0)', () => {
    writeFileSync(
      join(target, 'broken.json'),
      JSON.stringify({
        port: 'eighty',
        secret: 'short',
        livekit: { url: 'http://sfu', apiKey: 'k', apiSecret: 'tiny' },
        tenants: [],
        grantTtlMinutes: 600,
        bogus: true,
      }),
    );
    const bad = npx('check-config', 'broken.json');
    assert.equal(bad.status, 2, bad.stdout + bad.stderr);
    for (const key of ['port', 'secret', 'livekit.url', 'livekit.apiSecret', 'tenants', 'grantTtlMinutes', '"bogus"']) {
      assert.ok(bad.stderr.includes(key), `names ${key}:\n${bad.stderr}`);
    }
    writeFileSync(
      join(target, 'good.json'),
      JSON.stringify({
        secret: 's'.repeat(40),
        livekit: { url: 'wss://sfu.example.com', apiKey: 'APIkey', apiSecret: 'x'.repeat(40) },
        tenants: [{ id: 'acme', name: 'Acme', apiKeySha256: ['a'.repeat(64)] }],
      }),
    );
    const good = npx('check-config', 'good.json');
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /good\.json: valid/);
  });

  it('maps every export to files that are in the package, types included, with no dependency bundled into the library', () => {
    const installed = join(target, 'node_modules/videoconsult');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; import: string }>;
    };
    assert.ok(manifest.exports['./react'], 'videoconsult/react is exported');
    for (const [name, entry] of Object.entries(manifest.exports)) {
      if (name === './server' || name === './client') continue; // compiled by the build's own tsc runs, checked by the tests above (server) or not staged here (client)
      for (const file of [entry.types, entry.import]) assert.ok(existsSync(join(installed, file)), `${name}: ${file} is in the package`);
    }
    // Runtime dependencies stay imports (one copy per page), never copies under dist/lib.
    assert.ok(!existsSync(join(installed, 'dist/lib/node_modules/yjs')), 'yjs is not bundled into dist/lib');
  });

  it("finds every asset the library points at: its new URL()s lead to files the embed's build put in the package", () => {
    const installed = join(target, 'node_modules/videoconsult');
    const jsFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory() ? jsFiles(join(dir, d.name)) : d.name.endsWith('.js') ? [join(dir, d.name)] : [],
      );
    const pointed = new Set<string>();
    for (const file of jsFiles(join(installed, 'dist/lib'))) {
      for (const [, ref] of readFileSync(file, 'utf8').matchAll(/new URL\(\s*["'](\.\.?\/[^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
        const asset = resolve(dirname(file), ref!);
        assert.ok(existsSync(asset), `${relative(installed, file)} points at ${ref}, which is not in the package`);
        pointed.add(relative(installed, asset));
      }
    }
    // Not vacuous: the blur's model, the PDF worker and the noise worklet are among them.
    for (const asset of ['dist/mediapipe/selfie_segmentation_landscape.tflite', 'dist/pdf.worker.min.mjs', 'dist/rnnoise-worklet.mjs']) {
      assert.ok(pointed.has(asset), `the library points at ${asset}`);
    }
  });

  it('ships only what runs, each file once, within its size budget', (t) => {
    const paths = packed.files.map((f) => f.path);
    // Not vacuous: the embed and the blur's files are in (a package without dist/ would be tiny).
    for (const file of ['dist/videoconsult.js', 'dist/mediapipe/selfie_segmentation_solution_simd_wasm_bin.wasm', 'dist/lib/index.js']) {
      assert.ok(paths.includes(file), `${file} is in the package`);
    }
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    const largest = [...packed.files].sort((a, b) => b.size - a.size).slice(0, 8);
    t.diagnostic(`tarball ${kib(packed.size)}, unpacked ${kib(packed.unpackedSize)}, ${packed.files.length} files`);
    t.diagnostic(`largest: ${largest.map((f) => `${f.path} ${kib(f.size)}`).join(', ')}`);

    const stray = paths.filter((path) => /^(src|test|demo|bench|scripts|data|docs)\/|\.test\.|(^|\/)\.tmp\//.test(path));
    assert.deepEqual(stray, [], 'no sources, tests, demo pages or local data');
    // The library's maps and declaration maps point at src/, which is not shipped: dead weight.
    assert.deepEqual(
      paths.filter((path) => path.startsWith('dist/lib/') && path.endsWith('.map')),
      [],
      'no source maps of the library',
    );

    // Every file of some size once: the same bytes under two names (e.g. the library's own copy of a worker or
    // of MediaPipe next to the embed's) is a duplicate.
    const installed = join(target, 'node_modules/videoconsult');
    const byHash = new Map<string, string[]>();
    for (const file of packed.files.filter((f) => f.size >= 4096)) {
      const hash = createHash('sha256')
        .update(readFileSync(join(installed, file.path)))
        .digest('hex');
      byHash.set(hash, [...(byHash.get(hash) ?? []), file.path]);
    }
    assert.deepEqual(
      [...byHash.values()].filter((same) => same.length > 1),
      [],
      'no file shipped twice',
    );

    assert.ok(packed.size <= BUDGET.packed, `tarball ${kib(packed.size)} over its budget of ${kib(BUDGET.packed)}`);
    assert.ok(packed.unpackedSize <= BUDGET.unpacked, `unpacked ${kib(packed.unpackedSize)} over its budget of ${kib(BUDGET.unpacked)}`);
  });
});
