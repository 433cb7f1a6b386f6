// A test page that drives the SDK's framework-free session core directly (no elements): the lobby
// protocol, admission and the LiveKit connection exactly as <vc-consultation> uses them.
import { ConsultationSession, type SessionConfig } from '../../../src/session/index.js';
import { showTrack } from '../../../src/session/media-attach.js';

const params = new URLSearchParams(location.search);
const api = {
  session: undefined as ConsultationSession | undefined,
  states: [] as string[],
  create(config: SessionConfig) {
    const session = new ConsultationSession({
      createE2EEWorker: () => new Worker('/e2e/livekit-e2ee-worker.js', { type: 'module' }),
      ...config,
    });
    session.addEventListener('statechange', (e) => api.states.push((e as CustomEvent<{ state: string }>).detail.state));
    // The wall-clock time of the first remote camera frame this page renders (join-speed benchmark).
    let watching: MediaStreamTrack | undefined;
    session.subscribe(
      (s) => s.participants.find((p) => !p.isLocal && p.camera)?.camera,
      (track) => {
        if (!track || watching || api.firstFrameAt) return;
        watching = track;
        // Shown the way <vc-call> shows it (through the call room's attach, which adaptive stream needs), on
        // the page and visible.
        const video = document.createElement('video');
        video.muted = true;
        video.width = 320;
        video.height = 240;
        document.body.append(video);
        showTrack(video, track);
        video.requestVideoFrameCallback(() => (api.firstFrameAt = Date.now()));
        void video.play().catch(() => undefined);
      },
    );
    api.session = session;
    return true;
  },
  firstFrameAt: 0,
  /** The device check's tracks, as <vc-device-check> hands them to the session. */
  async deviceTracks(): Promise<void> {
    api.tracks = (await navigator.mediaDevices.getUserMedia({ audio: true, video: true })).getTracks();
  },
  tracks: [] as MediaStreamTrack[],
  state: () => api.session?.snapshot.state,
  snapshot: () =>
    JSON.parse(
      JSON.stringify({
        ...api.session?.snapshot,
        participants: api.session?.snapshot.participants.map((p) => ({ ...p, camera: undefined, screen: undefined })),
      }),
    ),
  /** True when every remote camera track (or those of the named participants) renders a frame. */
  async remoteVideoPlaying(names?: string[]): Promise<boolean> {
    const remote = api.session?.snapshot.participants.filter((p) => !p.isLocal && p.camera && (!names || names.includes(p.name))) ?? [];
    if (remote.length === 0) return false;
    for (const p of remote) {
      const video = document.createElement('video');
      video.muted = true;
      video.srcObject = new MediaStream([p.camera!]);
      // Not awaited: play() never settles for a track that yields no decodable frame.
      void video.play().catch(() => undefined);
      const frames = await new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(0), 3000);
        video.requestVideoFrameCallback(() => {
          clearTimeout(timer);
          resolve(1);
        });
      });
      video.srcObject = null;
      if (frames === 0) return false;
    }
    return true;
  },
};
declare global {
  interface Window {
    vc: typeof api;
  }
}
window.vc = api;
document.body.dataset.ready = params.get('ready') ?? 'true';
