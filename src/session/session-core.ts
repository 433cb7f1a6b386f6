/**
 * What the facade (`ConsultationSession`) hands its slices: the one snapshot store, the configuration and the
 * session-wide moves (state transitions, ending, failing). Slices never call each other's internals directly;
 * the facade wires what one needs from another.
 */
import type { FetchLike } from './http.js';
import type { SessionConfig } from './session-config.js';
import type { SnapshotStore } from './store.js';
import type { EndReason, SessionSnapshot, SessionState } from './types.js';

export interface SessionCore {
  readonly store: SnapshotStore<SessionSnapshot>;
  readonly config: SessionConfig;
  readonly fetch: FetchLike;
  transition(to: SessionState): void;
  /** Ends the consultation for this page (`ended` state with a reason). */
  finish(reason: EndReason): void;
  /** Ends with an error (`failed` state). */
  fail(code: string, message: string): void;
  /** The practitioner declined this waiting patient (`declined` state). */
  decline(reason: string | undefined): void;
}
