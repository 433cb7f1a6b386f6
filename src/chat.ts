/**
 * videoconsult/chat: `<vc-chat>`, its events and the chat's session code, for hosts that import them
 * statically (the main entry loads them on demand with `loadChat()`). Importing this module defines
 * `<vc-chat>`.
 */
export { VcChat } from './components/chat/chat.js';
export { VcChatMessageEvent, VcChatSendRequestEvent, VcChatToggleEvent } from './events/chat.js';
export {
  ChatController,
  createHttpUploads,
  isPractitionerPeer,
  MAX_UPLOAD_BYTES,
  UploadError,
  type AttachmentFetcher,
  type ChatAttachment,
  type ChatControllerOptions,
  type ChatMessage,
  type Uploader,
} from './session/chat.js';
