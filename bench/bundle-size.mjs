// Bundle size: gzip -9 and brotli bytes of what a host page downloads.
//  - first load: dist/videoconsult.js as shipped (the real `rollup -c` build) and every chunk it imports
//    statically; chunks loaded with import() (whiteboard, pdf.js) are counted apart;
//  - our code without livekit-client: the library build (dist/lib) bundled with livekit-client external; the
//    target is for a call without the whiteboard, i.e. the first load plus the call and the chat (both loaded
//    while waiting); the lazily loaded call, chat, whiteboard and pdf.js parts are also reported on their own;
//  - baseline: livekit-client alone, bundled the same way (node-resolve + terser, ESM).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';
import { minify } from 'terser';

const sizes = (code) => ({
  raw: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
const zero = { raw: 0, gzip: 0, brotli: 0 };

/** The area a module of dist/lib (or a dependency) belongs to, for the "where the bytes go" rows. */
function area(module) {
  if (/^(lit|lit-html|lit-element|@lit\/reactive-element)\//.test(module)) return 'lit';
  if (module.startsWith('@lit/context/')) return '@lit/context';
  if (module.startsWith('valibot/')) return 'valibot';
  if (module.startsWith('tslib/')) return 'tslib';
  if (/\.styles\.js$|\/themes\//.test(module)) return 'our styles (CSS)';
  if (module.includes('/translations/')) return 'English strings';
  if (module.includes('/session/')) return 'our session core';
  if (module.includes('/components/')) return 'our elements';
  return 'our other code';
}
const byArea = (modules) => {
  const totals = {};
  for (const { module, gzip } of modules) totals[area(module)] = (totals[area(module)] ?? 0) + gzip;
  return Object.entries(totals).sort((a, b) => b[1] - a[1]);
};

/** Static imports of a built ES module (not import(): those load lazily). */
const staticImports = (code) =>
  [...code.matchAll(/(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]*?from\s*)?["'](\.[^"']+)["']/g)].map((m) => m[1]);

/** The files and sizes of `entryFiles` and everything they import statically (each file once). */
function firstLoad(...entryFiles) {
  const seen = new Map();
  const visit = (file) => {
    if (seen.has(file)) return;
    const code = readFileSync(file, 'utf8');
    seen.set(file, sizes(code));
    for (const spec of staticImports(code)) visit(resolve(dirname(file), spec));
  };
  entryFiles.forEach(visit);
  return {
    total: [...seen.values()].reduce(add, zero),
    files: Object.fromEntries([...seen].map(([f, s]) => [f.replace(`${process.cwd()}/`, ''), s])),
  };
}

/**
 * Bundles `input` like a host's bundler would (node-resolve + terser, ESM, code splitting kept) and measures
 * the first load (the entry and what it imports statically) and each lazily loaded part: the chunks that hold
 * a module matching the part's pattern, with what they import statically, minus what is already loaded.
 */
async function bundleJs(input, external, lazyParts = {}) {
  const bundle = await rollup({
    input,
    external,
    onwarn: () => {},
    plugins: [nodeResolve({ browser: true }), terser({ format: { comments: false } })],
  });
  const { output } = await bundle.generate({ format: 'es', inlineDynamicImports: false });
  await bundle.close();
  const chunks = output.filter((o) => o.type === 'chunk');
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const closure = (roots, loaded = new Set()) => {
    const seen = new Set();
    const visit = (name) => {
      if (seen.has(name) || loaded.has(name) || !byName.has(name)) return; // external modules are not ours to count
      seen.add(name);
      for (const dep of byName.get(name).imports) visit(dep);
    };
    roots.forEach(visit);
    return seen;
  };
  const measure = (names) => [...names].map((n) => sizes(byName.get(n).code)).reduce(add, zero);
  // Where the bytes go: each module of the first load and the chat minified on its own and gzipped (a
  // per-module estimate: the sum is a little larger than the real chunks, which compress across modules).
  const breakdown = async (names) => {
    const rows = [];
    for (const name of names) {
      for (const [id, module] of Object.entries(byName.get(name).modules)) {
        if (!module.code) continue;
        const min =
          (await minify(module.code, { module: true, compress: { toplevel: false, unused: false }, mangle: { toplevel: false } })).code ??
          '';
        rows.push({
          module: id.replace(`${process.cwd()}/`, '').replace(/^.*node_modules\//, ''),
          gzip: gzipSync(min, { level: 9 }).length,
        });
      }
    }
    return rows.sort((a, b) => b.gzip - a.gzip);
  };
  const first = closure([chunks.find((c) => c.isEntry).fileName]);
  const parts = {};
  for (const [label, pattern] of Object.entries(lazyParts)) {
    const roots = chunks.filter((c) => Object.keys(c.modules).some((id) => pattern.test(id))).map((c) => c.fileName);
    if (roots.length === 0) throw new Error(`no chunk holds ${pattern} (is it still loaded lazily?)`);
    const names = closure(roots, first);
    parts[label] = {
      ...measure(names),
      chunks: [...names],
      ...(label === 'chat' || label === 'call' ? { modules: await breakdown(names) } : {}),
    };
  }
  // Parts loaded together (the call and the chat) share chunks (e.g. roles.js): counted once in their sum.
  const together = (...labels) => measure(new Set(labels.flatMap((label) => parts[label].chunks)));
  return {
    ...measure(first),
    parts,
    ...(Object.keys(lazyParts).length ? { modules: await breakdown(first), callAndChat: together('call', 'chat') } : {}),
  };
}

export async function bundleSize({ quick }) {
  if (!quick || !existsSync('dist/videoconsult.js') || !existsSync('dist/lib/index.js')) {
    const build = spawnSync('node_modules/.bin/rollup', ['-c', '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('rollup -c failed');
  }
  const embed = firstLoad(resolve('dist/videoconsult.js'));
  // What a patient has fetched once the call can start: the first load plus what loads while waiting.
  const whileWaiting = readdirSync('dist/chunks').filter((f) => /^(call|livekit-room|chat)-[\w-]+\.js$/.test(f));
  const embedCall = firstLoad(resolve('dist/videoconsult.js'), ...whileWaiting.map((f) => resolve('dist/chunks', f)));
  // Lazily loaded parts: the call and the chat load while the patient waits, so a call without the whiteboard is
  // the first load plus both; the whiteboard (yjs, perfect-freehand) on first use; pdf.js only for a PDF background.
  const lazyParts = {
    call: /\/components\/call\/call\.js$|\/session\/livekit-room\.js$/,
    chat: /\/components\/chat\/chat\.js$/,
    whiteboard: /\/components\/whiteboard\/whiteboard\.js$|\/session\/whiteboard-sync\.js$/,
    pdf: /\/pdfjs-dist\//,
  };
  const ours = await bundleJs('dist/lib/index.js', (id) => /^livekit-client(\/|$)/.test(id), lazyParts);
  const call = add(ours, ours.callAndChat);
  // The baseline entry lives inside the project so node-resolve finds livekit-client.
  mkdirSync('.tmp', { recursive: true });
  const entry = join('.tmp', 'bench-livekit-only.js');
  writeFileSync(entry, "export * from 'livekit-client';\n");
  const baseline = await bundleJs(entry);
  rmSync(entry, { force: true });
  const kib = 1024;
  return {
    rows: [
      {
        benchmark: 'bundle size',
        metric: 'ours w/o livekit-client, call without whiteboard: first load + call + chat (gzip)',
        unit: 'B',
        value: call.gzip,
        target: '≤ 30 KiB',
        met: call.gzip <= 30 * kib,
      },
      { benchmark: 'bundle size', metric: 'ours w/o livekit-client, first load only (gzip)', unit: 'B', value: ours.gzip },
      // Where the call's bytes go (per-module estimates, so they add up to a little more than the total).
      ...byArea([...ours.modules, ...ours.parts.call.modules, ...ours.parts.chat.modules]).map(([name, gzip]) => ({
        benchmark: 'bundle size',
        metric: `  of which ${name} (≈, gzip)`,
        unit: 'B',
        value: gzip,
      })),
      {
        benchmark: 'bundle size',
        metric: 'lazy: call UI and room (w/o livekit-client), loaded while waiting (gzip)',
        unit: 'B',
        value: ours.parts.call.gzip,
      },
      { benchmark: 'bundle size', metric: 'lazy: chat, loaded while waiting (gzip)', unit: 'B', value: ours.parts.chat.gzip },
      { benchmark: 'bundle size', metric: 'lazy: whiteboard, on first use (gzip)', unit: 'B', value: ours.parts.whiteboard.gzip },
      { benchmark: 'bundle size', metric: 'lazy: pdf.js, for a PDF background (gzip)', unit: 'B', value: ours.parts.pdf.gzip },
      {
        benchmark: 'bundle size',
        metric: 'embed first load (gzip; the patient first load row measures it in Chromium)',
        unit: 'B',
        value: embed.total.gzip,
      },
      {
        benchmark: 'bundle size',
        metric: 'embed ready for the call: first load + call + chat (gzip)',
        unit: 'B',
        value: embedCall.total.gzip,
        baseline: baseline.gzip,
        ratio: embedCall.total.gzip / baseline.gzip,
        target: '≤ 1.26× livekit-client',
        met: embedCall.total.gzip <= 1.26 * baseline.gzip,
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
    raw: {
      embedFirstLoad: embed,
      embedReadyForCall: embedCall,
      oursWithoutLivekit: ours,
      oursCallWithoutWhiteboard: call,
      livekitClientAlone: baseline,
    },
  };
}
