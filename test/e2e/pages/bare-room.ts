// A bare livekit-client page for the foundation test and the join-speed baseline: no SDK elements,
// just a Room with the fake camera and microphone.
import { Room, RoomEvent, Track, type RemoteTrack } from 'livekit-client';

const room = new Room();
const received: string[] = [];
room.on(RoomEvent.DataReceived, (payload) => received.push(new TextDecoder().decode(payload)));
room.on(RoomEvent.TrackSubscribed, (track) => {
  if (track.kind === Track.Kind.Video) {
    const video = track.attach();
    video.muted = true;
    document.body.append(video);
  }
});

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
  async join(url: string, token: string) {
    await room.connect(url, token);
    await room.localParticipant.enableCameraAndMicrophone();
    return room.localParticipant.identity;
  },
  remoteIdentities: () => [...room.remoteParticipants.keys()],
  framesDecoded,
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
