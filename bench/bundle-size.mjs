// Bundle size: gzip -9 and brotli bytes of what a host page downloads, against livekit-client alone
// bundled the same way (node-resolve + terser, ESM).
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rollup } from 'rollup';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const sizes = (code) => ({
  raw: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
const zero = { raw: 0, gzip: 0, brotli: 0 };

async function build(input, { external } = {}) {
  const bundle = await rollup({
    input,
    external,
    onwarn: () => {},
    plugins: [
      nodeResolve({ browser: true }),
      ...(input.endsWith('.ts')
        ? [typescript({ tsconfig: './tsconfig.json', declaration: false, declarationMap: false, sourceMap: false, outDir: undefined, noEmitOnError: false })]
        : []),
      terser({ format: { comments: false } }),
    ],
  });
  const { output } = await bundle.generate({ format: 'es', chunkFileNames: '[name]-[hash].js' });
  await bundle.close();
  const chunks = new Map(output.filter((o) => o.type === 'chunk').map((c) => [c.fileName, c]));
  const entry = output.find((o) => o.type === 'chunk' && o.isEntry);
  // First load = the entry and everything it imports statically; the rest loads lazily.
  const firstLoad = new Set();
  const visit = (name) => {
    if (firstLoad.has(name)) return;
    firstLoad.add(name);
    for (const dep of chunks.get(name)?.imports ?? []) visit(dep);
  };
  visit(entry.fileName);
  let first = zero;
  let lazy = zero;
  const lazyChunks = {};
  for (const [name, chunk] of chunks) {
    const s = sizes(chunk.code);
    if (firstLoad.has(name)) first = add(first, s);
    else {
      lazy = add(lazy, s);
      lazyChunks[name] = s;
    }
  }
  return { first, lazy, lazyChunks };
}

export async function bundleSize() {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-size-'));
  try {
    const baselineEntry = join(dir, 'livekit-only.js');
    writeFileSync(baselineEntry, "export * from 'livekit-client';\n");
    const baseline = await build(baselineEntry);
    const full = await build('src/index.ts');
    const ours = await build('src/index.ts', { external: (id) => /^livekit-client(\/|$)/.test(id) });
    const kib = 1024;
    const rows = [
      {
        benchmark: 'bundle size',
        metric: 'ours without livekit-client (gzip)',
        unit: 'B',
        value: ours.first.gzip,
        target: '≤ 30 KiB',
        met: ours.first.gzip <= 30 * kib,
      },
      {
        benchmark: 'bundle size',
        metric: 'embed first load (gzip)',
        unit: 'B',
        value: full.first.gzip,
        baseline: baseline.first.gzip,
        ratio: full.first.gzip / baseline.first.gzip,
        target: '≤ 1.26× livekit-client',
        met: full.first.gzip <= 1.26 * baseline.first.gzip,
      },
      {
        benchmark: 'bundle size',
        metric: 'embed first load (brotli)',
        unit: 'B',
        value: full.first.brotli,
        baseline: baseline.first.brotli,
        ratio: full.first.brotli / baseline.first.brotli,
      },
      { benchmark: 'bundle size', metric: 'lazily loaded chunks (gzip)', unit: 'B', value: full.lazy.gzip },
    ];
    return { rows, raw: { baseline, full, ours } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
