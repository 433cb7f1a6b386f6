import type { SessionState } from './types.js';

/** Every allowed transition. Anything else is a bug and is refused loudly. */
const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  idle: ['checking-devices', 'joining-lobby', 'connecting', 'ended', 'failed'],
  'checking-devices': ['joining-lobby', 'connecting', 'ended', 'failed'],
  'joining-lobby': ['waiting', 'ended', 'failed', 'checking-devices'],
  waiting: ['admitted', 'declined', 'ended', 'failed'],
  // Back to `waiting` from the call: a practitioner transferred the patient to another consultation.
  admitted: ['connecting', 'waiting', 'ended', 'failed'],
  connecting: ['in-call', 'waiting', 'ended', 'failed'],
  'in-call': ['reconnecting', 'connecting', 'waiting', 'ended', 'failed'],
  reconnecting: ['in-call', 'connecting', 'waiting', 'ended', 'failed'],
  ended: [],
  declined: [],
  failed: [],
};

export const TERMINAL_STATES: readonly SessionState[] = ['ended', 'declined', 'failed'];
export const CALL_STATES: readonly SessionState[] = ['admitted', 'connecting', 'in-call', 'reconnecting'];

export function canTransition(from: SessionState, to: SessionState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: SessionState): boolean {
  return TERMINAL_STATES.includes(state);
}
