import { TOPICS, type DataTransport, type Unsubscribe } from '../../session/data-transport.js';
import type { VcWhiteboard } from './whiteboard.js';

let loading: Promise<typeof VcWhiteboard> | undefined;

/**
 * Loads and defines `<vc-whiteboard>` on first use, so a call that never opens the board never downloads it
 * (nor perfect-freehand, nor pdf.js, which the board itself only imports for PDFs). Safe to call repeatedly.
 */
export function loadWhiteboard(): Promise<typeof VcWhiteboard> {
  loading ??= import('./whiteboard.js').then((module) => module.VcWhiteboard);
  loading.catch(() => (loading = undefined));
  return loading;
}

/** The Yjs-based sync (and yjs itself), also only when the board is first opened. */
export function loadWhiteboardSync(): Promise<typeof import('../../session/whiteboard-sync.js')> {
  return import('../../session/whiteboard-sync.js');
}

/**
 * Calls `onActive` once, when another participant opens or draws on the board (any whiteboard packet), so
 * the host can load the board and show it too. Costs nothing but a topic listener; the packet that woke it
 * up is not lost: a `WhiteboardSync` created afterwards asks its peers for the whole state.
 */
export function watchWhiteboard(transport: DataTransport, onActive: (by: { identity: string; name: string }) => void): Unsubscribe {
  let done = false;
  const unsubscribe = transport.onBytes(TOPICS.whiteboard, (_bytes, from) => {
    if (done) return;
    done = true;
    // After this delivery: unsubscribing inside the handler must not disturb the other listeners.
    queueMicrotask(unsubscribe);
    onActive(from);
  });
  return () => {
    done = true;
    unsubscribe();
  };
}
