import type { CallRoomFactory } from './call-room.js';
import type { FetchLike } from './http.js';
import type { GrantInput, SessionRole, SessionSnapshot, SessionState } from './types.js';

export interface SessionConfig {
  /** Base URL of the token server, e.g. `https://consult.example.com`. */
  serverUrl?: string;
  role?: SessionRole;
  /** The SFU URL; lets the session warm up the media connection while the patient waits. */
  livekitUrl?: string;
  /** Practitioner token (minted by the integrator API) for the queue and `/v1/practitioner/*`. */
  practitionerToken?: string;
  /** Practitioner grant from the host page: a JSON `Admission` or a bare LiveKit token. */
  grant?: GrantInput;
  /** Called whenever a fresh practitioner grant is needed (first join and after a lost connection). */
  getGrant?: () => Promise<GrantInput>;
  fetch?: FetchLike;
  createCallRoom?: CallRoomFactory;
  /** Starts livekit-client's E2EE worker (default: `./livekit-e2ee-worker.mjs` beside the bundle). */
  createE2EEWorker?: () => Worker | Promise<Worker>;
  lobbyBackoff?: readonly number[];
  /**
   * Keep what a reload needs in sessionStorage (this tab only, removed when the consultation ends or the tab
   * closes) so `resume()` can return after a reload. Patient: the waiting-room ticket; default true, false
   * stores nothing. Practitioner: the practitioner token, so the call resumes without the host passing it
   * again; default false (a bearer token in the tab's storage is the host's call to make).
   */
  resumeOnReload?: boolean;
  /** Patient: run the real connection test against the SFU while waiting (default true). */
  connectionTest?: boolean;
}

export interface StateChangeDetail {
  state: SessionState;
  previous: SessionState;
  snapshot: SessionSnapshot;
}
