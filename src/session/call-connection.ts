/**
 * The call connection slice: the media room, the local tracks, rejoining after a lost connection (with backoff)
 * and the page lifecycle around it (unload, freeze/resume). It adds its global listeners when a connection
 * starts and removes them when it closes.
 *
 * livekit-client is not part of the first load: the real room (`./livekit-room.js`) is imported on demand.
 * `preload()` fetches it early (the facade does that while the patient waits), so admission never waits for it.
 *
 * Over 400 lines on purpose: joining, losing the room while joining, rejoining with backoff and leaving guard one
 * another (a room given up mid-join, a leave during a rejoin); the SFU-restart defects hid in the seams between
 * them, so they stay in one file that reads top to bottom.
 */
import type { CallDisconnectReason, CallRoom, CallRoomCallbacks, CallRoomFactory, PrepareOptions } from './call-room.js';
import { ApiRequestError, describe } from './http.js';
import type { SessionCore } from './session-core.js';
import { isTerminal } from './state-machine.js';
import type { Admission, CallAccess, EffectsChoice } from './types.js';

/** Waits between rejoin attempts after a lost connection; the last value repeats. */
const REJOIN_BACKOFF_MS = [0, 500, 1000, 2000, 3000];
/**
 * After this many failed attempts (about 90 s of trying) the session fails with `connection_lost`.
 * Counted in attempts, not wall time: a tab that slept longer must still get its full set of tries.
 */
const REJOIN_ATTEMPTS = 32;
/** livekit-client hangs up on beforeunload; a page still here this much later was not unloaded after all. */
const UNLOAD_GRACE_MS = 1500;

let livekitRoomModule: Promise<CallRoomFactory> | undefined;

/** Loads livekit-client and the room around it (once per page; a failed load is tried again next time). */
export function loadLiveKitRoom(): Promise<CallRoomFactory> {
  livekitRoomModule ??= import('./livekit-room.js').then(
    ({ LiveKitCallRoom }) =>
      (callbacks, options) =>
        new LiveKitCallRoom(callbacks, options),
  );
  livekitRoomModule.catch(() => (livekitRoomModule = undefined));
  return livekitRoomModule;
}

/** The room being joined was lost before its connect() settled. */
class LostWhileJoining extends Error {
  readonly code = 'connection_lost';
  constructor() {
    super('The connection to the call was lost while joining.');
  }
}

export class CallConnection {
  /** Tracks captured before the call (device check); published on connect, stopped on close. */
  tracks: MediaStreamTrack[] = [];
  /** Blur and noise suppression as chosen (device check, then the call's toggles): applied again after a rejoin. */
  private effects: EffectsChoice = { blur: false, noiseSuppression: false };
  private room?: CallRoom;
  private changeQueued = false;
  private rejoining = false;
  private unloading = false;
  private frozen = false;
  private hungUpWhileFrozen = false;
  private removePageListeners?: () => void;
  private renewal?: ReturnType<typeof setTimeout>;
  /** The room whose connect() is in flight, and how to give up on it when it is lost meanwhile. */
  private joining?: { room: CallRoom; lost(): void };

  /** @param freshGrant a new grant for a rejoin (the patient's and the practitioner's come from different places) */
  constructor(
    private readonly core: SessionCore,
    private readonly freshGrant: () => Promise<Admission>,
  ) {}

  /** The device check's choice (and its running blur), before the call connects. */
  chooseEffects(effects: EffectsChoice | undefined): void {
    this.effects = effects ?? { blur: false, noiseSuppression: false };
    this.core.store.update({ effects: { blur: this.effects.blur, noiseSuppression: this.effects.noiseSuppression } });
  }

  /** The page is being unloaded (a reload, or the user leaving the site): not the end of the consultation. */
  get pageUnloading(): boolean {
    return this.unloading;
  }

  /**
   * Fetches the call's code ahead of time (no-op with an injected room factory). A failed load is only
   * reported: connecting loads it again, and fails the session then if it still cannot.
   */
  async preload(): Promise<void> {
    if (this.core.config.createCallRoom) return;
    await loadLiveKitRoom().catch((error: unknown) => console.warn('[videoconsult] could not preload the call:', error));
  }

  /**
   * Uses the waiting time (best effort, like `preload`): DNS/TLS to the SFU when its URL is known, and for an
   * encrypted consultation the E2EE worker and the encrypting room, so admission only has to connect.
   */
  async prepare(livekitUrl: string | undefined, options: PrepareOptions = {}): Promise<void> {
    try {
      await (await this.ensureRoom()).prepare(livekitUrl, options);
    } catch (error) {
      console.warn('[videoconsult] could not prepare the call:', error);
    }
  }

  private async ensureRoom(): Promise<CallRoom> {
    if (this.room) return this.room;
    const factory = this.core.config.createCallRoom ?? (await loadLiveKitRoom());
    // Another caller may have created it while the code loaded.
    if (this.room) return this.room;
    const created: CallRoom = factory(
      this.callbacks(() => created),
      this.core.config.createE2EEWorker ? { createE2EEWorker: this.core.config.createE2EEWorker } : {},
    );
    this.room = created;
    return created;
  }

  /** `self` is the room these callbacks belong to: a room already let go of is no longer heard. */
  private callbacks(self: () => CallRoom | undefined): CallRoomCallbacks {
    const { core } = this;
    const current = () => self() !== undefined && self() === this.room;
    return {
      onChange: () => this.queueRefresh(),
      onReconnecting: () => {
        if (current() && core.store.snapshot.state === 'in-call') core.transition('reconnecting');
      },
      onReconnected: () => {
        if (current() && core.store.snapshot.state === 'reconnecting') core.transition('in-call');
      },
      onMediaLost: () => {
        // Rebuilt in place, a call now and then gets the remote audio back but not the video (client-sdk-js#2074):
        // rejoin with a fresh grant and a fresh room instead, as after any lost connection (the grant also
        // re-creates the room on a live SFU node). A room still joining is given up the same way (its connect()
        // is not waited for: a publish in it may never settle).
        if (!current()) return;
        const joining = this.joining;
        if (joining && joining.room === self()) joining.lost();
        else void this.onDisconnected('lost');
      },
      onDisconnected: (reason) => {
        if (!current()) return;
        // Lost while still joining (a rejoin's new room dropped by the SFU, or a second SFU restart): that join
        // failed, whatever its connect() later says. Its caller rejoins; a rejoin in progress must not ignore it.
        const joining = this.joining;
        if (reason === 'lost' && joining && joining.room === self()) joining.lost();
        else void this.onDisconnected(reason);
      },
    };
  }

  /**
   * Joins `room` and publishes; rejects with `connection_lost` as soon as the room is lost meanwhile (then the
   * session rejoins with a fresh room instead of keeping one that has no media, or only a rebuilt one).
   */
  private async join(room: CallRoom, admission: Admission): Promise<void> {
    let lost = (): void => undefined;
    const gone = new Promise<never>((_, reject) => {
      lost = () => reject(new LostWhileJoining());
    });
    this.joining = { room, lost };
    try {
      await Promise.race([room.connect(admission, this.tracks, this.effects), gone]);
    } finally {
      if (this.joining?.room === room) this.joining = undefined;
    }
  }

  async connect(admission: Admission): Promise<void> {
    const { core } = this;
    if (isTerminal(core.store.snapshot.state)) return;
    core.transition('connecting');
    this.listenToPage();
    let room: CallRoom | undefined;
    try {
      room = await this.ensureRoom();
      await this.join(room, admission);
    } catch (error) {
      if (room && this.room !== room) return;
      if (error instanceof LostWhileJoining) return void this.onDisconnected('lost');
      const { code, message } = describe(error, 'connection_failed', 'The video connection could not be established.');
      return core.fail(code, message);
    }
    if (this.room !== room || core.store.snapshot.state !== 'connecting') return;
    this.refresh();
    core.transition('in-call');
    this.renewBefore(admission);
  }

  /**
   * Patient grants last about two minutes and the SFU renews the token it holds only every few minutes, so a
   * fresh grant is fetched (through the lobby, which refuses anyone no longer admitted) 30 s before expiry.
   * A refusal means this participant was removed: the call ends here even if the SFU never said so.
   */
  private renewBefore(admission: Admission): void {
    clearTimeout(this.renewal);
    const expires = admission.expiresAt ? Date.parse(admission.expiresAt) : NaN;
    if (!Number.isFinite(expires)) return;
    this.renewal = setTimeout(() => void this.renew(), Math.max(5_000, expires - Date.now() - 30_000));
  }

  private async renew(): Promise<void> {
    const { core } = this;
    if (isTerminal(core.store.snapshot.state) || !this.room) return;
    try {
      const next = await this.freshGrant();
      this.room?.useToken?.(next.token);
      this.renewBefore(next);
    } catch (error) {
      if (isTerminal(core.store.snapshot.state)) return;
      if (error instanceof ApiRequestError && error.status === 410) return core.finish('ended');
      if (error instanceof ApiRequestError && [401, 403, 404].includes(error.status)) {
        await this.room?.disconnect().catch(() => undefined);
        return core.fail('connection_lost', 'You are no longer admitted to this consultation.');
      }
      // The server is briefly away: try again soon (the SFU keeps the call going meanwhile).
      this.renewal = setTimeout(() => void this.renew(), 10_000);
    }
  }

  private listenToPage(): void {
    if (this.removePageListeners) return;
    const onLeave = () => (this.unloading = true);
    // A page shown again (the user stayed after a "leave site?" prompt, or a back/forward restore).
    const onShow = () => (this.unloading = false);
    // A sleeping tab is frozen by the browser and livekit-client hangs up; when it wakes, rejoin.
    const onFreeze = () => (this.frozen = true);
    const onResume = () => {
      if (!this.frozen) return;
      this.frozen = false;
      if (this.hungUpWhileFrozen) {
        this.hungUpWhileFrozen = false;
        void this.onDisconnected('lost');
      }
    };
    // Not every global has them (workers, Node in unit tests).
    const win = typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
    const doc = globalThis.document;
    win?.addEventListener('beforeunload', onLeave);
    win?.addEventListener('pagehide', onLeave);
    win?.addEventListener('pageshow', onShow);
    doc?.addEventListener('freeze', onFreeze);
    doc?.addEventListener('resume', onResume);
    this.removePageListeners = () => {
      win?.removeEventListener('beforeunload', onLeave);
      win?.removeEventListener('pagehide', onLeave);
      win?.removeEventListener('pageshow', onShow);
      doc?.removeEventListener('freeze', onFreeze);
      doc?.removeEventListener('resume', onResume);
    };
  }

  /**
   * A lost connection (the SFU restarted, the network was gone longer than livekit-client's own resume
   * could bridge): rejoin with a fresh grant — never through the lobby again — retrying with backoff
   * while the server or SFU comes back, until the consultation is over or REJOIN_ATTEMPTS fail.
   */
  private async onDisconnected(reason: CallDisconnectReason): Promise<void> {
    const { core } = this;
    // Terminal, or back to waiting after a transfer: the old room's end is no longer this session's.
    if (isTerminal(core.store.snapshot.state) || core.store.snapshot.state === 'waiting') return;
    if (reason === 'ended') return core.finish('ended');
    if (reason === 'removed') return core.finish('removed');
    if (reason === 'client') {
      if (this.unloading) {
        // If the page is still here a moment later, the user stayed (a host's "leave site?" prompt): rejoin
        // instead of keeping a dead call.
        setTimeout(() => {
          this.unloading = false;
          if (!isTerminal(core.store.snapshot.state)) void this.onDisconnected('lost');
        }, UNLOAD_GRACE_MS);
        return;
      }
      if (this.frozen) {
        this.hungUpWhileFrozen = true;
        if (core.store.snapshot.state === 'in-call') core.transition('reconnecting');
        return;
      }
      return core.finish('left');
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
    const { core } = this;
    const over = () => isTerminal(core.store.snapshot.state);
    if (core.store.snapshot.state === 'in-call') core.transition('reconnecting');
    for (let attempt = 0; !over(); attempt++) {
      await new Promise((r) => setTimeout(r, REJOIN_BACKOFF_MS[Math.min(attempt, REJOIN_BACKOFF_MS.length - 1)]));
      if (over()) return;
      const old = this.room;
      this.room = undefined;
      await old?.disconnect().catch(() => undefined);
      try {
        const admission = await this.freshGrant();
        // The user may have left (or the call ended) while we asked: never publish into it again.
        if (over()) return;
        const room = await this.ensureRoom();
        await this.join(room, admission);
        if (this.room !== room || over()) {
          await room.disconnect().catch(() => undefined);
          return;
        }
        this.refresh();
        if (core.store.snapshot.state !== 'in-call') core.transition('in-call');
        this.renewBefore(admission);
        return;
      } catch (error) {
        if (error instanceof ApiRequestError && error.status === 410) return core.finish('ended');
        if (error instanceof ApiRequestError && [401, 403, 404].includes(error.status)) {
          return core.fail('connection_lost', 'You are no longer admitted to this consultation.');
        }
        // Anything else (server or SFU not back yet, network still down) is worth another try.
        console.warn(`[videoconsult] rejoin attempt ${attempt + 1} failed:`, error);
      }
      if (attempt + 1 >= REJOIN_ATTEMPTS) return core.fail('connection_lost', 'The connection to the call was lost.');
    }
  }

  /** Someone was removed: the server rotated the consultation's key; encrypt and decrypt with the new one. */
  rotateKey(data: Record<string, unknown>): void {
    const key = data.e2eeKey;
    if (typeof key !== 'string' || key.length < 16 || key.length > 200) {
      console.warn('[videoconsult] ignoring a key event without a usable key');
      return;
    }
    void this.room?.setKey?.(key).catch((error: unknown) => console.warn('[videoconsult] could not switch to the new key:', error));
  }

  async receivedBytes(): Promise<{ audio: number; video: number }> {
    return (await this.room?.receivedBytes?.()) ?? { audio: 0, video: 0 };
  }

  callAccess(): CallAccess | undefined {
    const grant = this.room?.currentGrant?.();
    const serverUrl = this.core.config.serverUrl;
    return grant && serverUrl ? { serverUrl, ...grant } : undefined;
  }

  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.act((room) => room.setMicrophoneEnabled(enabled), 'microphone_failed', 'The microphone could not be switched.');
  }
  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.act((room) => room.setCameraEnabled(enabled), 'camera_failed', 'The camera could not be switched.');
  }
  setScreenShareEnabled(enabled: boolean): Promise<void> {
    return this.act((room) => room.setScreenShareEnabled(enabled), 'screen_share_failed', 'Screen sharing could not be started.');
  }
  switchDevice(kind: 'audioinput' | 'videoinput' | 'audiooutput', deviceId: string): Promise<void> {
    return this.act((room) => room.switchDevice(kind, deviceId), 'device_switch_failed', 'The device could not be switched.');
  }
  setNoiseSuppression(enabled: boolean): Promise<void> {
    this.effects = { ...this.effects, noiseSuppression: enabled };
    return this.act(
      (room) => room.setNoiseSuppression?.(enabled) ?? Promise.resolve(),
      'effect_failed',
      'Noise suppression could not be switched on this device.',
    );
  }
  setBackgroundBlur(enabled: boolean): Promise<void> {
    // The device check's instance belongs to the track it was handed with; the call's toggles start their own.
    this.effects = { blur: enabled, noiseSuppression: this.effects.noiseSuppression };
    return this.act(
      (room) => room.setBackgroundBlur?.(enabled) ?? Promise.resolve(),
      'effect_failed',
      'Background blur could not be switched on this device.',
    );
  }
  startAudio(): Promise<void> {
    return this.act((room) => room.startAudio(), 'audio_blocked', 'The browser still blocks sound.');
  }

  private async act(action: (room: CallRoom) => Promise<void>, code: string, message: string): Promise<void> {
    const room = this.room;
    if (!room) return;
    try {
      await action(room);
    } catch (error) {
      // A dismissed screen-share picker is a choice, not an error.
      if (error instanceof DOMException && error.name === 'NotAllowedError' && code === 'screen_share_failed') return;
      this.core.store.update({ error: { code, message } });
    }
    this.refresh();
  }

  private queueRefresh(): void {
    if (this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      this.refresh();
    });
  }

  private refresh(): void {
    const room = this.room;
    if (!room || isTerminal(this.core.store.snapshot.state)) return;
    this.core.store.update({
      participants: room.participants(),
      microphoneEnabled: room.microphoneEnabled,
      cameraEnabled: room.cameraEnabled,
      screenShareEnabled: room.screenShareEnabled,
      canScreenShare: room.canScreenShare,
      audioBlocked: room.audioBlocked,
      encrypted: room.encrypted,
      dataTransport: room.dataTransport?.(),
      ...(room.effects ? { effects: room.effects() } : {}),
    });
  }

  /**
   * Leaves the room because the patient was transferred to another consultation: not an end. The session is
   * back to `waiting` first, so the hang-up is not taken for the user leaving; the next admission connects
   * a new room (capturing camera and microphone again if the old room stopped the device check's tracks).
   */
  async leaveForTransfer(): Promise<void> {
    clearTimeout(this.renewal);
    const room = this.room;
    this.room = undefined;
    this.core.store.update({
      participants: [],
      screenShareEnabled: false,
      audioBlocked: false,
      encrypted: false,
      dataTransport: undefined,
    });
    await room?.disconnect().catch((error: unknown) => console.warn('[videoconsult] disconnect failed:', error));
  }

  /** Hangs up, stops the local tracks, stops following the page and clears the call from the snapshot. */
  close(): void {
    this.removePageListeners?.();
    this.removePageListeners = undefined;
    const room = this.room;
    this.room = undefined;
    void room?.disconnect().catch((error: unknown) => console.warn('[videoconsult] disconnect failed:', error));
    for (const track of this.tracks) track.stop();
    this.tracks = [];
    this.core.store.update({
      participants: [],
      microphoneEnabled: false,
      cameraEnabled: false,
      screenShareEnabled: false,
      audioBlocked: false,
      encrypted: false,
      dataTransport: undefined,
    });
  }
}
