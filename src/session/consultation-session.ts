import type { CallDisconnectReason, CallRoom } from './call-room.js';
import { ApiRequestError, describe, joinUrl, postJson, type FetchLike } from './http.js';
import { INITIAL_SNAPSHOT } from './initial-snapshot.js';
import type { SessionConfig, StateChangeDetail } from './session-config.js';
import { LobbyStream } from './lobby-client.js';
import { parseAdmission, parseMessage, parsePatients, parseQueue } from './lobby-events.js';
import { LiveKitCallRoom } from './livekit-room.js';
import { mark } from './marks.js';
import { resolvePractitionerGrant } from './grant.js';
import { canTransition, isTerminal } from './state-machine.js';
import type {
  Admission,
  CallAccess,
  ConsultationInfo,
  DeviceCheckResult,
  EndReason,
  JoinRequest,
  SessionSnapshot,
  SessionState,
  Unsubscribe,
  VcSession,
} from './types.js';

/** Waits between rejoin attempts after a lost connection; the last value repeats. */
const REJOIN_BACKOFF_MS = [0, 500, 1000, 2000, 3000];
/**
 * After this many failed attempts (about 90 s of trying) the session fails with `connection_lost`.
 * Counted in attempts, not wall time: a tab that slept longer must still get its full set of tries.
 */
const REJOIN_ATTEMPTS = 32;

interface SavedTicket {
  ticket: string;
  consultation?: ConsultationInfo;
}

const storageKey = (serverUrl: string): string => `videoconsult.ticket:${serverUrl}`;

function readSaved(serverUrl: string): SavedTicket | undefined {
  try {
    const raw = sessionStorage.getItem(storageKey(serverUrl));
    const saved = raw ? (JSON.parse(raw) as Partial<SavedTicket>) : undefined;
    return saved && typeof saved.ticket === 'string' && saved.ticket.length <= 200 ? (saved as SavedTicket) : undefined;
  } catch {
    return undefined;
  }
}

interface Subscription {
  selector: (snapshot: SessionSnapshot) => unknown;
  callback: (value: unknown, previous: unknown) => void;
  last: unknown;
}

/**
 * One consultation from the browser's side: lobby, admission, the call and its end.
 * Dispatches a `statechange` CustomEvent<StateChangeDetail> on every state change (handy for test pages).
 */
export class ConsultationSession extends EventTarget implements VcSession {
  private config: SessionConfig = {};
  private current: SessionSnapshot = INITIAL_SNAPSHOT;
  private readonly subscriptions = new Set<Subscription>();
  private ticket?: string;
  private lobby?: LobbyStream;
  private queueStream?: LobbyStream;
  private room?: CallRoom;
  private tracks: MediaStreamTrack[] = [];
  private changeQueued = false;
  private rejoining = false;
  private pageUnloading = false;
  private pageFrozen = false;
  private hungUpWhileFrozen = false;

  constructor(config: SessionConfig = {}) {
    super();
    for (const leave of ['beforeunload', 'pagehide']) globalThis.addEventListener?.(leave, () => (this.pageUnloading = true));
    // A page shown again (the user stayed after a "leave site?" prompt, or a back/forward restore).
    globalThis.addEventListener?.('pageshow', () => (this.pageUnloading = false));
    // A sleeping tab is frozen by the browser and livekit-client hangs up; when it wakes, rejoin.
    globalThis.document?.addEventListener('freeze', () => (this.pageFrozen = true));
    globalThis.document?.addEventListener('resume', () => {
      if (!this.pageFrozen) return;
      this.pageFrozen = false;
      if (this.hungUpWhileFrozen) {
        this.hungUpWhileFrozen = false;
        void this.onRoomDisconnected('lost');
      }
    });
    this.configure(config);
  }

  /** Updates the configuration; `role` can only change before the session starts. */
  configure(config: Partial<SessionConfig>): void {
    this.config = { ...this.config, ...config };
    if (config.role && config.role !== this.current.role && this.current.state === 'idle') {
      this.update({ role: config.role });
    }
  }

  get snapshot(): SessionSnapshot {
    return this.current;
  }

  get state(): SessionState {
    return this.current.state;
  }

  subscribe<T>(selector: (snapshot: SessionSnapshot) => T, callback: (value: T, previous: T) => void): Unsubscribe {
    const subscription: Subscription = {
      selector,
      callback: callback as (value: unknown, previous: unknown) => void,
      last: selector(this.current),
    };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  beginDeviceCheck(): void {
    if (this.current.state === 'idle') this.transition('checking-devices');
  }

  // ---- patient ---------------------------------------------------------------------------------------------

  async join(request: JoinRequest): Promise<void> {
    if (this.current.role !== 'patient') return this.fail('wrong_role', 'Only a patient joins through the waiting room.');
    if (!['idle', 'checking-devices'].includes(this.current.state)) return;
    const serverUrl = this.config.serverUrl;
    if (!serverUrl) return this.fail('missing_server_url', 'No server URL is configured for this consultation.');
    this.tracks = request.tracks ?? [];
    this.update({ error: undefined, ...(request.deviceCheck ? { deviceCheck: request.deviceCheck } : {}) });
    this.transition('joining-lobby');
    let answer: { ticket: string; consultation: ConsultationInfo; livekitUrl?: unknown };
    try {
      answer = await postJson(this.fetchImpl, joinUrl(serverUrl, '/v1/lobby/join'), {
        body: { code: request.code, name: request.name, ...(request.deviceCheck ? { deviceCheck: request.deviceCheck } : {}) },
      });
    } catch (error) {
      if (this.current.state !== 'joining-lobby') return;
      const { code, message } = describe(error);
      // A wrong code or a busy server is worth another try: back to the form, tracks kept.
      this.update({ error: { code, message } });
      this.transition('checking-devices');
      return;
    }
    if (this.current.state !== 'joining-lobby') return;
    if (typeof answer?.ticket !== 'string') return this.fail('bad_response', 'The server sent an unexpected answer.');
    this.remember({ ticket: answer.ticket, ...(answer.consultation ? { consultation: answer.consultation } : {}) });
    const warmUrl = this.config.livekitUrl ?? (typeof answer.livekitUrl === 'string' ? answer.livekitUrl : undefined);
    this.enterLobby(serverUrl, answer.ticket, answer.consultation, warmUrl);
  }

  /**
   * Patient: returns to the consultation this tab was in before a reload (the ticket is kept in
   * sessionStorage: this tab only, gone when it closes or the consultation ends). Resolves false when
   * there is nothing to return to; otherwise the session waits, or re-enters the call if already admitted.
   */
  resume(): boolean {
    if (this.current.role !== 'patient' || !['idle', 'checking-devices'].includes(this.current.state)) return false;
    const serverUrl = this.config.serverUrl;
    const saved = serverUrl ? readSaved(serverUrl) : undefined;
    if (!serverUrl || !saved) return false;
    this.transition('joining-lobby');
    this.enterLobby(serverUrl, saved.ticket, saved.consultation, this.config.livekitUrl);
    return true;
  }

  private enterLobby(serverUrl: string, ticket: string, consultation: ConsultationInfo | undefined, warmUrl: string | undefined): void {
    this.ticket = ticket;
    this.update({ ...(consultation ? { consultation } : {}) });
    this.transition('waiting');
    this.lobby = new LobbyStream({
      url: joinUrl(serverUrl, '/v1/lobby/events'),
      token: ticket,
      eventTypes: ['queue', 'message', 'admitted', 'declined', 'ended', 'error', 'key'],
      onEvent: (type, data) => this.onLobbyEvent(type, data),
      onFatal: (_status, code, message) => this.fail(code, message),
      ...(this.config.fetch ? { fetch: this.config.fetch } : {}),
      ...(this.config.lobbyBackoff ? { backoff: this.config.lobbyBackoff } : {}),
    });
    this.lobby.open();
    // Warm up DNS/TLS to the SFU while waiting (the URL from the host, or from the server if it sends one).
    if (warmUrl) void this.ensureRoom().prepare(warmUrl);
  }

  private remember(saved: SavedTicket): void {
    if (this.config.resumeOnReload === false || !this.config.serverUrl) return;
    try {
      sessionStorage.setItem(storageKey(this.config.serverUrl), JSON.stringify(saved));
    } catch {
      /* storage disabled: a reload then starts over */
    }
  }

  private forget(): void {
    if (!this.config.serverUrl) return;
    try {
      sessionStorage.removeItem(storageKey(this.config.serverUrl));
    } catch {
      /* nothing stored */
    }
  }

  private onLobbyEvent(type: string, data: Record<string, unknown>): void {
    // The stream stays open through the call: the server reports the end (or a removal) there too.
    if (this.current.state !== 'waiting') {
      // A reconnected stream re-sends `admitted` with a fresh grant: its key is the current one.
      if (type === 'key' || (type === 'admitted' && typeof data.e2eeKey === 'string')) this.rotateKey(data);
      else if (type === 'ended') this.finish('ended');
      else if (type === 'declined' && !isTerminal(this.current.state)) this.finish('removed');
      return;
    }
    if (type === 'error') {
      // e.g. grant_failed: the server closes the stream and the reconnect retries.
      const code = typeof data.code === 'string' ? data.code : 'lobby_error';
      const message = typeof data.message === 'string' ? data.message : 'The waiting room reported an error.';
      this.update({ error: { code, message } });
    } else if (type === 'queue') {
      const queue = parseQueue(data);
      if (queue) this.update({ queue });
    } else if (type === 'message') {
      const message = parseMessage(data);
      if (message) this.update({ messages: [...this.current.messages, message] });
    } else if (type === 'admitted') {
      const admission = parseAdmission(data);
      if (!admission) return;
      this.transition('admitted');
      void this.connectWith(admission);
    } else if (type === 'declined') {
      const reason = typeof data.reason === 'string' && data.reason ? data.reason : undefined;
      this.forget();
      this.teardown();
      this.update(reason ? { declineReason: reason } : {});
      this.transition('declined');
    } else if (type === 'ended') {
      this.finish('ended');
    }
  }

  // ---- practitioner ----------------------------------------------------------------------------------------

  async startPractitioner(options: { tracks?: MediaStreamTrack[]; deviceCheck?: DeviceCheckResult } = {}): Promise<void> {
    if (this.current.role !== 'practitioner') return this.fail('wrong_role', 'This session is not a practitioner session.');
    if (!['idle', 'checking-devices'].includes(this.current.state)) return;
    this.tracks = options.tracks ?? [];
    if (options.deviceCheck) this.update({ deviceCheck: options.deviceCheck });
    this.watchQueue();
    this.transition('connecting');
    let admission: Admission;
    try {
      admission = await resolvePractitionerGrant(this.config, this.fetchImpl);
    } catch (error) {
      const { code, message } = describe(error);
      return this.fail(code, message);
    }
    await this.connectWith(admission);
  }

  /** Practitioner: starts following the waiting-room queue (idempotent; also done by `startPractitioner`). */
  watchQueue(): void {
    if (this.current.role !== 'practitioner' || isTerminal(this.current.state)) return;
    const { serverUrl, practitionerToken } = this.config;
    if (!serverUrl || !practitionerToken || this.queueStream) return;
    this.queueStream = new LobbyStream({
      url: joinUrl(serverUrl, '/v1/practitioner/events'),
      token: practitionerToken,
      eventTypes: ['queue', 'ended', 'key'],
      onEvent: (type, data) => {
        if (type === 'ended') return this.finish('ended');
        if (type === 'key') return this.rotateKey(data);
        const patients = parsePatients(data);
        if (patients) this.update({ waitingPatients: patients });
      },
      onFatal: (_status, code, message) => this.update({ error: { code, message } }),
      ...(this.config.fetch ? { fetch: this.config.fetch } : {}),
      ...(this.config.lobbyBackoff ? { backoff: this.config.lobbyBackoff } : {}),
    });
    this.queueStream.open();
  }

  admit(ticketId: string): Promise<void> {
    return this.practitionerAction('/v1/practitioner/admit', { ticketId });
  }
  admitAll(): Promise<void> {
    return this.practitionerAction('/v1/practitioner/admit-all', undefined);
  }
  decline(ticketId: string, reason?: string): Promise<void> {
    return this.practitionerAction('/v1/practitioner/decline', reason ? { ticketId, reason } : { ticketId });
  }
  sendMessage(ticketId: string, text: string): Promise<void> {
    return this.practitionerAction('/v1/practitioner/message', { ticketId, text: text.slice(0, 280) });
  }

  async endForEveryone(): Promise<void> {
    await this.practitionerAction('/v1/practitioner/end', undefined);
    this.finish('ended');
  }

  private async practitionerAction(path: string, body: unknown): Promise<void> {
    const { serverUrl, practitionerToken } = this.config;
    if (!serverUrl || !practitionerToken) {
      this.update({ error: { code: 'missing_practitioner_token', message: 'No practitioner token is configured.' } });
      return;
    }
    try {
      await postJson(this.fetchImpl, joinUrl(serverUrl, path), { token: practitionerToken, body });
    } catch (error) {
      this.update({ error: describe(error) });
    }
  }

  // ---- the call ----------------------------------------------------------------------------------------------

  private ensureRoom(): CallRoom {
    if (!this.room) {
      const factory = this.config.createCallRoom ?? ((callbacks, options) => new LiveKitCallRoom(callbacks, options));
      this.room = factory(
        {
          onChange: () => this.queueRoomChange(),
          onReconnecting: () => {
            if (this.current.state === 'in-call') this.transition('reconnecting');
          },
          onReconnected: () => {
            if (this.current.state === 'reconnecting') this.transition('in-call');
          },
          onDisconnected: (reason) => void this.onRoomDisconnected(reason),
        },
        this.config.createE2EEWorker ? { createE2EEWorker: this.config.createE2EEWorker } : {},
      );
    }
    return this.room;
  }

  private async connectWith(admission: Admission): Promise<void> {
    if (isTerminal(this.current.state)) return;
    this.transition('connecting');
    const room = this.ensureRoom();
    try {
      await room.connect(admission, this.tracks);
    } catch (error) {
      if (this.room !== room) return;
      const { code, message } = describe(error, 'connection_failed', 'The video connection could not be established.');
      return this.fail(code, message);
    }
    if (this.room !== room || this.current.state !== 'connecting') return;
    this.refreshRoom();
    this.transition('in-call');
  }

  /**
   * A lost connection (the SFU restarted, the network was gone longer than livekit-client's own resume
   * could bridge): rejoin with a fresh grant — never through the lobby again — retrying with backoff
   * while the server or SFU comes back, until the consultation is over or REJOIN_GIVE_UP_MS pass.
   */
  private async onRoomDisconnected(reason: CallDisconnectReason): Promise<void> {
    if (isTerminal(this.current.state)) return;
    if (reason === 'ended') return this.finish('ended');
    if (reason === 'removed') return this.finish('removed');
    if (reason === 'client') {
      if (this.pageUnloading) {
        // livekit-client hangs up on beforeunload; if the page is still here a moment later, the user
        // stayed (a host's "leave site?" prompt): rejoin instead of keeping a dead call.
        setTimeout(() => {
          this.pageUnloading = false;
          if (!isTerminal(this.current.state)) void this.onRoomDisconnected('lost');
        }, 1500);
        return;
      }
      if (this.pageFrozen) {
        this.hungUpWhileFrozen = true;
        if (this.current.state === 'in-call') this.transition('reconnecting');
        return;
      }
      return this.finish('left');
    }
    if (this.rejoining) return;
    this.rejoining = true;
    try {
      await this.rejoin();
    } finally {
      this.rejoining = false;
    }
  }

  private async rejoin(): Promise<void> {
    if (this.current.state === 'in-call') this.transition('reconnecting');
    for (let attempt = 0; !isTerminal(this.current.state); attempt++) {
      await new Promise((r) => setTimeout(r, REJOIN_BACKOFF_MS[Math.min(attempt, REJOIN_BACKOFF_MS.length - 1)]));
      if (isTerminal(this.current.state)) return;
      const old = this.room;
      this.room = undefined;
      await old?.disconnect().catch(() => undefined);
      try {
        const admission = await this.freshGrant();
        // The user may have left (or the call ended) while we asked: never publish into it again.
        if (isTerminal(this.current.state)) return;
        const room = this.ensureRoom();
        await room.connect(admission, this.tracks);
        if (this.room !== room || isTerminal(this.current.state)) {
          await room.disconnect().catch(() => undefined);
          return;
        }
        this.refreshRoom();
        if (this.current.state !== 'in-call') this.transition('in-call');
        return;
      } catch (error) {
        if (error instanceof ApiRequestError && error.status === 410) return this.finish('ended');
        if (error instanceof ApiRequestError && [401, 403, 404].includes(error.status)) {
          return this.fail('connection_lost', 'You are no longer admitted to this consultation.');
        }
        // Anything else (server or SFU not back yet, network still down) is worth another try.
        console.warn(`[videoconsult] rejoin attempt ${attempt + 1} failed:`, error);
      }
      if (attempt + 1 >= REJOIN_ATTEMPTS) {
        return this.fail('connection_lost', 'The connection to the call was lost.');
      }
    }
  }

  /** Someone was removed: the server rotated the consultation's key; encrypt and decrypt with the new one. */
  private rotateKey(data: Record<string, unknown>): void {
    const key = data.e2eeKey;
    if (typeof key !== 'string' || key.length < 16 || key.length > 200) {
      console.warn('[videoconsult] ignoring a key event without a usable key');
      return;
    }
    void this.room?.setKey?.(key).catch((error: unknown) => console.warn('[videoconsult] could not switch to the new key:', error));
  }

  private async freshGrant(): Promise<Admission> {
    if (this.current.role === 'practitioner') return resolvePractitionerGrant(this.config, this.fetchImpl);
    const answer = await postJson<Record<string, unknown>>(this.fetchImpl, joinUrl(this.config.serverUrl ?? '', '/v1/lobby/grant'), {
      token: this.ticket ?? '',
    });
    const admission = parseAdmission(answer ?? {}, 'grant');
    if (!admission) throw new Error('bad grant');
    return admission;
  }

  /** Bytes received from remote audio and video so far: proof that media flows (diagnostics, e2e tests). */
  async receivedBytes(): Promise<{ audio: number; video: number }> {
    return (await this.room?.receivedBytes?.()) ?? { audio: 0, video: 0 };
  }

  /** The token server and this participant's current LiveKit grant, while in the call (file sharing uses them). */
  callAccess(): CallAccess | undefined {
    const grant = this.room?.currentGrant?.();
    const serverUrl = this.config.serverUrl;
    return grant && serverUrl ? { serverUrl, ...grant } : undefined;
  }

  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.roomAction((room) => room.setMicrophoneEnabled(enabled), 'microphone_failed', 'The microphone could not be switched.');
  }
  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.roomAction((room) => room.setCameraEnabled(enabled), 'camera_failed', 'The camera could not be switched.');
  }
  setScreenShareEnabled(enabled: boolean): Promise<void> {
    return this.roomAction((room) => room.setScreenShareEnabled(enabled), 'screen_share_failed', 'Screen sharing could not be started.');
  }
  switchDevice(kind: 'audioinput' | 'videoinput' | 'audiooutput', deviceId: string): Promise<void> {
    return this.roomAction((room) => room.switchDevice(kind, deviceId), 'device_switch_failed', 'The device could not be switched.');
  }
  startAudio(): Promise<void> {
    return this.roomAction((room) => room.startAudio(), 'audio_blocked', 'The browser still blocks sound.');
  }

  private async roomAction(action: (room: CallRoom) => Promise<void>, code: string, message: string): Promise<void> {
    const room = this.room;
    if (!room) return;
    try {
      await action(room);
    } catch (error) {
      // A dismissed screen-share picker is a choice, not an error.
      if (error instanceof DOMException && error.name === 'NotAllowedError' && code === 'screen_share_failed') return;
      this.update({ error: { code, message } });
    }
    this.refreshRoom();
  }

  private queueRoomChange(): void {
    if (this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      this.refreshRoom();
    });
  }

  private refreshRoom(): void {
    const room = this.room;
    if (!room || isTerminal(this.current.state)) return;
    this.update({
      participants: room.participants(),
      microphoneEnabled: room.microphoneEnabled,
      cameraEnabled: room.cameraEnabled,
      screenShareEnabled: room.screenShareEnabled,
      canScreenShare: room.canScreenShare,
      audioBlocked: room.audioBlocked,
      encrypted: room.encrypted,
      dataTransport: room.dataTransport?.(),
    });
  }

  // ---- leaving -----------------------------------------------------------------------------------------------

  async leave(): Promise<void> {
    if (isTerminal(this.current.state)) return;
    const ticket = this.ticket;
    const waiting = ['joining-lobby', 'waiting'].includes(this.current.state);
    this.finish('left');
    if (waiting && ticket && this.config.serverUrl) {
      await postJson(this.fetchImpl, joinUrl(this.config.serverUrl, '/v1/lobby/leave'), { token: ticket }).catch(() => undefined);
    }
  }

  /** Releases everything without announcing an end (e.g. the element was removed from the page). */
  dispose(): void {
    this.teardown();
  }

  private finish(reason: EndReason): void {
    if (isTerminal(this.current.state)) return;
    // livekit-client disconnects itself when the page unloads: that is a reload, not the end, so the
    // ticket stays for resume().
    if (!this.pageUnloading) this.forget();
    this.teardown();
    this.update({ endReason: reason });
    this.transition('ended');
  }

  private fail(code: string, message: string): void {
    if (isTerminal(this.current.state)) return;
    this.forget();
    this.teardown();
    this.update({ error: { code, message } });
    this.transition('failed');
  }

  private teardown(): void {
    this.lobby?.close();
    this.lobby = undefined;
    this.queueStream?.close();
    this.queueStream = undefined;
    const room = this.room;
    this.room = undefined;
    void room?.disconnect().catch((error: unknown) => console.warn('[videoconsult] disconnect failed:', error));
    for (const track of this.tracks) track.stop();
    this.tracks = [];
    this.update({
      participants: [],
      microphoneEnabled: false,
      cameraEnabled: false,
      screenShareEnabled: false,
      audioBlocked: false,
      encrypted: false,
      dataTransport: undefined,
    });
  }

  // ---- state -------------------------------------------------------------------------------------------------

  private transition(to: SessionState): void {
    const previous = this.current.state;
    if (previous === to) return;
    if (!canTransition(previous, to)) throw new Error(`[videoconsult] invalid session transition ${previous} → ${to}`);
    this.update({ state: to });
    mark(to);
    this.dispatchEvent(new CustomEvent<StateChangeDetail>('statechange', { detail: { state: to, previous, snapshot: this.current } }));
  }

  private update(patch: Partial<SessionSnapshot>): void {
    this.current = Object.freeze({ ...this.current, ...patch });
    for (const subscription of [...this.subscriptions]) {
      if (!this.subscriptions.has(subscription)) continue;
      const value = subscription.selector(this.current);
      if (Object.is(value, subscription.last)) continue;
      const previous = subscription.last;
      subscription.last = value;
      try {
        subscription.callback(value, previous);
      } catch (error) {
        console.error('[videoconsult] a session subscriber threw:', error);
      }
    }
  }

  private get fetchImpl(): FetchLike {
    return this.config.fetch ?? globalThis.fetch.bind(globalThis);
  }
}
