/**
 * A User Timing mark, `videoconsult:<name>`: DevTools' Performance panel (and the join-speed benchmark) show
 * where a join spends its time. Names only, nothing identifying. Diagnostics never break a call.
 */
export function mark(name: string): void {
  try {
    globalThis.performance?.mark?.(`videoconsult:${name}`);
  } catch {
    /* no User Timing here */
  }
}
