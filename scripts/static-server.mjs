// Serves the demo host pages and the built SDK on their own origin (as a vendor's site would be),
// separate from the token server, so CORS and the embed are exercised as in production.
import express from 'express';
import { existsSync } from 'node:fs';
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
  extra?.(app);
  app.use(express.static(join(root, 'demo'), { extensions: ['html'] }));
  return app;
}
