import { expect, fixture, html } from '@open-wc/testing';
import { render } from 'lit';
import { srcObject } from '../../src/internal/src-object.js';
import { registerAttacher, unregisterAttacher } from '../../src/session/media-attach.js';

/** A real MediaStreamTrack without a camera: a canvas capture. */
function canvasTrack(): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.getContext('2d')!.fillRect(0, 0, 1, 1);
  return canvas.captureStream().getVideoTracks()[0]!;
}

describe('srcObject() directive', () => {
  it('shows a track without a call room through srcObject, and clears it when the track goes', async () => {
    const track = canvasTrack();
    const host = await fixture<HTMLDivElement>(html`<div></div>`);
    render(html`<video muted ${srcObject(track)}></video>`, host);
    const video = host.querySelector('video')!;
    expect((video.srcObject as MediaStream).getTracks()).to.deep.equal([track]);
    render(html`<video muted ${srcObject(undefined)}></video>`, host);
    expect(video.srcObject).to.equal(null);
    track.stop();
  });

  it("attaches a remote video through its call room's attacher (adaptive stream sees the element) and detaches it when the element leaves", async () => {
    const track = canvasTrack();
    const calls: string[] = [];
    registerAttacher(track, {
      attach: (element) => {
        calls.push(`attach:${element.tagName}`);
        element.srcObject = new MediaStream([track]);
      },
      detach: (element) => {
        calls.push(`detach:${element.tagName}`);
        element.srcObject = null;
      },
    });
    const host = await fixture<HTMLDivElement>(html`<div></div>`);
    const template = (show: boolean) => html`${show ? html`<video muted ${srcObject(track)}></video>` : ''}`;
    render(template(true), host);
    expect(calls).to.deep.equal(['attach:VIDEO']);
    render(template(true), host); // same track: no re-attach
    expect(calls).to.deep.equal(['attach:VIDEO']);
    render(template(false), host); // the element leaves the page
    expect(calls).to.deep.equal(['attach:VIDEO', 'detach:VIDEO']);
    unregisterAttacher(track);
    track.stop();
  });
});
