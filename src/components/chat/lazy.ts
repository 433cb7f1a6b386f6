import type { VcChat } from './chat.js';

let loading: Promise<typeof VcChat> | undefined;

/**
 * Loads and defines `<vc-chat>` (with the chat's message handling and validation) on first use. The embed's
 * first load does not include it: `<vc-consultation>` calls this while the patient waits, so it is there by
 * the time the call starts. Call it yourself (or `import 'videoconsult/chat'`) when you place `<vc-chat>`
 * beside your own `ConsultationSession`. Safe to call repeatedly.
 */
export function loadChat(): Promise<typeof VcChat> {
  loading ??= import('./chat.js').then((module) => module.VcChat);
  loading.catch(() => (loading = undefined));
  return loading;
}
