type ChatModule = typeof import('../../chat.js');

let loading: Promise<ChatModule> | undefined;

/**
 * Loads the chat on first use and defines `<vc-chat>`; resolves to the `videoconsult/chat` module, so a page
 * that loads the single-file bundle still reaches `VcChat`, `ChatController`, `UploadError` and the chat's
 * events: `const { ChatController } = await loadChat()`. The embed's first load does not include the chat:
 * `<vc-consultation>` calls this while the patient waits, so it is there by the time the call starts. Call it
 * yourself when you place `<vc-chat>` beside your own `ConsultationSession`. Safe to call repeatedly.
 */
export function loadChat(): Promise<ChatModule> {
  loading ??= import('../../chat.js');
  loading.catch(() => (loading = undefined));
  return loading;
}
