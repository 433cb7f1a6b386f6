/**
 * videoconsult: embeddable video consultations. Importing this module defines every element
 * (safe to load twice) and exports the session core, types and events.
 */
export { VcCall } from './components/call/call.js';
export { VcConsultation } from './components/consultation/consultation.js';
export { VcDeviceCheck } from './components/device-check/device-check.js';
export { VcWaitingRoom } from './components/waiting-room/waiting-room.js';
export * from './events/index.js';
export * from './session/index.js';
export { sessionContext } from './controllers/session-controller.js';
export { SUPPORTED_LOCALES } from './controllers/localize.js';
export { THEMES, type ThemeName } from './themes/themes.js';
