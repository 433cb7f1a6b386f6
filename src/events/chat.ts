import type { ChatAttachment, ChatMessage } from '../session/chat.js';

/** Cancelable: a message is about to be sent. `preventDefault()` vetoes it. */
export class VcChatSendRequestEvent extends CustomEvent<{ text: string; attachment?: ChatAttachment }> {
  constructor(detail: { text: string; attachment?: ChatAttachment }) {
    super('vc-chat-send-request', { bubbles: true, composed: true, cancelable: true, detail });
  }
}

/** The user collapsed or expanded the chat. */
export class VcChatToggleEvent extends CustomEvent<{ collapsed: boolean }> {
  constructor(detail: { collapsed: boolean }) {
    super('vc-chat-toggle', { bubbles: true, composed: true, detail });
  }
}

/** A message from someone else arrived (live or as history). */
export class VcChatMessageEvent extends CustomEvent<{ message: ChatMessage }> {
  constructor(detail: { message: ChatMessage }) {
    super('vc-chat-message', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface HTMLElementEventMap {
    'vc-chat-send-request': VcChatSendRequestEvent;
    'vc-chat-message': VcChatMessageEvent;
    'vc-chat-toggle': VcChatToggleEvent;
  }
}
