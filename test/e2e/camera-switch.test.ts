// Issue 17 item 3 through the real token server and SFU (E2EE on): the practitioner taps "Switch camera" in the
// call and the patient sees the other camera. Chromium's fake capture lists two cameras with
// `--use-fake-device-for-media-stream=device-count=2`; its second one delivers Y16 (depth) frames that WebRTC does
// not send, so on the practitioner's page getUserMedia for that device answers with a canvas track painted
// magenta instead (everything else, the first camera, livekit-client's restartTrack, the SFU, E2EE, is real).
// The first camera's frames are green: the patient's page tells from the decoded pixels which camera it
// receives, and when that changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { callThroughUi, consultation, openConsultation, watchOffers } from './consultation-ui.js';
import { createConsultation } from './flows.js';
import { useStack } from './stack.js';

const WAIT = 30_000;

const stack = useStack({}, { cameras: 2 });

/** Mean colour saturation (0–255) of the remote camera video as the patient's page renders it. */
function remoteSaturation(page: Page): Promise<number> {
  return consultation(page)
    .locator('vc-call figure.remote video.camera')
    .evaluate((video: HTMLVideoElement) => {
      const canvas = document.createElement('canvas');
      canvas.width = 32;
      canvas.height = 24;
      const context = canvas.getContext('2d', { willReadFrequently: true })!;
      context.drawImage(video, 0, 0, 32, 24);
      const data = context.getImageData(0, 0, 32, 24).data;
      let sum = 0;
      for (let i = 0; i < data.length; i += 4)
        sum += Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!);
      return sum / (data.length / 4);
    });
}

test(
  'the practitioner switches camera in the call; the patient sees the other camera, with no renegotiation',
  { timeout: 180_000 },
  async (t) => {
    const { codes, practitionerToken } = await createConsultation(stack, { patients: 1 });
    const practitioner = await openConsultation(stack, { role: 'practitioner', token: practitionerToken });
    await practitioner.evaluate(() => {
      const media = navigator.mediaDevices;
      const getUserMedia = media.getUserMedia.bind(media);
      media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
        const video = constraints?.video;
        const wanted = typeof video === 'object' ? (video.deviceId as { exact?: string } | string | undefined) : undefined;
        const id = typeof wanted === 'object' ? wanted.exact : wanted;
        const second = (await media.enumerateDevices()).find((d) => d.label === 'fake_device_1')?.deviceId;
        if (!id || id !== second) return getUserMedia(constraints);
        const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 480 });
        const context = canvas.getContext('2d')!;
        let frame = 0;
        setInterval(() => {
          context.fillStyle = '#f0f';
          context.fillRect(0, 0, 640, 480);
          context.fillStyle = '#fff';
          context.fillRect((frame++ * 8) % 640, 200, 40, 40);
        }, 33);
        return canvas.captureStream(30);
      };
    });
    // Every offer this page makes, counted: a renegotiation would make another.
    await watchOffers(practitioner);
    const patient = await callThroughUi(stack, practitioner, codes[0]!);

    const remoteVideo = consultation(patient).locator('vc-call figure.remote video.camera');
    await remoteVideo.waitFor({ timeout: WAIT });
    await patient.waitForFunction(
      () => {
        const v = document
          .querySelector('vc-consultation')
          ?.shadowRoot?.querySelector('vc-call')
          ?.shadowRoot?.querySelector('figure.remote video.camera');
        return v instanceof HTMLVideoElement && v.videoWidth > 0;
      },
      undefined,
      { timeout: WAIT },
    );
    const before = await remoteSaturation(patient);
    assert.ok(before > 60 && before < 200, `the patient sees the first (green) camera: saturation ${before.toFixed(0)}`);
    const trackBefore = await remoteVideo.evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream).getVideoTracks()[0]!.id);
    const localCamera = () =>
      practitioner.evaluate(() => {
        const s = (
          document.querySelector('vc-consultation') as unknown as {
            session: { snapshot: { participants: Array<{ isLocal: boolean; camera?: MediaStreamTrack }> } };
          }
        ).session;
        return s.snapshot.participants.find((p) => p.isLocal)?.camera?.label;
      });
    assert.equal(await localCamera(), 'fake_device_0');
    const offersBefore = await practitioner.evaluate(() => (window as unknown as { offers: { count: number } }).offers.count);

    const switchButton = consultation(practitioner).locator('vc-call [part~="switch-camera-button"]');
    await switchButton.click();
    const clickedAt = Date.now();
    let after = before;
    while (after < 200 && Date.now() - clickedAt < 15_000) {
      await new Promise((r) => setTimeout(r, 50));
      after = await remoteSaturation(patient);
    }
    const seenAfterMs = Date.now() - clickedAt;
    t.diagnostic(`the patient saw the second camera ${seenAfterMs} ms after the click (target: within 1 s)`);
    assert.ok(after >= 200, `the patient sees the second (magenta) camera: saturation ${after.toFixed(0)}`);
    assert.notEqual(await localCamera(), 'fake_device_0', "the practitioner's published camera is no longer the first");
    assert.equal(
      await remoteVideo.evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream).getVideoTracks()[0]!.id),
      trackBefore,
      'the same remote track keeps playing (no new subscription)',
    );
    assert.equal(
      await practitioner.evaluate(() => (window as unknown as { offers: { count: number } }).offers.count),
      offersBefore,
      'no new offer: no renegotiation',
    );
    // Frames keep coming after the switch.
    const frames = await remoteVideo.evaluate((v: HTMLVideoElement) => window.vcPage.framesPresented(v, 10));
    assert.equal(frames, 10);

    // And back: the button cycles.
    await switchButton.click();
    const end = Date.now() + 15_000;
    let back = await remoteSaturation(patient);
    while ((back < 60 || back >= 200) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      back = await remoteSaturation(patient);
    }
    assert.ok(back > 60 && back < 200, `back on the first camera: saturation ${back.toFixed(0)}`);
    assert.equal(await localCamera(), 'fake_device_0');
  },
);
