import type { DeviceCheckResult, EffectsChoice, EndReason, SessionState } from '../session/types.js';

const init = <T>(detail: T, cancelable = false): CustomEventInit<T> => ({ bubbles: true, composed: true, cancelable, detail });

export interface VcErrorDetail {
  /** Stable, snake_case; safe to branch on. */
  code: string;
  /** A sentence for people (English); not meant for branching. */
  message: string;
}

/** Something went wrong: a refused request, a lost connection or an invalid attribute. */
export class VcErrorEvent extends CustomEvent<VcErrorDetail> {
  constructor(detail: VcErrorDetail) {
    super('vc-error', init(detail));
  }

  /** Same as `detail.code`. */
  get code(): string {
    return this.detail.code;
  }

  /** Same as `detail.message`. */
  get message(): string {
    return this.detail.message;
  }
}

/** The patient is in the waiting room. */
export class VcWaitingEvent extends CustomEvent<{ position?: number }> {
  constructor(detail: { position?: number }) {
    super('vc-waiting', init(detail));
  }
}

/** The practitioner admitted the patient; the call is being connected. */
export class VcAdmittedEvent extends CustomEvent<Record<string, never>> {
  constructor() {
    super('vc-admitted', init({}));
  }
}

/** The local participant is in the call. */
export class VcJoinedEvent extends CustomEvent<Record<string, never>> {
  constructor() {
    super('vc-joined', init({}));
  }
}

/** The local participant left (by their own choice). */
export class VcLeftEvent extends CustomEvent<Record<string, never>> {
  constructor() {
    super('vc-left', init({}));
  }
}

/** The consultation is over for this page. */
export class VcEndedEvent extends CustomEvent<{ reason: EndReason }> {
  constructor(detail: { reason: EndReason }) {
    super('vc-ended', init(detail));
  }
}

/** The practitioner declined the waiting patient. */
export class VcDeclinedEvent extends CustomEvent<{ reason?: string }> {
  constructor(detail: { reason?: string }) {
    super('vc-declined', init(detail));
  }
}

/** Every session state change; handy for host pages and tests. */
export class VcStateChangeEvent extends CustomEvent<{ state: SessionState; previous: SessionState }> {
  constructor(detail: { state: SessionState; previous: SessionState }) {
    super('vc-state-change', init(detail));
  }
}

/** Cancelable: the user asked to leave. `preventDefault()` keeps them in. */
export class VcLeaveRequestEvent extends CustomEvent<Record<string, never>> {
  constructor() {
    super('vc-leave-request', init({}, true));
  }
}

/** Cancelable: the practitioner asked to end the consultation for everyone. */
export class VcEndRequestEvent extends CustomEvent<Record<string, never>> {
  constructor() {
    super('vc-end-request', init({}, true));
  }
}

/** The device check finished. `tracks` are handed over live: the receiver owns (and must stop) them. */
export interface DeviceCheckHandover {
  result: DeviceCheckResult;
  /** The live camera and microphone tracks (the receiver owns and must stop them). */
  tracks: MediaStreamTrack[];
  /** Blur and noise suppression as chosen; `blurProcessor` runs on the camera track (its output is the preview). */
  effects?: EffectsChoice;
}

export class VcDeviceCheckCompleteEvent extends CustomEvent<DeviceCheckHandover> {
  constructor(detail: DeviceCheckHandover) {
    super('vc-device-check-complete', init(detail));
  }
}

/** The patient filled in the access code and name. */
export class VcJoinSubmitEvent extends CustomEvent<{ code: string; name: string }> {
  constructor(detail: { code: string; name: string }) {
    super('vc-join-submit', init(detail, true));
  }
}

declare global {
  interface HTMLElementEventMap {
    'vc-error': VcErrorEvent;
    'vc-waiting': VcWaitingEvent;
    'vc-admitted': VcAdmittedEvent;
    'vc-joined': VcJoinedEvent;
    'vc-left': VcLeftEvent;
    'vc-ended': VcEndedEvent;
    'vc-declined': VcDeclinedEvent;
    'vc-state-change': VcStateChangeEvent;
    'vc-leave-request': VcLeaveRequestEvent;
    'vc-end-request': VcEndRequestEvent;
    'vc-device-check-complete': VcDeviceCheckCompleteEvent;
    'vc-join-submit': VcJoinSubmitEvent;
  }
}
