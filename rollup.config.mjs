// Two builds from the same sources:
//  (a) dist/lib: the library, ESM + .d.ts, one entry per element plus the barrel; lit, @lit/* and
//      livekit-client stay external (they are dependencies, deduplicated by the host's bundler);
//  (b) dist/videoconsult.js: the self-contained embed bundle a host page loads with one
//      <script type="module"> tag; lazily loaded parts (e.g. the whiteboard) become chunks beside it.
import { readdirSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import minifyHTML from '@lit-labs/rollup-plugin-minify-html-literals';
import { sdkManifest } from './scripts/sdk-manifest.mjs';

// Lit's html`` and css`` templates keep their indentation through terser; this strips it (html-minifier-next,
// lightningcss) in our own sources only. A template it cannot parse fails the build instead of shipping as is.
// keepClosingSlash: an svg`` template has no <svg> around it, so the minifier takes `<rect/>` for HTML and drops
// the slash; lit then parses it inside <svg>, where `<rect><path>` nests the path in the rect and it is not
// drawn. Keeping every `/>` costs a byte where an html`` template writes one (test/e2e/build-output.test.ts).
const minifyTemplates = () =>
  minifyHTML({ include: ['src/**/*.ts'], failOnError: true, options: { minifyOptions: { keepClosingSlash: true } } });

const componentEntries = () => {
  const dir = 'src/components';
  if (!existsSync(dir)) return {};
  const entries = {};
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, `${name}.ts`);
    if (existsSync(file)) entries[`components/${name}/${name}`] = file;
  }
  return entries;
};

// Workers must load from the host's own origin (no CDN), next to the code that starts them. Sources write
// `new URL('./<name>', import.meta.url)`; this emits the file as an asset and points the URL at it,
// wherever the chunk that uses it ends up.
const workerFiles = {
  'livekit-e2ee-worker.mjs': 'node_modules/livekit-client/dist/livekit-client.e2ee.worker.mjs',
  'pdf.worker.min.mjs': 'node_modules/pdfjs-dist/build/pdf.worker.min.mjs',
  // Noise suppression (src/session/effects/noise.ts): RNNoise's worklet and WASM, served beside the SDK.
  'rnnoise-worklet.mjs': 'node_modules/@sapphi-red/web-noise-suppressor/dist/rnnoise/workletProcessor.js',
  'rnnoise.wasm': 'node_modules/@sapphi-red/web-noise-suppressor/dist/rnnoise.wasm',
  'rnnoise_simd.wasm': 'node_modules/@sapphi-red/web-noise-suppressor/dist/rnnoise_simd.wasm',
  // Background blur (src/session/effects/blur.ts): MediaPipe's script, WASM, graph and model, in one folder because
  // MediaPipe asks for each by name next to its script.
  ...Object.fromEntries(
    [
      'selfie_segmentation.js',
      'selfie_segmentation.binarypb',
      'selfie_segmentation_landscape.tflite',
      'selfie_segmentation_solution_simd_wasm_bin.js',
      'selfie_segmentation_solution_simd_wasm_bin.wasm',
      'selfie_segmentation_solution_simd_wasm_bin.data',
      'selfie_segmentation_solution_wasm_bin.js',
      'selfie_segmentation_solution_wasm_bin.wasm',
    ].map((name) => [`mediapipe/${name}`, `node_modules/@mediapipe/selfie_segmentation/${name}`]),
  ),
};
// The library build (`shareFrom`) writes no copies of its own: its modules point at the embed build's files in
// dist/, which ship in the same package (two copies were ~14 MB, MediaPipe's WASM twice among them). A host's
// bundler follows the relative `new URL()` into the package as before.
function workerAssets({ shareFrom } = {}) {
  const pattern = /new URL\(\s*['"]\.\/((?:mediapipe\/)?[\w.-]+\.(?:mjs|js|wasm|tflite|binarypb|data))['"]\s*,\s*import\.meta\.url\s*\)/g;
  let refs;
  return {
    name: 'worker-assets',
    buildStart() {
      refs = new Map();
    },
    transform(code, id) {
      if (!id.includes('/src/') || !code.includes('import.meta.url')) return null;
      let changed = false;
      const out = code.replace(pattern, (match, name) => {
        const source = workerFiles[name];
        if (!source) return match;
        changed = true;
        if (shareFrom) {
          // With preserveModules, src/a/b.ts becomes <dir>/a/b.js: the way from there to dist/<name>.
          const out = join(shareFrom.dir, relative(shareFrom.root, dirname(id)));
          // A URL path: forward slashes, also where the build runs on Windows.
          return `new URL(${JSON.stringify(relative(out, join('dist', name)).split(sep).join('/'))}, import.meta.url)`;
        }
        if (!refs.has(name)) refs.set(name, this.emitFile({ type: 'asset', fileName: name, source: readFileSync(source) }));
        const ref = refs.get(name);
        return `new URL(import.meta.ROLLUP_FILE_URL_${ref})`;
      });
      return changed ? { code: out, map: null } : null;
    },
  };
}

// Start from an empty dist/ (hashed chunks of earlier builds would pile up and be served).
if (!process.env.ROLLUP_WATCH) rmSync('dist', { recursive: true, force: true });

// The library leaves every runtime dependency (and the React peer) to the host's bundler, so one copy of each is
// loaded: two copies of yjs or @lit/context in one page break their identity checks. tslib stays inlined (a build
// tool here, not a dependency of the package).
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const externals = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies ?? {})];
const isDependency = (id) => externals.some((name) => id === name || id.startsWith(`${name}/`));

export default [
  {
    input: { index: 'src/index.ts', chat: 'src/chat.ts', 'react/index': 'src/react/index.ts', ...componentEntries() },
    external: isDependency,
    // No source or declaration maps: they would point at src/, which the package does not ship (a host's bundler
    // maps its own output; the embed keeps its maps, served beside it).
    output: { dir: 'dist/lib', format: 'es', sourcemap: false, preserveModules: true, preserveModulesRoot: 'src' },
    plugins: [
      nodeResolve({ browser: true }),
      typescript({
        tsconfig: './tsconfig.json',
        outDir: 'dist/lib',
        declarationDir: 'dist/lib',
        sourceMap: false,
        declarationMap: false,
      }),
      workerAssets({ shareFrom: { dir: 'dist/lib', root: resolve('src') } }), // after TypeScript, which compiles from disk and would drop an earlier transform
      minifyTemplates(),
    ],
  },
  {
    input: { videoconsult: 'src/index.ts' },
    output: {
      dir: 'dist',
      format: 'es',
      sourcemap: true,
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
    },
    plugins: [
      nodeResolve({ browser: true }),
      typescript({ tsconfig: './tsconfig.json', declaration: false, declarationMap: false, outDir: 'dist', sourceMap: true }),
      workerAssets(),
      minifyTemplates(),
      terser({ format: { comments: false } }),
      sdkManifest(),
    ],
  },
];
