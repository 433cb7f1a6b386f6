// Two builds from the same sources:
//  (a) dist/lib: the library, ESM + .d.ts, one entry per element plus the barrel; lit, @lit/* and
//      livekit-client stay external (they are dependencies, deduplicated by the host's bundler);
//  (b) dist/videoconsult.js: the self-contained embed bundle a host page loads with one
//      <script type="module"> tag; lazily loaded parts (e.g. the whiteboard) become chunks beside it.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

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

const isDependency = (id) => /^(lit|@lit\/|@lit-labs\/|livekit-client)(\/|$)/.test(id);

export default [
  {
    input: { index: 'src/index.ts', ...componentEntries() },
    external: isDependency,
    output: { dir: 'dist/lib', format: 'es', sourcemap: true, preserveModules: true, preserveModulesRoot: 'src' },
    plugins: [
      nodeResolve({ browser: true }),
      typescript({ tsconfig: './tsconfig.json', outDir: 'dist/lib', declarationDir: 'dist/lib', sourceMap: true }),
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
      terser({ format: { comments: false } }),
    ],
  },
];
