/**
 * videoconsult: embeddable video consultations. Importing this module defines every element
 * (safe to load twice) and exports the session core, types and events. `<vc-whiteboard>` is loaded on demand
 * with `loadWhiteboard()` so calls that never open it never download it.
 */
export { VcCall } from './components/call/call.js';
export { VcChat, VcChatMessageEvent, VcChatSendRequestEvent, VcChatToggleEvent } from './components/chat/chat.js';
export { VcConsultation } from './components/consultation/consultation.js';
export { VcDeviceCheck } from './components/device-check/device-check.js';
export { VcWaitingRoom } from './components/waiting-room/waiting-room.js';
import { loadWhiteboard } from './components/whiteboard/lazy.js';
export { loadWhiteboard, loadWhiteboardSync, watchWhiteboard } from './components/whiteboard/lazy.js';
export { Collaboration, collaborationFor } from './session/collaboration.js';
export * from './events/index.js';
export * from './session/index.js';
export {
  ChatController,
  createHttpUploads,
  isPractitionerPeer,
  MAX_UPLOAD_BYTES,
  UploadError,
  type ChatAttachment,
  type ChatControllerOptions,
  type ChatMessage,
  type Uploader,
} from './session/chat.js';
export { createLivekitTransport, type DataTransport, type TransportPeer } from './session/data-transport.js';
export { sessionContext } from './controllers/session-controller.js';
export { SUPPORTED_LOCALES } from './controllers/localize.js';
export { THEMES, type ThemeName } from './themes/themes.js';

// A page that declares <vc-whiteboard> in its markup gets it without calling loadWhiteboard() itself.
if (typeof document !== 'undefined' && document.querySelector('vc-whiteboard')) void loadWhiteboard();
