export { ConsultationSession } from './consultation-session.js';
export type { SessionConfig, StateChangeDetail } from './session-config.js';
export { parseGrant, resolvePractitionerGrant } from './grant.js';
export { LobbyStream, type LobbyStreamOptions } from './lobby-client.js';
export { SseParser, type SseEvent } from './sse.js';
export { ApiRequestError } from './http.js';
export { canTransition, isTerminal, CALL_STATES, TERMINAL_STATES } from './state-machine.js';
export type { CallRoom, CallRoomCallbacks, CallRoomFactory, CallRoomOptions, CallDisconnectReason, ReceivedBytes } from './call-room.js';
export * from './types.js';
