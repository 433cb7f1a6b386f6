import type { JoinRequest, SessionSnapshot, Unsubscribe, VcSession } from '../../../src/session/types.js';

/** A session the test drives by hand; records every call the elements make. */
export class FakeSession implements VcSession {
  snapshot: SessionSnapshot = {
    state: 'idle',
    role: 'patient',
    messages: [],
    waitingPatients: [],
    participants: [],
    microphoneEnabled: true,
    cameraEnabled: true,
    screenShareEnabled: false,
    canScreenShare: true,
    audioBlocked: false,
    encrypted: false,
  };
  readonly calls: { method: string; args: unknown[] }[] = [];
  private readonly listeners = new Set<{
    selector: (s: SessionSnapshot) => unknown;
    callback: (v: unknown, p: unknown) => void;
    last: unknown;
  }>();

  constructor(patch: Partial<SessionSnapshot> = {}) {
    this.set(patch);
  }

  set(patch: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) {
      const value = listener.selector(this.snapshot);
      if (Object.is(value, listener.last)) continue;
      const previous = listener.last;
      listener.last = value;
      listener.callback(value, previous);
    }
  }

  subscribe<T>(selector: (s: SessionSnapshot) => T, callback: (value: T, previous: T) => void): Unsubscribe {
    const listener = { selector, callback: callback as (v: unknown, p: unknown) => void, last: selector(this.snapshot) as unknown };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  called(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  private record(method: string, ...args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    return Promise.resolve();
  }

  beginDeviceCheck(): void {
    this.calls.push({ method: 'beginDeviceCheck', args: [] });
    if (this.snapshot.state === 'idle') this.set({ state: 'checking-devices' });
  }
  join(request: JoinRequest): Promise<void> {
    return this.record('join', request);
  }
  startPractitioner(options?: unknown): Promise<void> {
    return this.record('startPractitioner', options);
  }
  leave(): Promise<void> {
    return this.record('leave');
  }
  setNotice(text: string | null): Promise<void> {
    this.set({ notice: text === null ? undefined : { text, at: new Date().toISOString() } });
    return this.record('setNotice', text);
  }
  admit(ticketId: string): Promise<void> {
    return this.record('admit', ticketId);
  }
  admitAll(): Promise<void> {
    return this.record('admitAll');
  }
  decline(ticketId: string, reason?: string): Promise<void> {
    return this.record('decline', ticketId, reason);
  }
  sendMessage(ticketId: string, text: string): Promise<void> {
    return this.record('sendMessage', ticketId, text);
  }
  transfer(ticketId: string, toConsultationId: string): Promise<void> {
    return this.record('transfer', ticketId, toConsultationId);
  }
  endForEveryone(): Promise<void> {
    return this.record('endForEveryone');
  }
  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.record('setMicrophoneEnabled', enabled);
  }
  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.record('setCameraEnabled', enabled);
  }
  setScreenShareEnabled(enabled: boolean): Promise<void> {
    return this.record('setScreenShareEnabled', enabled);
  }
  /** Set to make switching an effect on fail, as on a device where it cannot start (the effect stays off). */
  effectsFail = false;
  setNoiseSuppression(enabled: boolean): Promise<void> {
    this.switchEffect('noiseSuppression', enabled);
    return this.record('setNoiseSuppression', enabled);
  }
  setBackgroundBlur(enabled: boolean): Promise<void> {
    this.switchEffect('blur', enabled);
    return this.record('setBackgroundBlur', enabled);
  }
  private switchEffect(effect: 'blur' | 'noiseSuppression', enabled: boolean): void {
    const effects = this.snapshot.effects ?? { blur: false, noiseSuppression: false };
    this.set({ effects: { ...effects, [effect]: enabled && !this.effectsFail } });
  }
  switchDevice(kind: string, deviceId: string): Promise<void> {
    return this.record('switchDevice', kind, deviceId);
  }
  startAudio(): Promise<void> {
    return this.record('startAudio');
  }
}

/** A live video track without a camera: a painted canvas. */
export function canvasTrack(color = '#2563eb'): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 48;
  const context = canvas.getContext('2d')!;
  context.fillStyle = color;
  context.fillRect(0, 0, 64, 48);
  return canvas.captureStream(5).getVideoTracks()[0]!;
}
