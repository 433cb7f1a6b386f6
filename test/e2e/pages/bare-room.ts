// A bare livekit-client page for the foundation test and the join-speed baseline: no SDK elements,
// just a Room with the fake camera and microphone.
import { ExternalE2EEKeyProvider, Room, RoomEvent, Track, type RemoteTrack } from 'livekit-client';

let room = new Room();
const received: string[] = [];
let subscribedVideoTracks = 0;
/** Why the room was left (livekit-client's DisconnectReason), once it was. */
let disconnectReason: number | undefined;
/** Wall-clock time of the first remote video frame rendered (join-speed baseline). */
let firstFrameAt = 0;
function listen(r: Room) {
  r.on(RoomEvent.Disconnected, (reason) => (disconnectReason = reason ?? -1));
  r.on(RoomEvent.DataReceived, (payload) => received.push(new TextDecoder().decode(payload)));
  r.on(RoomEvent.TrackSubscribed, (track) => {
    if (track.kind === Track.Kind.Video) {
      subscribedVideoTracks += 1;
      const video = track.attach();
      video.muted = true;
      (video as HTMLVideoElement).requestVideoFrameCallback(() => (firstFrameAt ||= Date.now()));
      document.body.append(video);
    }
  });
}
listen(room);

async function framesDecoded(): Promise<number> {
  let total = 0;
  for (const participant of room.remoteParticipants.values()) {
    for (const publication of participant.videoTrackPublications.values()) {
      const track = publication.track as RemoteTrack | undefined;
      const stats = await track?.receiver?.getStats();
      stats?.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') total += s.framesDecoded ?? 0;
      });
    }
  }
  return total;
}

const api = {
  /** With `e2eeKey`, joins with livekit-client's E2EE (the worker from our own origin) and that key. */
  async join(url: string, token: string, e2eeKey?: string) {
    if (e2eeKey) {
      const keyProvider = new ExternalE2EEKeyProvider();
      room = new Room({ encryption: { keyProvider, worker: new Worker('/e2e/livekit-e2ee-worker.js', { type: 'module' }) } });
      listen(room);
      // As the SDK does: a base64 key of random bytes is used as bytes (HKDF), anything else as a passphrase.
      let key: string | ArrayBuffer = e2eeKey;
      try {
        const binary = atob(e2eeKey);
        if (binary.length >= 16) key = Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
      } catch {
        /* a passphrase */
      }
      await keyProvider.setKey(key);
      await room.setE2EEEnabled(true);
    }
    await room.connect(url, token);
    await room.localParticipant.enableCameraAndMicrophone();
    return room.localParticipant.identity;
  },
  remoteIdentities: () => [...room.remoteParticipants.keys()],
  framesDecoded,
  subscribedVideoTracks: () => subscribedVideoTracks,
  connected: () => room.state === 'connected',
  disconnectReason: () => disconnectReason,
  firstFrameAt: () => firstFrameAt,
  async send(text: string) {
    await room.localParticipant.publishData(new TextEncoder().encode(text), { reliable: true });
  },
  received: () => [...received],
  leave: () => room.disconnect(),
};
declare global {
  interface Window {
    bare: typeof api;
  }
}
window.bare = api;
document.body.dataset.ready = 'true';
