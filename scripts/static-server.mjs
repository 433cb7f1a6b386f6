// Serves the demo host pages and the built SDK on their own origin (as a vendor's site would be),
// separate from the token server, so CORS and the embed are exercised as in production.
import express from 'express';
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * @param {{ tokenServerUrl: string, extra?: (app: import('express').Express) => void }} options
 * @returns {import('express').Express}
 */
export function createStaticApp({ tokenServerUrl, extra }) {
  const app = express();
  app.disable('x-powered-by');
  // The demo pages read the token server's URL from here instead of hard-coding a port.
  app.get('/config.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-store');
    res.send(`export const tokenServerUrl = ${JSON.stringify(tokenServerUrl)};\n`);
  });
  const dist = join(root, 'dist');
  app.use('/dist', express.static(dist, { fallthrough: true }));
  app.use('/dist', (_req, res) => {
    res
      .status(404)
      .type('text')
      .send(existsSync(dist) ? 'Not found in dist/.' : 'dist/ is missing: run `npm run build` first.');
  });
  serveReactDemo(app);
  extra?.(app);
  app.use(express.static(join(root, 'demo'), { extensions: ['html'] }));
  return app;
}

// The React host page (demo/react/) is a React app: bundled with esbuild, as its own bundler would,
// from videoconsult/react's source. The SDK's workers sit next to the bundle, where `new URL(…, import.meta.url)`
// in the SDK looks for them (rollup.config.mjs does the same for dist/).
const reactDemoWorkers = {
  'livekit-e2ee-worker.mjs': 'node_modules/livekit-client/dist/livekit-client.e2ee.worker.mjs',
  'pdf.worker.min.mjs': 'node_modules/pdfjs-dist/build/pdf.worker.min.mjs',
};

/**
 * The React demo's bundle, built on first request and again only when one of the files that went into it changed
 * since (minified React and the SDK take seconds to bundle, and every e2e stack mounts this page). Shared by all
 * apps in the process: it depends on the sources only.
 */
let reactDemoBuild;
async function buildReactDemo() {
  const builtAt = Date.now();
  const out = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'demo/react/app.tsx')],
    tsconfig: join(root, 'demo/react/tsconfig.json'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    minify: true,
  });
  // Metafile inputs are relative to absWorkingDir; entries that are no file (esbuild's own namespaces) are skipped.
  const inputs = Object.keys(out.metafile.inputs)
    .map((file) => resolve(root, file))
    .filter((file) => existsSync(file));
  return { text: out.outputFiles[0].text, inputs, builtAt };
}
async function changedSince({ inputs, builtAt }) {
  const times = await Promise.all(
    inputs.map((file) =>
      stat(file).then(
        (s) => s.mtimeMs,
        () => Infinity,
      ),
    ),
  );
  return times.some((mtime) => mtime >= builtAt);
}
async function reactDemoBundle() {
  const seen = reactDemoBuild;
  const built = await seen?.catch(() => undefined);
  if (built && !(await changedSince(built))) return built.text;
  // Concurrent requests that found the same stale (or failed) build start one new build between them.
  if (reactDemoBuild === seen) reactDemoBuild = buildReactDemo();
  return (await reactDemoBuild).text;
}

function serveReactDemo(app) {
  app.get('/react/app.js', async (_req, res) => {
    try {
      res
        .type('text/javascript')
        .set('Cache-Control', 'no-store')
        .send(await reactDemoBundle());
    } catch (err) {
      res.status(500).type('text').send(String(err));
    }
  });
  for (const [name, file] of Object.entries(reactDemoWorkers)) {
    app.get(`/react/${name}`, (_req, res) => res.type('text/javascript').sendFile(join(root, file)));
  }
}
