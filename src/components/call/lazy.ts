let loading: Promise<typeof import('./call.js').VcCall> | undefined;

/**
 * Loads and defines `<vc-call>` on first use: the call UI is not part of the first load. `<vc-consultation>`
 * calls this while the patient waits (and for a practitioner once the page is idle), so it is there by the time
 * the call starts; livekit-client loads beside it (`ConsultationSession.preloadCall()`). Call it yourself when you
 * place `<vc-call>` beside your own `ConsultationSession`. Safe to call repeatedly.
 */
export function loadCall(): Promise<typeof import('./call.js').VcCall> {
  loading ??= import('./call.js').then((module) => module.VcCall);
  loading.catch(() => (loading = undefined));
  return loading;
}
