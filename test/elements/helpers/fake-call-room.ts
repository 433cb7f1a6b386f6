import type { CallRoom, CallRoomCallbacks, CallDisconnectReason, PrepareOptions } from '../../../src/session/call-room.js';
import { type DataTransport } from '../../../src/session/data-transport.js';
import { createLoopbackTransports } from './loopback-transport.js';
import type { Admission, ParticipantView } from '../../../src/session/types.js';

/** A participant as the call shows it: the local one ('me', camera and microphone on) unless `overrides` say otherwise. */
export function participantView(overrides: Partial<ParticipantView> = {}): ParticipantView {
  return {
    identity: 'me',
    name: 'Me',
    isLocal: true,
    isSpeaking: false,
    connectionQuality: 'good',
    microphoneEnabled: true,
    cameraEnabled: true,
    ...overrides,
  };
}

/** A media room that connects instantly and lets a test drive reconnects and disconnects. */
export class FakeCallRoom implements CallRoom {
  static last?: FakeCallRoom;
  static created = 0;
  /** While set, connect() waits for it (a call still connecting and publishing). */
  static holdConnect?: Promise<void>;
  prepared?: string;
  preparedOptions?: PrepareOptions;
  admission?: Admission;
  publishedTracks: MediaStreamTrack[] = [];
  disconnected = false;
  failConnect?: Error;
  microphoneEnabled = false;
  cameraEnabled = false;
  screenShareEnabled = false;
  canScreenShare = true;
  audioBlocked = false;
  encrypted = false;
  /** Keys handed over after a rotation (setKey). */
  keys: string[] = [];
  remote: ParticipantView[] = [];
  transport?: DataTransport;

  constructor(readonly callbacks: CallRoomCallbacks) {
    FakeCallRoom.last = this;
    FakeCallRoom.created += 1;
  }

  async prepare(url: string | undefined, options?: PrepareOptions): Promise<void> {
    this.prepared = url;
    this.preparedOptions = options;
  }
  async connect(admission: Admission, tracks: MediaStreamTrack[]): Promise<void> {
    if (this.failConnect) throw this.failConnect;
    if (FakeCallRoom.holdConnect) await FakeCallRoom.holdConnect;
    this.admission = admission;
    this.publishedTracks = tracks;
    this.transport = createLoopbackTransports(1)[0];
    this.microphoneEnabled = true;
    this.cameraEnabled = true;
  }
  async setKey(key: string): Promise<void> {
    this.keys.push(key);
  }
  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
  participants(): ParticipantView[] {
    return [participantView({ microphoneEnabled: this.microphoneEnabled, cameraEnabled: this.cameraEnabled }), ...this.remote];
  }
  async setMicrophoneEnabled(enabled: boolean): Promise<void> {
    this.microphoneEnabled = enabled;
  }
  async setCameraEnabled(enabled: boolean): Promise<void> {
    this.cameraEnabled = enabled;
  }
  async setScreenShareEnabled(enabled: boolean): Promise<void> {
    this.screenShareEnabled = enabled;
  }
  async switchDevice(): Promise<void> {}
  async receivedBytes(): Promise<{ audio: number; video: number }> {
    return { audio: 1234, video: 5678 };
  }
  dataTransport(): DataTransport | undefined {
    return this.transport;
  }
  async startAudio(): Promise<void> {
    this.audioBlocked = false;
  }
  drop(reason: CallDisconnectReason): void {
    this.callbacks.onDisconnected(reason);
  }
}
