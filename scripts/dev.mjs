// `npm start`: the whole product on loopback — livekit-server, the token server (SQLite in data/) and the
// demo host pages — and the URLs to open. Ctrl-C stops all of it.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { tsImport } from 'tsx/esm/api';
import { SetupError, assertPortFree, devKeys, startLivekit } from './livekit.mjs';
import { createStaticApp } from './static-server.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dataDir = join(root, 'data');
const ports = {
  sfu: Number(process.env.LIVEKIT_PORT || 7880),
  api: Number(process.env.VC_PORT || 8787),
  demo: Number(process.env.DEMO_PORT || 8080),
};

/** Dev secrets live in the git-ignored data/ folder, made once, never committed. */
function devSecrets() {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = { secret: randomBytes(32).toString('base64url'), apiKey: `vk_dev_${randomBytes(16).toString('hex')}` };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

const children = [];
let sfu;
let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await sfu?.stop();
  process.exit(code);
}
process.once('SIGINT', () => shutdown(0));
process.once('SIGTERM', () => shutdown(0));

function runChild(command, args, env = {}) {
  const child = spawn(command, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  children.push(child);
  child.once('exit', (code) => {
    if (!stopping) {
      console.error(`${args.join(' ')} exited (${code}); stopping everything.`);
      shutdown(1);
    }
  });
  return child;
}

try {
  mkdirSync(dataDir, { recursive: true });
  await assertPortFree(ports.sfu, 'the LiveKit SFU; set LIVEKIT_PORT to use another');
  await assertPortFree(ports.api, 'the token server; set VC_PORT to use another');
  await assertPortFree(ports.demo, 'the demo pages; set DEMO_PORT to use another');

  if (!existsSync(join(root, 'dist/videoconsult.js')) || process.env.VC_REBUILD) {
    console.log('Building the SDK (dist/)…');
    const build = spawn(join(root, 'node_modules/.bin/rollup'), ['-c', '--silent'], { stdio: 'inherit', cwd: root });
    const code = await new Promise((r) => build.once('exit', r));
    if (code !== 0) throw new SetupError('The SDK build failed; see the output above.');
  }

  const keys = devKeys();
  const { secret, apiKey } = devSecrets();
  const apiUrl = `http://127.0.0.1:${ports.api}`;
  const demoUrl = `http://127.0.0.1:${ports.demo}`;
  sfu = await startLivekit({ port: ports.sfu, keys, webhookUrl: `${apiUrl}/v1/webhooks/livekit` });

  const configFile = join(dataDir, 'dev-config.json');
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        host: '127.0.0.1',
        port: ports.api,
        publicUrl: `${demoUrl}/patient.html`,
        livekit: { url: sfu.url, apiKey: keys.apiKey, apiSecret: keys.apiSecret },
        database: { path: join(dataDir, 'videoconsult.sqlite') },
        // No ClamAV in the dev stack: files are shared unscanned, and the server says so at start.
        uploads: { directory: join(dataDir, 'uploads'), scan: 'off' },
        secret,
        tenants: [
          {
            id: 'demo',
            name: 'Demo practice',
            apiKeySha256: [createHash('sha256').update(apiKey).digest('hex')],
            allowedOrigins: [demoUrl],
          },
        ],
      },
      null,
      2,
    ),
    { mode: 0o600 },
  );
  runChild(process.execPath, ['--import', 'tsx', 'server/main.ts'], { VC_CONFIG: configFile });

  // The demo's "practice software back end": it holds the tenant API key (as an integrator's server
  // would) and sets up a consultation for the practitioner page with the typed client (videoconsult/client).
  // Browsers never see the key.
  const { VideoconsultClient } = await tsImport('../client/index.ts', import.meta.url);
  const vc = new VideoconsultClient({ baseUrl: apiUrl, apiKey });
  const demo = createStaticApp({
    tokenServerUrl: apiUrl,
    extra(app) {
      app.post('/demo-backend/consultation', express.json(), async (_req, res) => {
        try {
          const consultation = await vc.createConsultation({ title: 'Demo consultation' });
          const code = await vc.createAccessCode(consultation.id, { alias: 'Demo patient' });
          const practitioner = await vc.createPractitionerToken(consultation.id, { name: 'Dr. Demo' });
          res.json({ consultation, code: code.code, joinUrl: code.joinUrl, practitionerToken: practitioner.token });
        } catch (err) {
          res.status(502).json({ error: { code: 'demo_backend_failed', message: err.message } });
        }
      });
    },
  });
  await new Promise((r) => demo.listen(ports.demo, '127.0.0.1', r));

  // Wait for the token server before printing URLs that would otherwise fail.
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${apiUrl}/v1/openapi.json`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`
videoconsult is running (Ctrl-C stops everything):
  Practitioner page  ${demoUrl}/practitioner.html   (creates a consultation and shows the patient's code)
  Patient page       ${demoUrl}/patient.html
  Demo index         ${demoUrl}/
  Token server       ${apiUrl}   (OpenAPI: ${apiUrl}/v1/openapi.json)
  LiveKit SFU        ${sfu.url}
`);
} catch (err) {
  console.error(err instanceof SetupError ? `\n${err.message}\n` : err);
  await shutdown(1);
}
