import type { DataTransport } from './data-transport.js';
import type { Admission, CallMediaState, EffectsChoice, MediaEffects, ParticipantView } from './types.js';

export type CallDisconnectReason = 'client' | 'ended' | 'removed' | 'lost';

export interface CallRoomCallbacks {
  /** Participants, tracks, speaking, quality or local media changed. */
  onChange(): void;
  /** The signal connection is being re-established; media goes on meanwhile. */
  onReconnecting(): void;
  onReconnected(): void;
  /**
   * The media connection is gone as well (livekit-client's Reconnecting). Whether the room rebuilds it in place
   * or the session rejoins with a fresh grant and a fresh room is the session's decision (call-connection.ts).
   */
  onMediaLost(): void;
  onDisconnected(reason: CallDisconnectReason): void;
}

/** The session's view of a media room. `LiveKitCallRoom` is the real one; tests inject a fake. */
export interface CallRoom extends CallMediaState {
  /** Warms up while the patient waits: the SFU's URL when known, the E2EE worker for an encrypted consultation. */
  prepare(livekitUrl: string | undefined, options?: PrepareOptions): Promise<void>;
  /** Joins and publishes `tracks`, with the chosen effects on them from the first frame. */
  connect(admission: Admission, tracks: MediaStreamTrack[], effects?: EffectsChoice): Promise<void>;
  disconnect(): Promise<void>;
  participants(): ParticipantView[];
  setMicrophoneEnabled(enabled: boolean): Promise<void>;
  setCameraEnabled(enabled: boolean): Promise<void>;
  setScreenShareEnabled(enabled: boolean): Promise<void>;
  switchDevice(kind: 'audioinput' | 'videoinput' | 'audiooutput', deviceId: string): Promise<void>;
  startAudio(): Promise<void>;
  /** Noise suppression on the published microphone (loads its code and WASM on first use). */
  setNoiseSuppression?(enabled: boolean): Promise<void>;
  /** Background blur on the published camera (loads its code, WASM and model on first use). */
  setBackgroundBlur?(enabled: boolean): Promise<void>;
  /** The effects running on the published tracks. */
  effects?(): MediaEffects;
  /** Switches an encrypted call to a new key (after a key rotation). */
  setKey?(key: string): Promise<void>;
  /** Bytes received so far from remote tracks, by kind (diagnostics and end-to-end tests). */
  receivedBytes?(): Promise<ReceivedBytes>;
  /** Chat and whiteboard data over this room, once connected. */
  dataTransport?(): DataTransport | undefined;
  /** The room's name and this participant's current LiveKit token (refreshed by the SFU), once connected. */
  currentGrant?(): { room: string; token: string } | undefined;
  /** A renewed grant's token, for what needs a valid one during the call (file sharing). */
  useToken?(token: string): void;
}

export interface PrepareOptions {
  /** The consultation is end-to-end encrypted: start the E2EE machinery before the key arrives. */
  encrypted?: boolean;
}

export interface ReceivedBytes {
  audio: number;
  video: number;
}

export interface CallRoomOptions {
  /**
   * Creates the LiveKit E2EE worker when an admission carries an `e2eeKey`. Defaults to
   * `./livekit-e2ee-worker.mjs` beside the bundle (the embed build puts it there).
   */
  createE2EEWorker?: () => Worker | Promise<Worker>;
}

export type CallRoomFactory = (callbacks: CallRoomCallbacks, options: CallRoomOptions) => CallRoom;
