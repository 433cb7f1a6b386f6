// Bundle size: gzip -9 and brotli bytes of what a host page downloads.
//  - first load: dist/videoconsult.js as shipped (the real `rollup -c` build) and every chunk it imports
//    statically; chunks loaded with import() (whiteboard, pdf.js) are counted apart;
//  - our code without livekit-client: the library build (dist/lib) bundled with livekit-client external;
//  - baseline: livekit-client alone, bundled the same way (node-resolve + terser, ESM).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';

const sizes = (code) => ({
  raw: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
const zero = { raw: 0, gzip: 0, brotli: 0 };

/** Static imports of a built ES module (not import(): those load lazily). */
const staticImports = (code) => [...code.matchAll(/(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]*?from\s*)?["'](\.[^"']+)["']/g)].map((m) => m[1]);

function firstLoad(entryFile) {
  const seen = new Map();
  const visit = (file) => {
    if (seen.has(file)) return;
    const code = readFileSync(file, 'utf8');
    seen.set(file, sizes(code));
    for (const spec of staticImports(code)) visit(resolve(dirname(file), spec));
  };
  visit(entryFile);
  return { total: [...seen.values()].reduce(add, zero), files: Object.fromEntries([...seen].map(([f, s]) => [f.replace(`${process.cwd()}/`, ''), s])) };
}

async function bundleJs(input, external) {
  const bundle = await rollup({ input, external, onwarn: () => {}, plugins: [nodeResolve({ browser: true }), terser({ format: { comments: false } })] });
  const { output } = await bundle.generate({ format: 'es', inlineDynamicImports: false });
  await bundle.close();
  const entry = output.find((o) => o.type === 'chunk' && o.isEntry);
  // Only what loads first: the entry and the chunks it imports statically.
  const byName = new Map(output.filter((o) => o.type === 'chunk').map((c) => [c.fileName, c]));
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name) || !byName.has(name)) return; // external modules are not ours to count
    seen.add(name);
    for (const dep of byName.get(name).imports) visit(dep);
  };
  visit(entry.fileName);
  return [...seen].map((n) => sizes(byName.get(n).code)).reduce(add, zero);
}

export async function bundleSize({ quick }) {
  if (!quick || !existsSync('dist/videoconsult.js') || !existsSync('dist/lib/index.js')) {
    const build = spawnSync('node_modules/.bin/rollup', ['-c', '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('rollup -c failed');
  }
  const embed = firstLoad(resolve('dist/videoconsult.js'));
  const ours = await bundleJs('dist/lib/index.js', (id) => /^livekit-client(\/|$)/.test(id));
  // The baseline entry lives inside the project so node-resolve finds livekit-client.
  mkdirSync('.tmp', { recursive: true });
  const entry = join('.tmp', 'bench-livekit-only.js');
  writeFileSync(entry, "export * from 'livekit-client';\n");
  const baseline = await bundleJs(entry);
  rmSync(entry, { force: true });
  const kib = 1024;
  return {
    rows: [
      { benchmark: 'bundle size', metric: 'ours without livekit-client (gzip)', unit: 'B', value: ours.gzip, target: '≤ 30 KiB', met: ours.gzip <= 30 * kib },
      {
        benchmark: 'bundle size',
        metric: 'embed first load (gzip)',
        unit: 'B',
        value: embed.total.gzip,
        baseline: baseline.gzip,
        ratio: embed.total.gzip / baseline.gzip,
        target: '≤ 1.26× livekit-client',
        met: embed.total.gzip <= 1.26 * baseline.gzip,
      },
      {
        benchmark: 'bundle size',
        metric: 'embed first load (brotli)',
        unit: 'B',
        value: embed.total.brotli,
        baseline: baseline.brotli,
        ratio: embed.total.brotli / baseline.brotli,
      },
    ],
    raw: { embedFirstLoad: embed, oursWithoutLivekit: ours, livekitClientAlone: baseline },
  };
}
