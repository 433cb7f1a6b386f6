import type { SessionRole, SessionSnapshot, SessionState } from './types.js';

/** A session before anything happened. */
export const INITIAL_SNAPSHOT: SessionSnapshot = Object.freeze({
  state: 'idle' as SessionState,
  role: 'patient' as SessionRole,
  messages: [],
  waitingPatients: [],
  participants: [],
  microphoneEnabled: false,
  cameraEnabled: false,
  screenShareEnabled: false,
  canScreenShare: false,
  audioBlocked: false,
  encrypted: false,
});
