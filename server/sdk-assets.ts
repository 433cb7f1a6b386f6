/**
 * The embed SDK served by the token server itself, so a vendor's page needs one tag:
 *   <script type="module" src="https://consult.example.com/videoconsult.js"></script>
 * Public, credential-free files: CORS for any origin and `Cross-Origin-Resource-Policy: cross-origin` (the entry,
 * every chunk and worker it loads from another origin needs both). Content-hashed chunks are immutable; the
 * entry and the workers keep their names across releases, so they are cached briefly and revalidated.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

export const SDK_ENTRY = 'videoconsult.js';

/**
 * Only the embed's own files: never dist/lib or dist/server, which share the folder. mediapipe/ holds the
 * background blur's script, WASM, graph and model (loaded by MediaPipe by name, next to its script).
 */
const SDK_PATH =
  /^\/(?:videoconsult\.js|[\w-]+(?:\.[\w-]+)*\.(?:mjs|wasm)|chunks\/[\w-]+(?:\.[\w-]+)*\.js|mediapipe\/[\w-]+\.(?:js|wasm|tflite|binarypb|data))(?:\.map)?$/;
const HASHED = /^\/chunks\//;
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const SHORT = 'public, max-age=300, must-revalidate';

/** dist/ next to the compiled server (dist/server → dist) or beside the sources (server → dist). */
export function findSdkDirectory(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return [resolve(here, '..'), resolve(here, '..', 'dist')].find((dir) => existsSync(join(dir, SDK_ENTRY)));
}

export interface SdkManifest {
  entry: string;
  /** Subresource Integrity of the entry: `<script type="module" integrity="…">`. */
  integrity: string;
  size: number;
}

/** SRI value (sha384, the algorithm browsers and the spec recommend) of a file's exact bytes. */
export function integrityOf(bytes: Buffer): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

export interface SdkAssets {
  /** Serves the SDK's files; passes every other request on. */
  handler: RequestHandler;
  /** The entry's manifest, recomputed when the file changed (a rebuild under a running server); undefined when not built. */
  manifest(): SdkManifest | undefined;
}

export function sdkAssets(directory: string | undefined = findSdkDirectory()): SdkAssets {
  let cached: { mtimeMs: number; size: number; manifest: SdkManifest } | undefined;
  const manifest = (): SdkManifest | undefined => {
    if (!directory) return undefined;
    const file = join(directory, SDK_ENTRY);
    if (!existsSync(file)) return undefined;
    const { mtimeMs, size } = statSync(file);
    if (cached?.mtimeMs !== mtimeMs || cached.size !== size) {
      const bytes = readFileSync(file);
      cached = { mtimeMs, size, manifest: { entry: `/${SDK_ENTRY}`, integrity: integrityOf(bytes), size: bytes.length } };
    }
    return cached.manifest;
  };
  const serve = directory
    ? express.static(directory, {
        index: false,
        dotfiles: 'ignore',
        fallthrough: true,
        setHeaders(res, path) {
          const relative = `/${path.slice(directory.length + 1).replaceAll('\\', '/')}`;
          res.setHeader('Access-Control-Allow-Origin', '*');
          res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
          res.setHeader('Cache-Control', HASHED.test(relative) ? IMMUTABLE : SHORT);
        },
      })
    : undefined;
  const handler: RequestHandler = (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !SDK_PATH.test(req.path)) return next();
    if (!serve) {
      res.status(404).json({ error: { code: 'sdk_not_built', message: 'The SDK is not built on this server: run `npm run build`.' } });
      return;
    }
    serve(req, res, next);
  };
  return { handler, manifest };
}
