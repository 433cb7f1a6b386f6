/**
 * videoconsult: embeddable video consultations. Importing this module defines the elements of the first load
 * (safe to load twice) and exports the session core, types and events. `<vc-call>` (with livekit-client) loads
 * on demand with `loadCall()`, which `<vc-consultation>` does while the patient waits. `<vc-whiteboard>` is loaded on demand
 * with `loadWhiteboard()` so calls that never open it never download it; `<vc-chat>` and the chat's controller
 * with `loadChat()` (`<vc-consultation>` does that while the patient waits), or statically from
 * `videoconsult/chat`.
 */
// The call UI loads on demand (`loadCall()`; `<vc-consultation>` does that while the patient waits).
export type { VcCall } from './components/call/call.js';
import { loadCall } from './components/call/lazy.js';
export { loadCall } from './components/call/lazy.js';
// The chat loads on demand (`loadChat()`, or the `videoconsult/chat` entry for a static import).
export type { VcChat } from './components/chat/chat.js';
import { loadChat } from './components/chat/lazy.js';
export { loadChat } from './components/chat/lazy.js';
export { VcConsultation } from './components/consultation/consultation.js';
export { VcDeviceCheck } from './components/device-check/device-check.js';
export { VcConnectionTest } from './components/device-check/connection-test.js';
export { VcWaitingRoom } from './components/waiting-room/waiting-room.js';
import { loadWhiteboard } from './components/whiteboard/lazy.js';
export { loadWhiteboard, loadWhiteboardSync, watchWhiteboard } from './components/whiteboard/lazy.js';
export { Collaboration, collaborationFor } from './session/collaboration.js';
export * from './events/index.js';
export * from './session/index.js';
export type { ChatAttachment, ChatController, ChatControllerOptions, ChatMessage, Uploader, UploadError } from './session/chat.js';
export { createLivekitTransport, type DataTransport, type TransportPeer } from './session/data-transport.js';
export { sessionContext } from './controllers/session-controller.js';
export { SUPPORTED_LOCALES, type LabelOverrides } from './controllers/localize.js';
export { THEMES, type ThemeName } from './themes/themes.js';

// A page that declares <vc-call>, <vc-whiteboard> or <vc-chat> in its markup gets it without calling the loader.
if (typeof document !== 'undefined' && document.querySelector('vc-call')) void loadCall();
if (typeof document !== 'undefined' && document.querySelector('vc-whiteboard')) void loadWhiteboard();
if (typeof document !== 'undefined' && document.querySelector('vc-chat')) void loadChat();
