export { watchWhiteboard } from '../../session/collaboration.js';
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
