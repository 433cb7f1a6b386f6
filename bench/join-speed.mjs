// Admission → first remote frame, and recovery after faults, with two real Chromium pages on the real
// stack (test/e2e/stack.ts). The baseline: two pages doing a bare livekit-client connect with pre-minted
// tokens, publishing the same fake camera.
import { startStack } from '../test/e2e/stack.ts';
import { admitFromPractitioner, createConsultation, openSessionPage, waitForRemoteVideo, waitForState } from '../test/e2e/flows.ts';
import { summarize } from './lib.mjs';

async function practitionerGrant(stack, consultationId, name) {
  const { token } = await stack.integrator('POST', `/v1/consultations/${consultationId}/practitioner-tokens`, { name });
  const res = await fetch(`${stack.apiUrl}/v1/practitioner/grant`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`grant: ${res.status}`);
  return res.json();
}

async function waitFor(page, fn, arg, timeout = 30000) {
  await page.waitForFunction(fn, arg, { timeout, polling: 'raf' });
}

/** One admission: the patient waits (device-check tracks in hand, SFU warmed up), then is admitted. */
async function admissionRun(stack, { connectionTest = false } = {}) {
  const consultation = await createConsultation(stack);
  const practitioner = await openSessionPage(stack, { role: 'practitioner', practitionerToken: consultation.practitionerToken });
  await practitioner.evaluate(() => void window.vc.session.startPractitioner());
  await waitForState(practitioner, 'in-call');
  const patient = await openSessionPage(stack, { role: 'patient', livekitUrl: stack.config.livekit.url, connectionTest });
  await patient.evaluate(() => window.vc.deviceTracks());
  await patient.evaluate(
    (code) =>
      void window.vc.session.join({
        code,
        name: 'Pat',
        deviceCheck: { verdict: 'ok', camera: 'ok', microphone: 'ok', network: 'ok' },
        tracks: window.vc.tracks,
      }),
    consultation.codes[0],
  );
  await waitForState(patient, 'waiting');
  await new Promise((r) => setTimeout(r, 1500)); // a patient waits a moment: the warm-up has time to finish
  await practitioner.waitForFunction(() => window.vc.session.snapshot.waitingPatients.length === 1, undefined, { timeout: 15000 });
  const t0 = Date.now();
  await admitFromPractitioner(practitioner, 'Pat');
  await waitFor(patient, () => window.vc.firstFrameAt > 0);
  await waitFor(practitioner, () => window.vc.firstFrameAt > 0);
  const [a, b] = await Promise.all([patient, practitioner].map((p) => p.evaluate(() => window.vc.firstFrameAt)));
  // The SDK's User Timing marks on the patient's page, as wall-clock times (the trace of where the time goes).
  const marksOf = (page) =>
    page.evaluate(() =>
      Object.fromEntries(
        performance
          .getEntriesByType('mark')
          .filter((m) => m.name.startsWith('videoconsult:'))
          .map((m) => [m.name.slice(13), performance.timeOrigin + m.startTime]),
      ),
    );
  const marks = await marksOf(patient);
  // The practitioner's marks are from the start of its call: only the last remote video subscription is this one.
  const practitionerMarks = await practitioner.evaluate(() => {
    const subscribed = performance.getEntriesByName('videoconsult:remote-video-subscribed');
    const last = subscribed[subscribed.length - 1];
    return { subscribed: last ? performance.timeOrigin + last.startTime : NaN };
  });
  await Promise.all([patient, practitioner].map((p) => p.context().close()));
  const phases = {
    'admit → patient admitted': marks.admitted - t0,
    'admitted → E2EE key set': marks['e2ee-ready'] - marks.admitted,
    'admitted → SFU answered the join (signal)': marks['signal-connected'] - marks.admitted,
    'admitted → SFU connected (ICE, DTLS)': marks.connected - marks.admitted,
    'admitted → camera and mic published': marks.published - marks.admitted,
    'published → practitioner subscribed': practitionerMarks.subscribed - marks.published,
    'published → practitioner sees the first frame': b - marks.published,
    'admit → patient sees the first frame': a - t0,
  };
  return { total: Math.max(a, b) - t0, phases };
}

/** Baseline: tokens minted beforehand; both pages connect and publish at t0. */
async function bareRun(stack) {
  const { id } = await stack.integrator('POST', '/v1/consultations', { title: 'baseline', e2ee: false });
  const grants = [await practitionerGrant(stack, id, 'A'), await practitionerGrant(stack, id, 'B')];
  const pages = [];
  for (let i = 0; i < 2; i++) {
    const page = await stack.newPage();
    await page.goto(`${stack.pagesUrl}/e2e/bare-room.html`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    pages.push(page);
  }
  const t0 = Date.now();
  await Promise.all(
    pages.map((p, i) => p.evaluate(([url, token]) => window.bare.join(url, token), [grants[i].livekitUrl, grants[i].token])),
  );
  for (const page of pages) await waitFor(page, () => window.bare.firstFrameAt() > 0);
  const times = await Promise.all(pages.map((p) => p.evaluate(() => window.bare.firstFrameAt())));
  await Promise.all(pages.map((p) => p.context().close()));
  return Math.max(...times) - t0;
}

export async function joinSpeed({ quick }) {
  // BENCH_RUNS: fewer (or more) runs while investigating; BENCH_CONNECTION_TEST=1: the patient's lobby connection
  // test runs while waiting (the SDK's default; the bench's flows switch it off like the e2e flows do).
  const runs = quick ? 1 : Number(process.env.BENCH_RUNS) || 10;
  const connectionTest = process.env.BENCH_CONNECTION_TEST === '1';
  const stack = await startStack();
  try {
    // One untimed warm-up of each, so neither side pays for the first browser start.
    await bareRun(stack);
    await admissionRun(stack, { connectionTest });
    const ours = [];
    const base = [];
    const phases = {};
    for (let i = 0; i < runs; i++) {
      // Interleaved, so drift on a shared machine hits both alike.
      base.push(await bareRun(stack));
      const run = await admissionRun(stack, { connectionTest });
      ours.push(run.total);
      for (const [name, ms] of Object.entries(run.phases)) (phases[name] ??= []).push(ms);
    }
    const o = summarize(ours);
    const b = summarize(base);
    return {
      rows: [
        {
          benchmark: 'admission → first remote frame',
          metric: `slower of the two pages (E2EE on${connectionTest ? ', lobby connection test on' : ''})`,
          unit: 'ms',
          value: o,
          baseline: b,
          ratio: o.median / b.median,
          target: '≤ 600 ms and ≤ 1.0× baseline',
          met: o.median <= 600 && o.median <= b.median,
        },
        // Where the time goes (the SDK's User Timing marks on the patient's page).
        ...Object.entries(phases).map(([name, samples]) => ({
          benchmark: 'admission → first remote frame',
          metric: `  ${name}`,
          unit: 'ms',
          value: summarize(samples),
        })),
      ],
      raw: { admissionMs: ours, bareConnectMs: base, phasesMs: phases },
    };
  } finally {
    await stack.stop();
  }
}

/** Recovery: a page's network frozen for 3 s, and the SFU killed and restarted, timed from the repair. */
export async function recovery({ quick }) {
  const runs = quick ? 1 : 3;
  const stack = await startStack();
  const network = [];
  const sfu = [];
  try {
    for (let i = 0; i < runs; i++) {
      const consultation = await createConsultation(stack);
      const practitioner = await openSessionPage(stack, { role: 'practitioner', practitionerToken: consultation.practitionerToken });
      await practitioner.evaluate(() => void window.vc.session.startPractitioner());
      await waitForState(practitioner, 'in-call');
      const patient = await openSessionPage(stack, { role: 'patient' }, { ownBrowser: true });
      await patient.evaluate((code) => void window.vc.session.join({ code, name: 'Pat' }), consultation.codes[0]);
      await waitForState(patient, 'waiting');
      await admitFromPractitioner(practitioner, 'Pat');
      await waitForState(patient, 'in-call');
      await waitForRemoteVideo(patient, 1);
      await waitForRemoteVideo(practitioner, 1);

      const videoAfter = async (since) => {
        const start = await patient.evaluate(() => window.vc.session.receivedBytes().then((b) => b.video));
        await patient.waitForFunction((n) => window.vc.session.receivedBytes().then((b) => b.video > n + 20000), start, {
          timeout: 60000,
          polling: 100,
        });
        return Date.now() - since;
      };
      await stack.cutNetwork(patient, 3000);
      network.push(await videoAfter(Date.now()));

      await stack.sfu.kill();
      await stack.sfu.restart();
      const restarted = Date.now();
      await waitForState(patient, 'in-call', 60000);
      await waitForState(practitioner, 'in-call', 60000);
      await waitForRemoteVideo(patient, 1, undefined, 60000);
      await waitForRemoteVideo(practitioner, 1, undefined, 60000);
      sfu.push(Date.now() - restarted);
      await Promise.all([patient, practitioner].map((p) => p.context().close()));
    }
    const n = summarize(network);
    const s = summarize(sfu);
    return {
      rows: [
        {
          benchmark: 'recovery',
          metric: 'network back → video flowing again',
          unit: 'ms',
          value: n,
          target: '≤ 3 s',
          met: n.median <= 3000,
        },
        {
          benchmark: 'recovery',
          metric: 'SFU restarted → both back in call with video',
          unit: 'ms',
          value: s,
          target: '≤ 10 s',
          met: s.median <= 10000,
        },
      ],
      raw: { networkMs: network, sfuMs: sfu },
    };
  } finally {
    await stack.stop();
  }
}
