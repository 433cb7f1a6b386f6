/** Public types of the session core. No livekit-client types leak through here. */
import type { DataTransport } from './data-transport.js';

export type SessionRole = 'patient' | 'practitioner';

export type SessionState =
  | 'idle'
  | 'checking-devices'
  | 'joining-lobby'
  | 'waiting'
  | 'admitted'
  | 'connecting'
  | 'in-call'
  | 'reconnecting'
  | 'ended'
  | 'declined'
  | 'failed';

export type DeviceStatus = 'ok' | 'denied' | 'missing' | 'busy' | 'skipped';
export type NetworkStatus = 'ok' | 'blocked' | 'unknown';
export type Verdict = 'ok' | 'warning' | 'failed';
export type StepStatus = 'ok' | 'failed' | 'skipped';

/** The real connection test against the SFU (`ConnectionSteps` in docs/http-api.md). */
export interface ConnectionSteps {
  websocket: StepStatus;
  udp: StepStatus;
  tcp: StepStatus;
  turn: StepStatus;
}

/** The connection test while waiting: `running` with the steps done so far, then `done`, or `unavailable`. */
export interface ConnectionTestState {
  state: 'running' | 'done' | 'unavailable';
  steps?: ConnectionSteps;
  /** Host name of the SFU, for the fixes ("ask your IT to allow …"). */
  host?: string;
}

/** The device-check result as the token server expects it (`DeviceCheck` in docs/http-api.md). */
export interface DeviceCheckResult {
  verdict: Verdict;
  camera: DeviceStatus;
  microphone: DeviceStatus;
  network: NetworkStatus;
  connection?: ConnectionSteps;
}

/** `Admission` in docs/http-api.md: everything needed to enter the LiveKit room. */
export interface Admission {
  livekitUrl: string;
  token: string;
  identity?: string;
  expiresAt?: string;
  e2eeKey?: string;
  consultationId?: string;
}

export interface ConsultationInfo {
  id: string;
  title?: string;
  locale: string;
  e2ee: boolean;
}

export interface QueueInfo {
  position: number;
  estimatedWaitSeconds?: number;
}

export interface LobbyMessage {
  text: string;
  at: string;
}

export interface WaitingPatient {
  ticketId: string;
  name: string;
  alias?: string;
  /** The role the integrator gave the access code (`patient`, `interpreter`, `relative`), set by the server. */
  role?: string;
  waitingSince: string;
  deviceCheck?: DeviceCheckResult;
}

/** A consultation of the practitioner's practice (`PracticeQueue` in docs/http-api.md). */
export interface PracticeConsultation {
  id: string;
  title?: string;
  status: 'scheduled' | 'active';
}

/** A patient in the practice's shared queue: waiting for, or admitted to, one of its consultations. */
export interface PracticePatient extends WaitingPatient {
  consultationId: string;
  status: 'waiting' | 'admitted';
  /** Display name of the practitioner who admitted the patient (who took whom). */
  takenBy?: string;
}

/** The practice-wide waiting room, for a practitioner holding a practice token. */
export interface PracticeQueue {
  practiceId: string;
  /** This practitioner's own consultation (their token's): admitting there is theirs to do. */
  ownConsultationId?: string;
  consultations: readonly PracticeConsultation[];
  patients: readonly PracticePatient[];
}

export type ConnectionQualityLevel = 'excellent' | 'good' | 'poor' | 'lost' | 'unknown';

/** One participant of the call, as the UI needs it. */
export interface ParticipantView {
  identity: string;
  name: string;
  /**
   * `practitioner`, `patient`, or a role the integrator gave the access code (`interpreter`, `relative`, …):
   * the participant attribute the token server put in the grant. Mark people by this, never by their name.
   */
  role?: string;
  isLocal: boolean;
  isSpeaking: boolean;
  connectionQuality: ConnectionQualityLevel;
  microphoneEnabled: boolean;
  cameraEnabled: boolean;
  camera?: MediaStreamTrack;
  screen?: MediaStreamTrack;
}

export type EndReason = 'left' | 'ended' | 'removed' | 'connection-lost';

export interface SessionError {
  code: string;
  message: string;
}

/** The local media of the call, as the room reports it and the snapshot shows it. */
export interface CallMediaState {
  readonly microphoneEnabled: boolean;
  readonly cameraEnabled: boolean;
  readonly screenShareEnabled: boolean;
  readonly canScreenShare: boolean;
  /** Remote audio is waiting for a user gesture (browser autoplay policy). */
  readonly audioBlocked: boolean;
  /** The call's media and data are end-to-end encrypted with the consultation's key (shown in the call UI). */
  readonly encrypted: boolean;
}

/** Background blur and noise suppression: chosen in the device check or the call, switched on where they run. */
export interface MediaEffects {
  readonly blur: boolean;
  readonly noiseSuppression: boolean;
}

/**
 * The effects chosen before the call, carried from the device check into it. `blurProcessor` is the blur the
 * device check already runs on the handed-over camera track (its output is the preview): the call publishes that
 * same processed track instead of starting a second one. Opaque here: no livekit-client types leak out.
 */
export interface EffectsChoice extends MediaEffects {
  readonly blurProcessor?: VideoEffect;
}

/** A running video effect: `processedTrack` is what it makes of the camera. */
export interface VideoEffect {
  readonly name: string;
  readonly processedTrack?: MediaStreamTrack;
  destroy(): Promise<void>;
}

export interface SessionSnapshot extends CallMediaState {
  readonly state: SessionState;
  readonly role: SessionRole;
  readonly consultation?: ConsultationInfo;
  readonly queue?: QueueInfo;
  /** Messages from the practitioner to this waiting patient, oldest first. */
  readonly messages: readonly LobbyMessage[];
  /** The practitioner's note for everyone waiting (e.g. "running 10 minutes late"), if one is set. */
  readonly notice?: LobbyMessage;
  /** The practitioner's live queue (empty for patients). */
  readonly waitingPatients: readonly WaitingPatient[];
  /** The practice's shared queue, when the practitioner token is a practice token. */
  readonly practiceQueue?: PracticeQueue;
  /** Patient: a practitioner moved this patient to another consultation of the practice (until admitted there). */
  readonly transferredTo?: { id: string; title?: string };
  readonly deviceCheck?: DeviceCheckResult;
  /** Patient: the connection test run while waiting (its outcome is also reported into `deviceCheck`). */
  readonly connectionTest?: ConnectionTestState;
  readonly participants: readonly ParticipantView[];
  /** The effects on this participant's camera and microphone (the choice before the call, the real state in it). */
  readonly effects?: MediaEffects;
  readonly declineReason?: string;
  readonly endReason?: EndReason;
  readonly error?: SessionError;
  /** Data channel for chat and whiteboard while in the call (a new object after a rejoin). */
  readonly dataTransport?: DataTransport;
}

export interface JoinRequest {
  code: string;
  name: string;
  deviceCheck?: DeviceCheckResult;
  /** Tracks captured during the device check; they are published on admission instead of asking again. */
  tracks?: MediaStreamTrack[];
  /** Blur and noise suppression as chosen in the device check; applied before the tracks are published. */
  effects?: EffectsChoice;
}

/** A practitioner grant: a JSON `Admission`, or a bare LiveKit token (then `livekitUrl` must be configured). */
export type GrantInput = string | Admission;

export type Unsubscribe = () => void;

/** What shared files need while in the call: the token server and this participant's current LiveKit grant. */
export interface CallAccess {
  /** Base URL of the token server (uploads live there). */
  serverUrl: string;
  /** The LiveKit room name (the upload routes' `:room`). */
  room: string;
  /** The current LiveKit JWT: it authorises uploads and downloads for this room. */
  token: string;
}

/**
 * The public session API, split by who uses it, so an element (or a host's own UI) depends only on its part.
 * `ConsultationSession` implements all of them (`VcSession`); tests use fakes of the part they exercise.
 */

/** What every view of a session reads: the current snapshot and its changes. */
export interface SessionSource {
  readonly snapshot: SessionSnapshot;
  subscribe<T>(selector: (snapshot: SessionSnapshot) => T, callback: (value: T, previous: T) => void): Unsubscribe;
}

/** The patient's way in: device check, access code, waiting room. */
export interface PatientSession extends SessionSource {
  beginDeviceCheck(): void;
  /** Patient: return to this tab's consultation after a reload; false when there is none. */
  resume?(): boolean;
  join(request: JoinRequest): Promise<void>;
  leave(): Promise<void>;
  /** After the call: the patient's one-tap connection rating (anonymous stats only). */
  rateConnection?(rating: ConnectionRating): Promise<void>;
}

export type ConnectionRating = 'good' | 'fair' | 'poor';

/** What the practitioner's device check hands to the desk. */
export interface PractitionerStart {
  tracks?: MediaStreamTrack[];
  deviceCheck?: DeviceCheckResult;
  effects?: EffectsChoice;
}

/** The practitioner's desk: their own call, and the queue of waiting patients. */
export interface PractitionerSession extends SessionSource {
  beginDeviceCheck(): void;
  startPractitioner(options?: PractitionerStart): Promise<void>;
  admit(ticketId: string): Promise<void>;
  admitAll(): Promise<void>;
  decline(ticketId: string, reason?: string): Promise<void>;
  sendMessage(ticketId: string, text: string): Promise<void>;
  /** Practice token only: moves a waiting or admitted patient to another consultation of the practice. */
  transfer?(ticketId: string, toConsultationId: string): Promise<void>;
  /** Sets (or with null clears) the note everyone waiting sees. */
  setNotice?(text: string | null): Promise<void>;
  endForEveryone(): Promise<void>;
  leave(): Promise<void>;
}

/** In the call: local media, devices, leaving (and, for the practitioner, ending for everyone). */
export interface CallControls extends SessionSource {
  leave(): Promise<void>;
  endForEveryone(): Promise<void>;
  setMicrophoneEnabled(enabled: boolean): Promise<void>;
  setCameraEnabled(enabled: boolean): Promise<void>;
  setScreenShareEnabled(enabled: boolean): Promise<void>;
  switchDevice(kind: 'audioinput' | 'videoinput' | 'audiooutput', deviceId: string): Promise<void>;
  /** Noise suppression on the published microphone, loaded on first use. */
  setNoiseSuppression?(enabled: boolean): Promise<void>;
  /** Background blur on the published camera (MediaPipe selfie segmentation), loaded on first use. */
  setBackgroundBlur?(enabled: boolean): Promise<void>;
  startAudio(): Promise<void>;
  /** The token server and the current LiveKit grant while in the call (chat and whiteboard uploads). */
  callAccess?(): CallAccess | undefined;
}

/** Everything a session offers: what `<vc-consultation>` and the session lookup hand to the elements. */
export interface VcSession extends PatientSession, PractitionerSession, CallControls {}
