/**
 * How the UI shows a remote video track. livekit-client's adaptive stream sizes and pauses each remote video
 * by the elements the track is `attach()`ed to (visible? how large?), so the call room registers, for each
 * remote video it receives, how to attach it; the UI's `srcObject()` directive uses that when there is one,
 * and plain `srcObject` otherwise (local tracks, other call rooms). No livekit-client import here: the UI
 * only sees MediaStreamTracks.
 */
export interface MediaAttacher {
  attach(element: HTMLMediaElement): void;
  detach(element: HTMLMediaElement): void;
}

const attachers = new WeakMap<MediaStreamTrack, MediaAttacher>();

export function registerAttacher(track: MediaStreamTrack, attacher: MediaAttacher): void {
  attachers.set(track, attacher);
}

export function unregisterAttacher(track: MediaStreamTrack): void {
  attachers.delete(track);
}

/** Shows `track` in `element` the way its call room wants it; returns how to stop showing it there. */
export function showTrack(element: HTMLMediaElement, track: MediaStreamTrack): () => void {
  const attacher = attachers.get(track);
  if (attacher) {
    attacher.attach(element);
    return () => attacher.detach(element);
  }
  element.srcObject = new MediaStream([track]);
  return () => {
    if (element.srcObject instanceof MediaStream && element.srcObject.getTracks().includes(track)) element.srcObject = null;
  };
}
