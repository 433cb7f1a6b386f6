// What a whole consultation leaves behind outside the call, through the drop-in <vc-consultation> (embed bundle
// from dist/), the real token server and the real SFU: the host pages talk to no origin but the host's and the
// product's (token server, SFU) and load nothing from anywhere else, no ICE server included; and no line the token
// server logs (at trace level: everything it could log) holds the client's address, the access code, a token,
// the typed name or the e-mail address the code went to.
//
// The client's address: every page request here comes from 127.0.0.1, which also appears in the server's own
// URLs. So the pages reach the token server through a reverse proxy, as in production: it adds a distinctive
// X-Forwarded-For and the token server trusts that one hop (trustProxy: 1). Express then takes that address as the
// client's (test/server/proxies.test.ts), and it must appear in no log line.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page, Request } from 'playwright-core';
import { startSmtpSink } from '../server/smtp-sink.js';
import {
  bluePixels,
  consultation,
  openConsultation,
  passDeviceCheck,
  patientWaitsViaForm,
  waitForConsultationState,
} from './consultation-ui.js';
import { png } from './png.js';
import { writeFileSync } from 'node:fs';
import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLivekit, type RunningLivekit } from '../../scripts/livekit.mjs';
import { startStack, type Stack, type StartSfu } from './stack.js';

const WAIT = 40_000;
/** TEST-NET-2 (RFC 5737): an address nothing else in the run contains. */
const CLIENT_ADDRESS = '198.51.100.77';
const EMAIL = 'anna.privacy-marker@example.org';
const NAME = 'Annabelle Quenstedt';

let stack: Stack;
let proxy: { url: string; forwarded: string[]; server: Server };
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
const logLines: string[] = [];
const requests: Request[] = [];
const websockets: string[] = [];
/** livekit-server's own log (stderr), at the level our config gives it (scripts/livekit.mjs; LIVEKIT_LOG_LEVEL overrides). */
const sfuLog: string[] = [];
const SFU_LOG_LEVEL = process.env.LIVEKIT_LOG_LEVEL || 'warn';

before(async () => {
  sink = await startSmtpSink();
  stack = await startStack(
    {
      trustProxy: 1,
      smtp: { host: '127.0.0.1', port: sink.port, secure: false, requireTLS: false, from: 'Praxis <noreply@praxis.example>' },
    },
    {
      startSfu: async ({ port, webhookUrl, keys }: Parameters<StartSfu<RunningLivekit>>[0]) => {
        const sfu = await startLivekit({ port, keys, webhookUrl });
        sfu.process.stderr?.on('data', (chunk: Buffer) => sfuLog.push(chunk.toString()));
        return sfu;
      },
      logSink: (line) => logLines.push(line),
      onContext: async (context) => {
        context.on('request', (request) => requests.push(request));
        context.on('page', (page) => page.on('websocket', (ws) => websockets.push(ws.url())));
        // Every ICE server a peer connection is given (STUN/TURN are requests too, outside HTTP).
        // (A string, not a function: tsx's helpers such as __name do not exist in the page.)
        await context.addInitScript(`{
          const seen = (window.iceServerUrls = []);
          const record = (config) => { for (const server of config?.iceServers ?? []) seen.push(...[server.urls].flat()); };
          const Original = window.RTCPeerConnection;
          window.RTCPeerConnection = class extends Original {
            constructor(config) { record(config); super(config); }
            setConfiguration(config) { record(config); super.setConfiguration(config); }
          };
        }`);
      },
    },
  );
  proxy = await startProxy(stack.apiUrl);
});
after(async () => {
  proxy?.server.closeAllConnections();
  proxy?.server.close();
  await stack?.stop();
  await sink?.stop();
  // E2E_SFU_LOG=<file> keeps the SFU's output of the run (how README's statement about it was measured).
  if (process.env.E2E_SFU_LOG) writeFileSync(process.env.E2E_SFU_LOG, sfuLog.join(''));
});

/** A reverse proxy in front of the token server that adds the client's address, as nginx's proxy_add_x_forwarded_for does. */
async function startProxy(target: string): Promise<typeof proxy> {
  const forwarded: string[] = [];
  const server = createServer((req, res) => {
    forwarded.push(`${req.method} ${req.url}`);
    const upstream = forward(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, host: new URL(target).host, 'x-forwarded-for': CLIENT_ADDRESS } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forwarded, server };
}

/** The LiveKit token a <vc-consultation> holds during the call. */
function callToken(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      (document.querySelector('vc-consultation') as unknown as { session: { callAccess(): { token: string } } }).session.callAccess().token,
  );
}

test(
  'a whole consultation: requests only to the host and the product, and no client address, code, token, name or e-mail in the logs',
  { timeout: 300_000 },
  async () => {
    // The integrator's back end: a consultation, the code sent by e-mail, a practitioner token.
    const { id } = await stack.integrator<{ id: string }>('POST', '/v1/consultations', { title: 'Privacy e2e' });
    const issued = await stack.integrator<{ code: string; delivered?: string }>('POST', `/v1/consultations/${id}/access-codes`, {
      alias: 'Patient P',
      deliver: { email: EMAIL },
    });
    assert.equal(issued.delivered, 'email');
    const mail = sink.mails.at(-1)!;
    const code = /Your access code: ([A-Z0-9]+)/.exec(mail.data)?.[1];
    assert.equal(code, issued.code, 'the patient reads the code from the e-mail');
    const { token: practitionerToken } = await stack.integrator<{ token: string }>('POST', `/v1/consultations/${id}/practitioner-tokens`, {
      name: 'Dr. Privacy',
    });

    // Device check, waiting, admission, call.
    const practitioner = await openConsultation(stack, { role: 'practitioner', token: practitionerToken, server: proxy.url }, WAIT);
    await passDeviceCheck(practitioner, WAIT);
    await waitForConsultationState(practitioner, 'in-call', WAIT);
    const patient = await patientWaitsViaForm(stack, code!, NAME, WAIT, { server: proxy.url });
    await practitioner.getByRole('button', { name: `Admit Patient P (${NAME})` }).click({ timeout: WAIT });
    await waitForConsultationState(patient, 'in-call', WAIT);
    await consultation(patient).locator('vc-call figure.remote video.camera').waitFor({ timeout: WAIT });
    const livekitTokens = [await callToken(patient), await callToken(practitioner)];

    // Chat, then a picture through the chat's upload.
    for (const page of [practitioner, patient])
      await page.locator('vc-consultation [part="sidebar"] vc-chat textarea:not([disabled])').waitFor({ timeout: WAIT });
    const input = patient.locator('vc-consultation vc-chat textarea');
    await input.fill('It itches since Monday');
    await input.press('Enter');
    await practitioner
      .locator('vc-consultation vc-chat li.message .text')
      .filter({ hasText: 'It itches since Monday' })
      .waitFor({ timeout: WAIT });
    await patient
      .locator('vc-consultation vc-chat input[type=file]')
      .setInputFiles({ name: 'rash.png', mimeType: 'image/png', buffer: png(12, 7, [200, 30, 30]) });
    const preview = practitioner.locator('vc-consultation vc-chat [part="attachment"] img');
    await preview.waitFor({ timeout: WAIT });
    await practitioner.waitForFunction(
      (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth === 12,
      await preview.elementHandle(),
      { timeout: WAIT },
    );

    // The whiteboard: the practitioner opens it and draws; the stroke reaches the patient.
    await practitioner.locator('vc-consultation [part="whiteboard-button"]').click();
    const board = practitioner.locator('vc-consultation [part="whiteboard"] canvas');
    await board.waitFor({ timeout: WAIT });
    await patient.locator('vc-consultation [part="whiteboard"] canvas').waitFor({ timeout: WAIT });
    const box = (await board.boundingBox())!;
    await practitioner.mouse.move(box.x + 60, box.y + 40);
    await practitioner.mouse.down();
    await practitioner.mouse.move(box.x + 200, box.y + 120, { steps: 10 });
    await practitioner.mouse.up();
    const deadline = Date.now() + WAIT;
    while (Date.now() < deadline && (await bluePixels(patient)) <= 30) await new Promise((r) => setTimeout(r, 250));
    assert.ok((await bluePixels(patient)) > 30, "the stroke is on the patient's canvas");

    // The practitioner ends it for everyone.
    practitioner.once('dialog', (dialog) => void dialog.accept());
    await consultation(practitioner).locator('[part="end-button"]').click();
    await waitForConsultationState(practitioner, 'ended', WAIT);
    await waitForConsultationState(patient, 'ended', WAIT);
    const iceServerUrls = (
      await Promise.all(
        [practitioner, patient].map((p) => p.evaluate(() => (window as unknown as { iceServerUrls: string[] }).iceServerUrls)),
      )
    ).flat();
    await new Promise((r) => setTimeout(r, 1000)); // the last request lines (streams closing) are written

    // ---- Requests: only the host's origin and the product's (token server, SFU). ----
    const sfuHttp = stack.sfu.url.replace(/^ws/, 'http');
    const allowed = new Set([stack.pagesUrl, proxy.url, new URL(sfuHttp).origin]);
    const urls = requests.map((r) => r.url());
    const elsewhere = [...urls, ...websockets].filter((url) => {
      const parsed = new URL(url);
      if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return false;
      const origin = `${parsed.protocol.replace(/^ws/, 'http')}//${parsed.host}`;
      return !allowed.has(origin);
    });
    assert.deepEqual(elsewhere, [], 'requests to other origins');
    // The recording saw the whole run (so an empty list above means something): the bundle and its chunks from
    // the host, the lobby and uploads at the token server, the SFU's signalling socket.
    assert.ok(
      urls.some((u) => u.startsWith(`${stack.pagesUrl}/dist/chunks/`)),
      'chunks loaded from the host',
    );
    for (const path of [/^\/v1\/lobby\/join$/, /^\/v1\/practitioner\/admit$/, /^\/v1\/rooms\/[^/]+\/uploads$/])
      assert.ok(
        urls.some((u) => u.startsWith(proxy.url) && path.test(new URL(u).pathname)),
        `a request to ${path} was recorded`,
      );
    assert.ok(
      websockets.some((u) => u.startsWith(`${stack.sfu.url}/rtc`)),
      'the SFU signalling socket was recorded',
    );
    assert.ok(
      iceServerUrls.every((u) => /^(stun|turns?):127\.0\.0\.1[:?]/.test(u)),
      `ICE servers: ${JSON.stringify(iceServerUrls)}`,
    );

    // ---- Logs ----
    const toServer = requests.filter((r) => r.url().startsWith(proxy.url));
    // Everything the pages sent the token server passed the proxy, which added the client's address to it.
    assert.ok(
      toServer.length >= 5 && proxy.forwarded.length >= toServer.length,
      `${toServer.length} requests, ${proxy.forwarded.length} forwarded`,
    );
    // Every credential or identifier a page sent the token server: bearer tokens, query values, body strings.
    const sent = new Set<string>();
    for (const request of toServer) {
      const authorization = (await request.allHeaders()).authorization;
      if (authorization) sent.add(authorization.replace(/^Bearer /, ''));
      for (const value of new URL(request.url()).searchParams.values()) sent.add(value);
      const body = request.postData();
      if (body && request.headers()['content-type']?.includes('json')) {
        JSON.stringify(JSON.parse(body), (_key, value: unknown) => (typeof value === 'string' && sent.add(value), value));
      }
    }
    const secrets = [...sent].filter((s) => s.length >= 8);
    assert.ok(secrets.includes(practitionerToken) && secrets.includes(code!), 'the recorded requests carried the token and the code');
    const log = logLines.join('');
    assert.ok(logLines.length > 20 && log.includes('"route":"/v1/lobby/join"'), `the server's log was captured (${logLines.length} lines)`);
    const forbidden: Array<[string, string]> = [
      ['the client address', CLIENT_ADDRESS],
      ['the client address (IPv4-mapped)', `::ffff:${CLIENT_ADDRESS}`],
      ['the socket address', '127.0.0.1'],
      ['the access code', code!],
      ['the typed name', NAME],
      ['the typed name (first part)', NAME.split(' ')[0]!],
      ['the typed name (last part)', NAME.split(' ')[1]!],
      ['the e-mail address', EMAIL],
      ['the e-mail address (local part)', EMAIL.split('@')[0]!],
      ['the practitioner token', practitionerToken],
      ['the integrator API key', stack.apiKey],
      ...livekitTokens.map((t, i): [string, string] => [`LiveKit token ${i + 1}`, t]),
      ...livekitTokens.map((t, i): [string, string] => [`LiveKit token ${i + 1} (signature)`, t.split('.')[2]!]),
      ...secrets.map((s): [string, string] => [`a value a page sent (${s.slice(0, 12)}…)`, s]),
    ];
    const leaks = forbidden.filter(([, value]) => log.includes(value)).map(([what]) => what);
    assert.deepEqual(leaks, [], `the log holds: ${leaks.join(', ')}`);

    // ---- The SFU's own log, at the level our config uses: no client address and no name. (Identities are random
    // pseudonyms, patient-… and practitioner-…; warnings name them.) At info the same check finds the ICE
    // candidates livekit-server logs as each participant becomes active (README, "What the SFU logs").
    const sfuText = sfuLog.join('');
    const sfuLeaks = [CLIENT_ADDRESS, '127.0.0.1', '::1', 'Candidates', NAME, 'Dr. Privacy'].filter((value) => sfuText.includes(value));
    if (SFU_LOG_LEVEL === 'warn') assert.deepEqual(sfuLeaks, [], `the SFU log holds: ${sfuLeaks.join(', ')}`);
    else
      console.error(`SFU at ${SFU_LOG_LEVEL}: ${sfuText.length} characters, holds ${JSON.stringify(sfuLeaks)} (only "warn" is asserted)`);
  },
);
