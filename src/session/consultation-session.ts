/**
 * `ConsultationSession`: the facade over the session core's slices. It owns the snapshot store, the state
 * machine and the endings (finish, fail, decline, dispose); the patient lobby, the practitioner desk and the
 * call connection do the work (patient-lobby.ts, practitioner-desk.ts, call-connection.ts).
 */
import { CallConnection } from './call-connection.js';
import type { FetchLike } from './http.js';
import { INITIAL_SNAPSHOT } from './initial-snapshot.js';
import { mark } from './marks.js';
import { PatientLobby } from './patient-lobby.js';
import type { PractitionerDesk } from './practitioner-desk.js';
import type { SessionConfig, StateChangeDetail } from './session-config.js';
import type { SessionCore } from './session-core.js';
import { canTransition, isTerminal } from './state-machine.js';
import { SnapshotStore } from './store.js';
import { forgetTicket, readTicket } from './ticket-storage.js';
import type {
  CallAccess,
  ConnectionRating,
  EndReason,
  JoinRequest,
  PractitionerStart,
  SessionSnapshot,
  SessionState,
  Unsubscribe,
  VcSession,
} from './types.js';

/**
 * One consultation from the browser's side: lobby, admission, the call and its end.
 * Dispatches a `statechange` CustomEvent<StateChangeDetail> on every state change (handy for test pages).
 */
export class ConsultationSession extends EventTarget implements VcSession {
  private config: SessionConfig = {};
  private readonly store = new SnapshotStore<SessionSnapshot>(INITIAL_SNAPSHOT);
  private readonly call: CallConnection;
  private readonly lobby: PatientLobby;
  private readonly core: SessionCore;
  // The desk (queue stream, admit, token refresh, practice watch) is a practitioner's only: a patient's page never
  // downloads it. It starts loading as soon as the session knows it is a practitioner's.
  private deskLoading?: Promise<PractitionerDesk>;
  private loadedDesk?: PractitionerDesk;

  constructor(config: SessionConfig = {}) {
    super();
    const currentConfig = () => this.config;
    const core: SessionCore = (this.core = {
      store: this.store,
      // Getters: configure() replaces the config object, and the slices must always see the current one.
      get config() {
        return currentConfig();
      },
      get fetch(): FetchLike {
        return currentConfig().fetch ?? globalThis.fetch.bind(globalThis);
      },
      transition: (to) => this.transition(to),
      finish: (reason) => this.finish(reason),
      fail: (code, message) => this.fail(code, message),
      decline: (reason) => this.declined(reason),
    });
    this.call = new CallConnection(core, () =>
      this.store.snapshot.role === 'practitioner' ? this.desk().then((desk) => desk.freshGrant()) : this.lobby.freshGrant(),
    );
    this.lobby = new PatientLobby(core, this.call);
    this.configure(config);
  }

  /** Loads the desk (once; a failed load is tried again next time). */
  private desk(): Promise<PractitionerDesk> {
    if (!this.deskLoading) {
      const loading = import('./practitioner-desk.js').then(
        ({ PractitionerDesk }) => (this.loadedDesk = new PractitionerDesk(this.core, this.call)),
      );
      loading.catch(() => (this.deskLoading = undefined));
      this.deskLoading = loading;
    }
    return this.deskLoading;
  }

  /** Updates the configuration; `role` can only change before the session starts. */
  configure(config: Partial<SessionConfig>): void {
    this.config = { ...this.config, ...config };
    if (config.role && config.role !== this.store.snapshot.role && this.store.snapshot.state === 'idle') {
      this.store.update({ role: config.role });
    }
    if (this.store.snapshot.role === 'practitioner') this.desk().catch(() => undefined); // tried again on use
  }

  get snapshot(): SessionSnapshot {
    return this.store.snapshot;
  }

  get state(): SessionState {
    return this.store.snapshot.state;
  }

  subscribe<T>(selector: (snapshot: SessionSnapshot) => T, callback: (value: T, previous: T) => void): Unsubscribe {
    return this.store.subscribe(selector, callback);
  }

  beginDeviceCheck(): void {
    if (this.store.snapshot.state === 'idle') this.transition('checking-devices');
  }

  /**
   * Fetches the call's code (livekit-client) ahead of time. The patient's session does this by itself once in
   * the waiting room; a practitioner's page can call it when idle.
   */
  preloadCall(): Promise<void> {
    return this.call.preload();
  }

  // ---- patient (patient-lobby.ts) ------------------------------------------------------------------------------

  join(request: JoinRequest): Promise<void> {
    return this.lobby.join(request);
  }

  /**
   * Returns to the consultation this tab was in before a reload (kept in sessionStorage: this tab only, gone
   * when it closes or the consultation ends). Patient: waits again, or re-enters the call if already admitted.
   * Practitioner (only with `resumeOnReload: true`): re-enters the call, with the kept practitioner token
   * unless the host passed one. Returns false when there is nothing to return to.
   */
  resume(): boolean {
    if (this.store.snapshot.role !== 'practitioner') return this.lobby.resume();
    const { serverUrl, resumeOnReload } = this.config;
    const saved = resumeOnReload === true && serverUrl ? readTicket(serverUrl, 'practitioner')?.ticket : undefined;
    if (!saved || !['idle', 'checking-devices'].includes(this.store.snapshot.state)) return false;
    if (!this.config.practitionerToken) this.configure({ practitionerToken: saved });
    void this.startPractitioner();
    return true;
  }

  // ---- practitioner (practitioner-desk.ts) ---------------------------------------------------------------------

  startPractitioner(options: PractitionerStart = {}): Promise<void> {
    return this.desk().then(
      (desk) => desk.start(options),
      () => this.fail('network_error', 'The practitioner desk could not be loaded. Check your connection.'),
    );
  }
  /** Practitioner: starts following the waiting-room queue (idempotent; also done by `startPractitioner`). */
  watchQueue(): void {
    if (this.store.snapshot.role !== 'practitioner') return; // nothing to follow, nothing to download
    this.desk().then(
      (desk) => desk.watchQueue(),
      (error: unknown) => console.warn('[videoconsult] could not load the practitioner desk:', error),
    );
  }
  admit(ticketId: string): Promise<void> {
    return this.desk().then((desk) => desk.admit(ticketId));
  }
  admitAll(): Promise<void> {
    return this.desk().then((desk) => desk.admitAll());
  }
  decline(ticketId: string, reason?: string): Promise<void> {
    return this.desk().then((desk) => desk.decline(ticketId, reason));
  }
  sendMessage(ticketId: string, text: string): Promise<void> {
    return this.desk().then((desk) => desk.sendMessage(ticketId, text));
  }
  /** Practice token: moves a waiting or admitted patient to another consultation of the practice. */
  transfer(ticketId: string, toConsultationId: string): Promise<void> {
    return this.desk().then((desk) => desk.transfer(ticketId, toConsultationId));
  }
  setNotice(text: string | null): Promise<void> {
    return this.desk().then((desk) => desk.setNotice(text));
  }
  rateConnection(rating: ConnectionRating): Promise<void> {
    return this.lobby.rate(rating);
  }
  endForEveryone(): Promise<void> {
    return this.desk().then((desk) => desk.endForEveryone());
  }

  // ---- the call (call-connection.ts) ---------------------------------------------------------------------------

  /** Bytes received from remote audio and video so far: proof that media flows (diagnostics, e2e tests). */
  receivedBytes(): Promise<{ audio: number; video: number }> {
    return this.call.receivedBytes();
  }
  /** The token server and this participant's current LiveKit grant, while in the call (file sharing uses them). */
  callAccess(): CallAccess | undefined {
    return this.call.callAccess();
  }
  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.call.setMicrophoneEnabled(enabled);
  }
  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.call.setCameraEnabled(enabled);
  }
  setScreenShareEnabled(enabled: boolean): Promise<void> {
    return this.call.setScreenShareEnabled(enabled);
  }
  switchDevice(kind: 'audioinput' | 'videoinput' | 'audiooutput', deviceId: string): Promise<void> {
    return this.call.switchDevice(kind, deviceId);
  }
  /** Noise suppression (RNNoise, loaded on first use) on this participant's published microphone. */
  setNoiseSuppression(enabled: boolean): Promise<void> {
    return this.call.setNoiseSuppression(enabled);
  }
  /** Background blur (MediaPipe selfie segmentation, loaded on first use) on this participant's published camera. */
  setBackgroundBlur(enabled: boolean): Promise<void> {
    return this.call.setBackgroundBlur(enabled);
  }
  startAudio(): Promise<void> {
    return this.call.startAudio();
  }

  // ---- endings -------------------------------------------------------------------------------------------------

  async leave(): Promise<void> {
    if (isTerminal(this.store.snapshot.state)) return;
    const waiting = ['joining-lobby', 'waiting'].includes(this.store.snapshot.state);
    this.finish('left');
    if (waiting) await this.lobby.leaveQueue();
  }

  /** Releases everything without announcing an end (e.g. the element was removed from the page). */
  dispose(): void {
    this.teardown();
  }

  private finish(reason: EndReason): void {
    if (isTerminal(this.store.snapshot.state)) return;
    // livekit-client disconnects itself when the page unloads: that is a reload, not the end, so the
    // ticket stays for resume().
    if (!this.call.pageUnloading) this.forgetSaved();
    this.teardown();
    this.store.update({ endReason: reason });
    this.transition('ended');
  }

  private forgetSaved(): void {
    this.lobby.forget();
    // The practitioner's kept token (practitioner-desk.ts saves it) goes even if the desk never loaded in this tab.
    if (this.config.serverUrl) forgetTicket(this.config.serverUrl, 'practitioner');
  }

  private fail(code: string, message: string): void {
    if (isTerminal(this.store.snapshot.state)) return;
    this.forgetSaved();
    this.teardown();
    this.store.update({ error: { code, message } });
    this.transition('failed');
  }

  private declined(reason: string | undefined): void {
    this.lobby.forget();
    this.teardown();
    this.store.update(reason ? { declineReason: reason } : {});
    this.transition('declined');
  }

  private teardown(): void {
    this.lobby.close();
    if (this.loadedDesk) this.loadedDesk.close();
    // Still loading: whatever it starts once there (a queue stream) ends right after.
    else this.deskLoading?.then((desk) => desk.close()).catch(() => undefined);
    this.call.close();
  }

  private transition(to: SessionState): void {
    const previous = this.store.snapshot.state;
    if (previous === to) return;
    if (!canTransition(previous, to)) throw new Error(`[videoconsult] invalid session transition ${previous} → ${to}`);
    this.store.update({ state: to });
    mark(to);
    this.dispatchEvent(
      new CustomEvent<StateChangeDetail>('statechange', { detail: { state: to, previous, snapshot: this.store.snapshot } }),
    );
  }
}
