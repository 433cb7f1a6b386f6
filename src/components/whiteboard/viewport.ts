// The board's viewport as pure functions: board → screen is `screen = board * scale + (x, y)`.
import type { View } from './render.js';

export type { View };

export const MIN_SCALE = 0.1;
export const MAX_SCALE = 8;
/** How far one arrow key moves the view, in screen pixels. */
export const KEY_STEP = 40;
export const INITIAL_VIEW: Readonly<View> = { x: 0, y: 0, scale: 1 };

/** Zooms by `factor` (clamped to MIN_SCALE…MAX_SCALE), keeping the screen point (cx, cy) where it is. */
export function zoomAround(view: View, factor: number, cx: number, cy: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const k = scale / view.scale;
  return { scale, x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k };
}

export function panBy(view: View, dx: number, dy: number): View {
  return { ...view, x: view.x + dx, y: view.y + dy };
}

export function toBoard(view: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - view.x) / view.scale, y: (sy - view.y) / view.scale };
}

export function toScreen(view: View, x: number, y: number): { x: number; y: number } {
  return { x: x * view.scale + view.x, y: y * view.scale + view.y };
}

/**
 * The view after a key on the focused board: arrows move it, + / = and - zoom around `center`, 0 resets.
 * Undefined for any other key (the event is then not the board's).
 */
export function viewForKey(view: View, key: string, center: { x: number; y: number }): View | undefined {
  const moves: Record<string, [number, number]> = {
    ArrowLeft: [KEY_STEP, 0],
    ArrowRight: [-KEY_STEP, 0],
    ArrowUp: [0, KEY_STEP],
    ArrowDown: [0, -KEY_STEP],
  };
  const move = moves[key];
  if (move) return panBy(view, move[0], move[1]);
  if (key === '+' || key === '=') return zoomAround(view, 1.25, center.x, center.y);
  if (key === '-') return zoomAround(view, 0.8, center.x, center.y);
  if (key === '0') return { ...INITIAL_VIEW };
  return undefined;
}

/** A wheel turn scrolls the board; with Ctrl or ⌘ (and pinch, which browsers report so) it zooms around `at`. */
export function viewForWheel(
  view: View,
  wheel: { deltaX: number; deltaY: number; ctrlKey: boolean; metaKey: boolean },
  at: { x: number; y: number },
): View {
  if (wheel.ctrlKey || wheel.metaKey) return zoomAround(view, Math.exp(-wheel.deltaY / 300), at.x, at.y);
  return panBy(view, -wheel.deltaX, -wheel.deltaY);
}
