/**
 * The livekit-client adapter behind `CallRoom`: the only file that touches livekit-client's `Room` (E2EE set-up,
 * publishing, effects on published tracks, remote media, stats). Over 400 lines on purpose: every call into the
 * Room, and every "was this room given up meanwhile" guard around it, is reviewable in one place.
 */
import {
  ConnectionQuality,
  DisconnectReason,
  ExternalE2EEKeyProvider,
  isE2EESupported,
  LocalVideoTrack,
  Room,
  RoomEvent,
  Track,
  type Participant,
  type RemoteTrack,
} from 'livekit-client';
import type { CallRoom, CallRoomCallbacks, CallRoomOptions, PrepareOptions, ReceivedBytes } from './call-room.js';
import { createLivekitTransport, type DataTransport } from './data-transport.js';
import { mark } from './marks.js';
import { registerAttacher, unregisterAttacher } from './media-attach.js';
import type { Admission, ConnectionQualityLevel, EffectsChoice, MediaEffects, ParticipantView } from './types.js';
import { startModuleWorker, WORKER_BLOCKED } from '../internal/module-worker.js';
import { loadBlur } from './effects/support.js';

/** `TrackSource.SCREEN_SHARE` in @livekit/protocol (not a direct dependency). */
const PROTOCOL_SCREEN_SHARE = 3;

const CHANGE_EVENTS = [
  RoomEvent.ParticipantConnected,
  RoomEvent.ParticipantDisconnected,
  RoomEvent.TrackSubscribed,
  RoomEvent.TrackUnsubscribed,
  RoomEvent.TrackMuted,
  RoomEvent.TrackUnmuted,
  RoomEvent.LocalTrackPublished,
  RoomEvent.LocalTrackUnpublished,
  RoomEvent.ActiveSpeakersChanged,
  RoomEvent.ConnectionQualityChanged,
  RoomEvent.AudioPlaybackStatusChanged,
  RoomEvent.ParticipantPermissionsChanged,
  RoomEvent.ParticipantNameChanged,
  RoomEvent.ParticipantAttributesChanged,
  RoomEvent.TrackStreamStateChanged,
] as const;

/** The only place that touches livekit-client's `Room`. */
export class LiveKitCallRoom implements CallRoom {
  private room?: Room;
  private keyProvider?: ExternalE2EEKeyProvider;
  private worker?: Worker;
  /** The E2EE worker started and the encrypting Room built (while waiting, or at connect). */
  private encryptionReady?: Promise<void>;
  private latestKey?: string;
  private leaving = false;
  private transport?: DataTransport & { dispose(): void };
  private admissionToken?: string;
  /** Where noise suppression runs, once switched on (livekit-client needs the track to have one). */
  private effectsAudio?: AudioContext;

  constructor(
    private readonly callbacks: CallRoomCallbacks,
    private readonly options: CallRoomOptions,
  ) {}

  private ensureRoom(encryption?: { keyProvider: ExternalE2EEKeyProvider; worker: Worker }): Room {
    if (this.room) return this.room;
    // adaptiveStream: remote video is sized and paused by the elements showing it, which the UI attaches
    // through media-attach.ts (livekit-client needs attach()ed elements to see a video as visible). Not paused in
    // background tabs: a patient who looks something up comes back to live video. dynacast pauses the
    // simulcast layers nobody receives.
    const room = new Room({ adaptiveStream: { pauseVideoInBackground: false }, dynacast: true, ...(encryption ? { encryption } : {}) });
    const changed = () => this.callbacks.onChange();
    for (const event of CHANGE_EVENTS) room.on(event, changed);
    room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
      if (track.kind === Track.Kind.Video) mark('remote-video-subscribed');
      // Remote audio plays through elements livekit-client owns, so room.startAudio() can unblock them all.
      if (track.kind === Track.Kind.Audio) track.attach();
      else
        registerAttacher(track.mediaStreamTrack, {
          attach: (element) => void track.attach(element),
          detach: (element) => void track.detach(element),
        });
    });
    room.on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
      unregisterAttacher(track.mediaStreamTrack);
      track.detach();
    });
    room.on(RoomEvent.SignalReconnecting, () => this.callbacks.onReconnecting());
    // Reconnecting, unlike SignalReconnecting, means the media connection is gone too (e.g. the SFU node hosting
    // the room died); while it lasts livekit-client rebuilds the session inside this Room.
    room.on(RoomEvent.Reconnecting, () => {
      if (!this.leaving) this.callbacks.onMediaLost();
    });
    room.on(RoomEvent.Reconnected, () => this.callbacks.onReconnected());
    room.on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
      if (this.leaving) return;
      if (reason === DisconnectReason.ROOM_DELETED) this.callbacks.onDisconnected('ended');
      else if (reason === DisconnectReason.PARTICIPANT_REMOVED) this.callbacks.onDisconnected('removed');
      else if (reason === DisconnectReason.CLIENT_INITIATED) this.callbacks.onDisconnected('client');
      else this.callbacks.onDisconnected('lost');
    });
    this.room = room;
    return room;
  }

  /**
   * The waiting time is used for what admission would otherwise wait on: the HTTP connection to the SFU and, for
   * an encrypted consultation, the E2EE worker (its module loads and compiles) with an encrypting Room around it;
   * only the key is missing, and it arrives with the admission.
   */
  async prepare(livekitUrl: string | undefined, options: PrepareOptions = {}): Promise<void> {
    try {
      if (options.encrypted) await this.prepareEncryption();
      if (livekitUrl) await this.ensureRoom().prepareConnection(livekitUrl);
    } catch (error) {
      // Only a warm-up: the real connect reports real failures.
      console.warn('[videoconsult] could not prepare the media connection:', error);
    }
  }

  /** Starts the E2EE worker and builds the encrypting Room (once; a failed start is tried again by connect). */
  private prepareEncryption(): Promise<void> {
    this.encryptionReady ??= (async () => {
      let worker: Worker;
      try {
        worker = this.options.createE2EEWorker ? await this.options.createE2EEWorker() : await defaultE2EEWorker();
      } catch (error) {
        const code = (error as { code?: unknown }).code === WORKER_BLOCKED ? WORKER_BLOCKED : 'e2ee_unavailable';
        throw Object.assign(new Error(`The end-to-end encryption worker could not start: ${(error as Error).message ?? String(error)}`), {
          code,
        });
      }
      if (this.leaving) {
        worker.terminate();
        return;
      }
      this.worker = worker;
      this.keyProvider = new ExternalE2EEKeyProvider();
      // Encryption is fixed when a Room is built: replace a plain warmed-up (never connected) room.
      this.room?.removeAllListeners();
      this.room = undefined;
      this.ensureRoom({ keyProvider: this.keyProvider, worker });
    })();
    this.encryptionReady.catch(() => (this.encryptionReady = undefined));
    return this.encryptionReady;
  }

  async connect(admission: Admission, tracks: MediaStreamTrack[], effects?: EffectsChoice): Promise<void> {
    let room: Room;
    if (admission.e2eeKey) {
      // No unencrypted fallback for an encrypted consultation: the others could not decode this browser's
      // media, and it would break the consultation's promise. (A consultation may switch E2EE off.)
      if (!isE2EESupported()) {
        throw Object.assign(
          new Error('This browser cannot join end-to-end encrypted calls. Please use a current Chrome, Edge, Firefox or Safari.'),
          { code: 'e2ee_unsupported' },
        );
      }
      // Usually done while the patient waited; the worker only starts for encrypted calls.
      await this.prepareEncryption();
      const keyProvider = this.keyProvider;
      if (!keyProvider) throw new Error('The call was left while it was being set up.');
      room = this.ensureRoom();
      // The key is 32 random bytes (base64): as bytes, livekit-client derives with HKDF instead of the
      // 100,000-round PBKDF2 it uses for passphrases, which shortens admission → first frame.
      await keyProvider.setKey(keyBytes(this.latestKey ?? admission.e2eeKey));
      await room.setE2EEEnabled(true);
      mark('e2ee-ready');
    } else {
      if (this.encryptionReady) await this.dropEncryption();
      room = this.ensureRoom();
    }
    // Both at once (their negotiations merge), the camera first: the other side's first frame waits on it.
    const ready = tracks.filter((t) => t.readyState === 'live').sort((a, b) => Number(b.kind === 'video') - Number(a.kind === 'video'));
    // Published as soon as the SFU has answered the join, while ICE and DTLS are still being set up, instead of
    // after them: the publication's negotiation overlaps the transport's start (livekit-client itself defers a
    // publication made before this point until it).
    let publishing: Promise<PromiseSettledResult<unknown>[]> | undefined;
    const publish = () =>
      (publishing ??= Promise.allSettled(
        ready.map(async (track) =>
          track.kind === 'video'
            ? room.localParticipant.publishTrack(await this.cameraWithEffects(track, effects), { source: Track.Source.Camera })
            : room.localParticipant.publishTrack(track, { source: Track.Source.Microphone }),
        ),
      ));
    const onSignal = () => {
      mark('signal-connected');
      void publish();
    };
    room.once(RoomEvent.SignalConnected, onSignal);
    try {
      await room.connect(admission.livekitUrl, admission.token);
    } finally {
      room.off(RoomEvent.SignalConnected, onSignal);
    }
    mark('connected');
    this.stayOrStop();
    this.admissionToken = admission.token;
    this.transport = createLivekitTransport(room);
    const results = await publish();
    mark('published');
    this.stayOrStop();
    const live = new Set<string>();
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') live.add(ready[i]!.kind);
      else warn(ready[i]!.kind === 'video' ? 'camera' : 'microphone')(result.reason);
    });
    // Nothing usable from the device check, or its track would not publish: ask now (the check may have been
    // skipped; a fresh track may work where the handed-over one failed).
    if (!live.has('audio')) await room.localParticipant.setMicrophoneEnabled(true).catch(warn('microphone'));
    if (!live.has('video')) {
      // With blur chosen, a fresh camera gets it before it is published, as a handed-over one does. (After a rejoin
      // this is the usual case: the old room stopped the device check's camera when it gave up.)
      const camera = effects?.blur ? this.publishFreshCamera(room, effects) : room.localParticipant.setCameraEnabled(true);
      await camera.catch(warn('camera'));
    }
    this.stayOrStop();
    if (effects?.noiseSuppression) await this.setNoiseSuppression(true).catch(warn('noise suppression'));
    this.callbacks.onChange();
  }

  /**
   * The camera as published: with blur chosen, the processor is set before the track is published, so nobody
   * ever receives an unblurred frame. The device check's running blur is reused (same processed track); after a
   * rejoin (the old room stopped it) a new one starts. If blur cannot start, the camera goes out as it is and the
   * toggle shows it off.
   */
  private async cameraWithEffects(
    track: MediaStreamTrack,
    effects: EffectsChoice | undefined,
  ): Promise<MediaStreamTrack | LocalVideoTrack> {
    if (!effects?.blur) return track;
    const local = new LocalVideoTrack(track, undefined, true);
    try {
      const { BackgroundBlur } = await loadBlur();
      const handed = effects.blurProcessor;
      const running = handed instanceof BackgroundBlur && handed.processedTrack?.readyState === 'live' ? handed : undefined;
      await local.setProcessor(running ?? new BackgroundBlur());
    } catch (error) {
      warn('background blur')(error);
    }
    return local;
  }

  /**
   * A room given up while it was joining (the session rejoins with a fresh one) must not go on to capture a
   * camera and microphone nobody would ever stop.
   */
  private stayOrStop(): void {
    if (this.leaving) throw new Error('The call was left while it was being set up.');
  }

  private async publishFreshCamera(room: Room, effects: EffectsChoice): Promise<void> {
    const [camera] = await room.localParticipant.createTracks({ video: true, audio: false });
    if (!camera) return;
    // Starting the blur takes seconds on a slow machine: a room given up meanwhile, or a publish into a room that
    // died, must not leave the camera (its light on) and the blur running with nobody to stop them.
    let local: MediaStreamTrack | LocalVideoTrack | undefined;
    try {
      this.stayOrStop();
      local = await this.cameraWithEffects(camera.mediaStreamTrack, effects);
      this.stayOrStop();
      await room.localParticipant.publishTrack(local, { source: Track.Source.Camera });
    } catch (error) {
      if (local instanceof LocalVideoTrack) {
        await local.stopProcessor().catch(() => undefined);
        local.stop();
      }
      camera.stop();
      throw error;
    }
  }

  /** The consultation turned out unencrypted after all: a plain room, and no worker. */
  private async dropEncryption(): Promise<void> {
    await this.encryptionReady?.catch(() => undefined);
    this.encryptionReady = undefined;
    this.room?.removeAllListeners();
    this.room = undefined;
    this.keyProvider = undefined;
    this.worker?.terminate();
    this.worker = undefined;
  }

  async disconnect(): Promise<void> {
    this.leaving = true;
    this.transport?.dispose();
    this.transport = undefined;
    this.admissionToken = undefined;
    void this.effectsAudio?.close().catch(() => undefined);
    this.effectsAudio = undefined;
    const room = this.room;
    this.room = undefined;
    if (room) {
      for (const participant of room.remoteParticipants.values()) {
        for (const publication of participant.trackPublications.values()) publication.track?.detach();
      }
      room.removeAllListeners();
      await room.disconnect(true);
    }
    this.worker?.terminate();
    this.worker = undefined;
  }

  async receivedBytes(): Promise<ReceivedBytes> {
    const totals: ReceivedBytes = { audio: 0, video: 0 };
    for (const participant of this.room?.remoteParticipants.values() ?? []) {
      for (const publication of participant.trackPublications.values()) {
        const report = await publication.track?.getRTCStatsReport();
        report?.forEach((stat: { type?: string; kind?: string; bytesReceived?: number }) => {
          if (stat.type !== 'inbound-rtp' || typeof stat.bytesReceived !== 'number') return;
          if (stat.kind === 'audio') totals.audio += stat.bytesReceived;
          else if (stat.kind === 'video') totals.video += stat.bytesReceived;
        });
      }
    }
    return totals;
  }

  dataTransport(): DataTransport | undefined {
    return this.transport;
  }

  useToken(token: string): void {
    this.admissionToken = token;
  }

  currentGrant(): { room: string; token: string } | undefined {
    const room = this.room;
    if (!room || !this.admissionToken || room.state === 'disconnected' || !room.name) return undefined;
    // The SFU refreshes the token during the call (same grants, later expiry); livekit-client keeps it on its
    // engine without a public getter. Fall back to the admission's token when that ever changes.
    const refreshed = (room.engine as unknown as { token?: unknown } | undefined)?.token;
    // Whichever expires later: ours renewed through the lobby, or the SFU's own renewal.
    const candidates = [this.admissionToken, typeof refreshed === 'string' ? refreshed : ''].filter(Boolean);
    const token = candidates.reduce((best, t) => (jwtExpiry(t) > jwtExpiry(best) ? t : best), this.admissionToken);
    return { room: room.name, token };
  }

  participants(): ParticipantView[] {
    const room = this.room;
    if (!room || room.state === 'disconnected') return [];
    const all: Participant[] = [room.localParticipant, ...room.remoteParticipants.values()];
    return all.map((participant) => viewOf(participant, participant === room.localParticipant));
  }

  get microphoneEnabled(): boolean {
    return this.room?.localParticipant.isMicrophoneEnabled ?? false;
  }
  get cameraEnabled(): boolean {
    return this.room?.localParticipant.isCameraEnabled ?? false;
  }
  get screenShareEnabled(): boolean {
    return this.room?.localParticipant.isScreenShareEnabled ?? false;
  }
  get canScreenShare(): boolean {
    const permissions = this.room?.localParticipant.permissions;
    if (!permissions) return false;
    if (!permissions.canPublish) return false;
    const sources = permissions.canPublishSources as unknown as number[];
    return sources.length === 0 || sources.includes(PROTOCOL_SCREEN_SHARE);
  }
  async setKey(key: string): Promise<void> {
    // Kept: a rotation may arrive while connect() is still setting up the key provider.
    this.latestKey = key;
    await this.keyProvider?.setKey(keyBytes(key));
  }

  get encrypted(): boolean {
    return this.room?.isE2EEEnabled ?? false;
  }
  get audioBlocked(): boolean {
    return this.room ? !this.room.canPlaybackAudio : false;
  }

  async setMicrophoneEnabled(enabled: boolean): Promise<void> {
    await this.room?.localParticipant.setMicrophoneEnabled(enabled);
    this.callbacks.onChange();
  }
  async setCameraEnabled(enabled: boolean): Promise<void> {
    await this.room?.localParticipant.setCameraEnabled(enabled);
    this.callbacks.onChange();
  }
  async setScreenShareEnabled(enabled: boolean): Promise<void> {
    await this.room?.localParticipant.setScreenShareEnabled(enabled, { audio: false });
    this.callbacks.onChange();
  }
  async switchDevice(kind: 'audioinput' | 'videoinput' | 'audiooutput', deviceId: string): Promise<void> {
    await this.room?.switchActiveDevice(kind, deviceId);
    this.callbacks.onChange();
  }
  async setNoiseSuppression(enabled: boolean): Promise<void> {
    const track = this.room?.localParticipant.getTrackPublication(Track.Source.Microphone)?.audioTrack;
    if (!track) return;
    if (!enabled) {
      await track.stopProcessor();
      this.callbacks.onChange();
      return;
    }
    // Only this call loads the chunk (src/session/effects/noise.ts) and its WASM, from beside the SDK.
    const { NoiseSuppressor } = await import('./effects/noise.js');
    // RNNoise works at 48 kHz; the processor runs in the track's own AudioContext.
    this.effectsAudio ??= new AudioContext({ sampleRate: 48_000 });
    await track.setAudioContext(this.effectsAudio);
    await track.setProcessor(new NoiseSuppressor());
    this.callbacks.onChange();
  }

  async setBackgroundBlur(enabled: boolean): Promise<void> {
    const track = this.room?.localParticipant.getTrackPublication(Track.Source.Camera)?.videoTrack;
    if (!track) return;
    if (!enabled) {
      await track.stopProcessor();
    } else if (track.getProcessor()?.name !== 'vc-background-blur') {
      // Only this call loads the chunk (src/session/effects/blur.ts), MediaPipe's WASM and the model.
      const { BackgroundBlur } = await loadBlur();
      await track.setProcessor(new BackgroundBlur());
    }
    this.callbacks.onChange();
  }

  effects(): MediaEffects {
    const local = this.room?.localParticipant;
    return {
      blur: local?.getTrackPublication(Track.Source.Camera)?.videoTrack?.getProcessor()?.name === 'vc-background-blur',
      noiseSuppression: !!local?.getTrackPublication(Track.Source.Microphone)?.audioTrack?.getProcessor(),
    };
  }

  async startAudio(): Promise<void> {
    await this.room?.startAudio();
    this.callbacks.onChange();
  }
}

/**
 * livekit-client's E2EE worker, next to this module. The embed build copies it there
 * (rollup.config.mjs, `workerAssets`); from another origin it starts through a same-origin bootstrap.
 */
function defaultE2EEWorker(): Promise<Worker> {
  return startModuleWorker(new URL('./livekit-e2ee-worker.mjs', import.meta.url));
}

function jwtExpiry(token: string): number {
  try {
    const payload = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : 0;
  } catch {
    return 0;
  }
}

function viewOf(participant: Participant, isLocal: boolean): ParticipantView {
  const camera = participant.getTrackPublication(Track.Source.Camera);
  const screen = participant.getTrackPublication(Track.Source.ScreenShare);
  const cameraTrack = camera && !camera.isMuted ? camera.track?.mediaStreamTrack : undefined;
  const screenTrack = screen && !screen.isMuted ? screen.track?.mediaStreamTrack : undefined;
  return {
    identity: participant.identity,
    name: participant.name || participant.identity,
    isLocal,
    // Set by the token server in the grant; participants cannot change their own attributes.
    ...(participant.attributes.role ? { role: participant.attributes.role } : {}),
    isSpeaking: participant.isSpeaking,
    connectionQuality: qualityOf(participant.connectionQuality),
    microphoneEnabled: participant.isMicrophoneEnabled,
    cameraEnabled: participant.isCameraEnabled,
    ...(cameraTrack ? { camera: cameraTrack } : {}),
    ...(screenTrack ? { screen: screenTrack } : {}),
  };
}

function qualityOf(quality: ConnectionQuality): ConnectionQualityLevel {
  switch (quality) {
    case ConnectionQuality.Excellent:
      return 'excellent';
    case ConnectionQuality.Good:
      return 'good';
    case ConnectionQuality.Poor:
      return 'poor';
    case ConnectionQuality.Lost:
      return 'lost';
    default:
      return 'unknown';
  }
}

function warn(what: string): (error: unknown) => void {
  return (error) => console.warn(`[videoconsult] could not start the ${what}:`, error);
}

/** The consultation key as raw bytes; anything that is not base64 is used as a passphrase. */
function keyBytes(key: string): ArrayBuffer | string {
  try {
    const binary = atob(key);
    if (binary.length < 16) return key;
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  } catch {
    return key;
  }
}
