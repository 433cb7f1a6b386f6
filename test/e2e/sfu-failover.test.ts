// SFU-node failover through the real engines: two livekit-server nodes on one Redis behind a balancer, the
// real token server, two Chromium pages in an end-to-end encrypted call. The node hosting the call is killed
// with SIGKILL; both pages must be back in the call on the other node, with media both ways, without passing
// through the lobby again. The recovery time is printed as a test diagnostic against the 10-s target;
// like every speed target it is reported, not asserted (a timed assertion fails on a loaded machine without a
// defect); the test fails only when media has not come back at all within 30 s.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startLivekitCluster, type LivekitCluster } from '../../scripts/livekit-cluster.mjs';
import { startRedis, type RunningRedis } from '../../scripts/redis.mjs';
import { createConsultation, startCall } from './flows.js';
import { startStack, type Stack } from './stack.js';

/** The target of issue 11, reported with the measured figure. */
const RECOVERY_TARGET_MS = 10_000;

let redis: RunningRedis | undefined;
let stack: Stack<LivekitCluster>;
before(async () => {
  redis = await startRedis();
  const address = `127.0.0.1:${redis.port}`;
  stack = await startStack(
    {},
    { startSfu: ({ port, webhookUrl, keys }) => startLivekitCluster({ redis: address, nodes: 2, port, webhookUrl, keys }) },
  );
});
after(async () => {
  await stack?.stop();
  await redis?.stop();
});

interface Health {
  state: string | undefined;
  audio: number;
  video: number;
}
const health = (page: Page): Promise<Health> =>
  page.evaluate(async () => ({ state: window.vc.state(), ...(await window.vc.session!.receivedBytes()) }));

/**
 * A remote camera frame is rendered within `ms` (so it arrived and was decrypted). Short on purpose: frames
 * come 30 times a second when media flows, and the recovery time is measured in these steps.
 */
const remoteFrameWithin = (page: Page, ms: number): Promise<boolean> =>
  page.evaluate(async (timeout) => {
    const camera = window.vc.session!.snapshot.participants.find((p) => !p.isLocal && p.camera)?.camera;
    if (!camera) return false;
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = new MediaStream([camera]);
    void video.play().catch(() => undefined);
    const rendered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout);
      video.requestVideoFrameCallback(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    video.srcObject = null;
    return rendered;
  }, ms);

/** In the call, with remote audio and video bytes arriving and remote video frames rendering. */
async function mediaFlows(page: Page): Promise<boolean> {
  const first = await health(page);
  if (first.state !== 'in-call') return false;
  const rendered = await remoteFrameWithin(page, 250);
  const second = await health(page);
  return rendered && second.state === 'in-call' && second.audio > first.audio && second.video > first.video;
}

test('the SFU node hosting an encrypted call is killed with SIGKILL: both pages are back in the call on the other node without re-admission', async (t) => {
  const consultation = await createConsultation(stack, { e2ee: true });
  const { practitioner, patient } = await startCall(stack, consultation);
  const pages = [practitioner, patient];
  for (const page of pages) {
    assert.equal(await page.evaluate(() => window.vc.session!.snapshot.encrypted), true);
    // Right after admission the first frames may still be on their way: wait for media, bounded.
    let flowing = false;
    for (const started = Date.now(); !flowing && Date.now() - started < 20_000;) flowing = await mediaFlows(page);
    assert.ok(flowing, 'media flows before the kill');
    await page.evaluate(() => (window.vc.states.length = 0));
  }
  const hosting = await stack.sfu.nodesWithRooms();
  if (hosting.length !== 1) {
    // Name the rooms: any other room (e.g. a lobby connection test's) would make the victim ambiguous.
    const { RoomServiceClient } = await import('livekit-server-sdk');
    const rooms = await new RoomServiceClient(stack.sfu.url.replace('ws', 'http'), stack.sfu.apiKey, stack.sfu.apiSecret).listRooms();
    assert.fail(`exactly one node should host a room, ${hosting.length} do; rooms: ${rooms.map((r) => r.name).join(', ')}`);
  }
  const [victim] = hosting;
  const survivor = stack.sfu.nodes.find((node) => node !== victim)!;

  await victim!.kill();
  const killedAt = Date.now();
  let recoveredAt: number | undefined;
  while (Date.now() - killedAt < 30_000) {
    const flowing = await Promise.all(pages.map(mediaFlows));
    if (flowing.every(Boolean)) {
      recoveredAt = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const statesAfter = await Promise.all(pages.map((page) => page.evaluate(() => [...window.vc.states])));
  assert.ok(recoveredAt, `media did not come back within 30 s; states since the kill: ${JSON.stringify(statesAfter)}`);
  const recoveryMs = recoveredAt - killedAt;
  const verdict = recoveryMs < RECOVERY_TARGET_MS ? 'met' : 'not met';
  t.diagnostic(
    `SFU node failover: both pages back in the call with media both ways ${recoveryMs} ms after SIGKILL (target ${RECOVERY_TARGET_MS} ms: ${verdict})`,
  );

  assert.deepEqual(await stack.sfu.nodesWithRooms(), [survivor], 'the call now lives on the surviving node');
  for (const states of statesAfter) {
    assert.ok(states.includes('reconnecting'), `the page noticed the failure: ${states.join(' → ')}`);
    assert.ok(!states.includes('waiting') && !states.includes('failed'), `no re-admission, no failure: ${states.join(' → ')}`);
  }
  for (const page of pages) assert.equal(await page.evaluate(() => window.vc.session!.snapshot.encrypted), true);
});
