// `npm start`: the whole product on loopback — livekit-server, the token server (SQLite in data/) and the
// demo host pages — and the URLs to open. Ctrl-C stops all of it.
//
// `npm run start:cluster` (`--cluster`): the scaled-out shape on loopback — Redis, two LiveKit nodes on that
// Redis behind one balancer, two token-server instances sharing PostgreSQL and Redis behind another balancer
// (the production load balancers' stand-ins, see scripts/tcp-balancer.mjs), and the same demo pages.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { tsImport } from 'tsx/esm/api';
import { startLivekitCluster } from './livekit-cluster.mjs';
import { SetupError, assertPortFree, devKeys, startLivekit } from './livekit.mjs';
import { startPostgres } from './postgres.mjs';
import { startRedis } from './redis.mjs';
import { startBalancer } from './tcp-balancer.mjs';
import { createStaticApp } from './static-server.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const cluster = process.argv.includes('--cluster');
const dataDir = join(root, 'data');
const ports = {
  sfu: Number(process.env.LIVEKIT_PORT || 7880),
  api: Number(process.env.VC_PORT || 8787),
  demo: Number(process.env.DEMO_PORT || 8080),
};
// livekit-server reads LIVEKIT_PORT itself and would put every node on it; ours is the balancer's port.
delete process.env.LIVEKIT_PORT;

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
let redis;
let postgres;
let apiBalancer;
let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await apiBalancer?.close();
  await sfu?.stop();
  await redis?.stop();
  await postgres?.stop();
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
  // In a cluster the token-server instances listen on the next ports, behind a balancer on VC_PORT.
  const instancePorts = cluster ? [ports.api + 1, ports.api + 2] : [ports.api];
  await assertPortFree(ports.api, 'the token server; set VC_PORT to use another');
  for (const port of cluster ? instancePorts : [])
    await assertPortFree(port, 'a token-server instance (VC_PORT + 1, + 2); set VC_PORT to use others');
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
  const webhookUrl = `${apiUrl}/v1/webhooks/livekit`;
  // The pharmacy portal, therapy platform and practice software: a tenant and a back end each.
  const demoBackends = await tsImport('./demo-backends/index.ts', import.meta.url);
  const demos = demoBackends.demoTenants(secret, [demoUrl]);
  const { startMailCatcher } = await tsImport('./demo-backends/mail-catcher.ts', import.meta.url);
  // The token server mails access codes to this local catcher; its inbox is the demo's /mail/ page.
  const mail = await startMailCatcher(Number(process.env.SMTP_PORT || 0));
  if (cluster) {
    postgres = await startPostgres({ dir: join(dataDir, 'postgres') });
    redis = await startRedis({ dir: join(dataDir, 'redis'), port: process.env.REDIS_PORT ? Number(process.env.REDIS_PORT) : undefined });
    sfu = await startLivekitCluster({ redis: `127.0.0.1:${redis.port}`, nodes: 2, port: ports.sfu, keys, webhookUrl });
  } else {
    sfu = await startLivekit({ port: ports.sfu, keys, webhookUrl });
  }

  const instanceConfig = (port) => ({
    host: '127.0.0.1',
    port,
    // Join links (in the access-code e-mails) lead to the demo practice software's patient page.
    publicUrl: `${demoUrl}/practice/join`,
    livekit: { url: sfu.url, apiKey: keys.apiKey, apiSecret: keys.apiSecret },
    // The cluster's instances share PostgreSQL; one process alone keeps the embedded SQLite file.
    database: postgres ? { url: postgres.url } : { path: join(dataDir, 'videoconsult.sqlite') },
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
      ...demos.tenants,
    ],
    // The admin API, for the practice software's back end to make its practice (see scripts/demo-backends/practice.ts).
    admin: demos.admin,
    // Shared by the instances: the "consultation changed" bus, rate limits, the code lockout, stream caps.
    ...(redis ? { redis: { url: redis.url } } : {}),
    smtp: demoBackends.catcherSmtp(mail),
  });
  const answers = async (port) => {
    for (let i = 0; i < 150; i++) {
      if (
        await fetch(`http://127.0.0.1:${port}/v1/openapi.json`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  // One after the other: the first instance migrates the shared store before the second opens it.
  for (const [i, port] of instancePorts.entries()) {
    const configFile = join(dataDir, cluster ? `dev-config-${i + 1}.json` : 'dev-config.json');
    writeFileSync(configFile, JSON.stringify(instanceConfig(port), null, 2), { mode: 0o600 });
    // VC_PORT in the environment would override the config's port (server/config.ts): set it per instance.
    runChild(process.execPath, ['--import', 'tsx', 'server/main.ts'], { VC_CONFIG: configFile, VC_PORT: String(port) });
    // Wait for the token server before printing URLs that would otherwise fail.
    await answers(port);
  }
  if (cluster) {
    apiBalancer = await startBalancer({ backends: instancePorts.map((port) => ({ host: '127.0.0.1', port })), port: ports.api });
  }

  // The demo's "practice software back end": it holds the tenant API key (as an integrator's server
  // would) and sets up a consultation for the practitioner page with the typed client (videoconsult/client).
  // Browsers never see the key.
  const { VideoconsultClient } = await tsImport('../client/index.ts', import.meta.url);
  const vc = new VideoconsultClient({ baseUrl: apiUrl, apiKey });
  const demo = createStaticApp({
    tokenServerUrl: apiUrl,
    extra(app) {
      demoBackends.mountDemoBackends(app, { apiUrl, keys: demos.keys, adminKey: demos.adminKey, mail });
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

  const clusterLines = cluster
    ? [
        ...instancePorts.map((port, i) => `  Token server ${i + 1}     http://127.0.0.1:${port}`),
        ...sfu.nodes.map(
          (node, i) => `  LiveKit node ${i + 1}     ${node.url}   (metrics: http://127.0.0.1:${node.prometheusPort}/metrics)`,
        ),
        `  Redis              ${redis.url}   (not persisted)`,
        `  PostgreSQL         postgres://127.0.0.1:${postgres.port}   (data/postgres; password in data/postgres/password)`,
      ].join('\n') + '\n'
    : '';
  console.log(`
videoconsult is running (Ctrl-C stops everything). Open the demo index:

  ${demoUrl}/

  It leads to the pharmacy portal, the therapy platform and the practice software (and the minimal pages below).
  Demo inbox         ${demoUrl}/mail/   (access-code e-mails, caught by a local SMTP server on port ${mail.port})
  Practitioner page  ${demoUrl}/practitioner.html   (creates a consultation and shows the patient's code)
  Patient page       ${demoUrl}/patient.html
  React patient page ${demoUrl}/react/   (the same join links work with /react/#code=…)
  Token server       ${apiUrl}   (OpenAPI: ${apiUrl}/v1/openapi.json)${cluster ? '   (balancer)' : ''}
  LiveKit SFU        ${sfu.url}${cluster ? '   (balancer)' : ''}
${clusterLines}`);
} catch (err) {
  console.error(err instanceof SetupError ? `\n${err.message}\n` : err);
  await shutdown(1);
}
