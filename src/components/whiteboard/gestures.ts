// Pointer gestures on the board as pure state transitions: the element feeds pointer samples in board
// coordinates and applies what comes out (a new view, an element to add, elements to remove).
import type { BoardElement, ElementKind, NewBoardElement } from '../../session/whiteboard-sync.js';
import { hitTest } from './render.js';
import type { View } from './viewport.js';

export type WhiteboardTool = 'pen' | 'highlighter' | 'eraser' | 'line' | 'arrow' | 'rect' | 'ellipse' | 'text' | 'pan' | 'laser';
export const WHITEBOARD_TOOLS: readonly WhiteboardTool[] = [
  'pen',
  'highlighter',
  'eraser',
  'line',
  'arrow',
  'rect',
  'ellipse',
  'text',
  'pan',
  'laser',
];

const DRAW_KINDS: readonly ElementKind[] = ['pen', 'highlighter', 'line', 'arrow', 'rect', 'ellipse'];
/** A freehand stroke keeps at most this many coordinates (the sync's limit is 20 000). */
const MAX_STROKE_COORDINATES = 19_998;

export type Gesture =
  | { type: 'draw'; pointerId: number; element: NewBoardElement }
  | { type: 'erase'; pointerId: number; ids: Set<string>; last?: { x: number; y: number } }
  | { type: 'pan'; pointerId: number; startX: number; startY: number; view: View };

/** One pointer event: board coordinates plus the client coordinates a pan needs. */
export interface PointerSample {
  pointerId: number;
  x: number;
  y: number;
  clientX: number;
  clientY: number;
}

/** Board coordinates are stored to 0.1 units: finer is invisible and costs bytes on the wire. */
export function roundCoordinate(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * What a pointer press starts with `tool`: a gesture, or (text tool) the board point where a text goes.
 * The laser starts nothing: it only moves the cursor.
 */
export function beginGesture(
  tool: WhiteboardTool,
  sample: PointerSample,
  style: { color: string; size: number },
  view: View,
): { gesture?: Gesture; textAt?: { x: number; y: number } } {
  const { pointerId } = sample;
  const [x, y] = [roundCoordinate(sample.x), roundCoordinate(sample.y)];
  if (tool === 'pan') return { gesture: { type: 'pan', pointerId, startX: sample.clientX, startY: sample.clientY, view: { ...view } } };
  if (tool === 'pen' || tool === 'highlighter')
    return { gesture: { type: 'draw', pointerId, element: { kind: tool, ...style, points: [x, y] } } };
  if (DRAW_KINDS.includes(tool as ElementKind)) {
    return { gesture: { type: 'draw', pointerId, element: { kind: tool as ElementKind, ...style, points: [x, y, x, y] } } };
  }
  if (tool === 'eraser') return { gesture: { type: 'erase', pointerId, ids: new Set() } };
  if (tool === 'text') return { textAt: { x: sample.x, y: sample.y } };
  return {};
}

/**
 * Moves the gesture to `sample`. A pan returns the new view; drawing and erasing change the gesture in place
 * (a stroke gains a point once the pointer moved a screen pixel; a shape's second corner follows the pointer).
 */
export function continueGesture(
  gesture: Gesture,
  sample: PointerSample,
  view: View,
  erase: { elements: readonly BoardElement[]; radius: number },
): View | undefined {
  if (gesture.type === 'pan') {
    return { ...gesture.view, x: gesture.view.x + sample.clientX - gesture.startX, y: gesture.view.y + sample.clientY - gesture.startY };
  }
  if (gesture.type === 'erase') {
    eraseAlong(gesture, sample, erase.elements, erase.radius);
    return undefined;
  }
  const points = gesture.element.points;
  if (gesture.element.kind === 'pen' || gesture.element.kind === 'highlighter') {
    const [lx, ly] = [points[points.length - 2]!, points[points.length - 1]!];
    if (Math.hypot(sample.x - lx, sample.y - ly) * view.scale >= 1 && points.length < MAX_STROKE_COORDINATES) {
      points.push(roundCoordinate(sample.x), roundCoordinate(sample.y));
    }
  } else {
    points.splice(2, 2, roundCoordinate(sample.x), roundCoordinate(sample.y));
  }
  return undefined;
}

/** Erases along the segment from the previous pointer position, so a fast swipe misses nothing. */
export function eraseAlong(
  gesture: Extract<Gesture, { type: 'erase' }>,
  p: { x: number; y: number },
  elements: readonly BoardElement[],
  radius: number,
): void {
  const from = gesture.last ?? p;
  const steps = Math.min(200, Math.max(1, Math.ceil(Math.hypot(p.x - from.x, p.y - from.y) / radius)));
  for (let i = 1; i <= steps; i++) {
    const x = from.x + ((p.x - from.x) * i) / steps;
    const y = from.y + ((p.y - from.y) * i) / steps;
    for (const element of elements) if (!gesture.ids.has(element.id) && hitTest(element, x, y, radius)) gesture.ids.add(element.id);
  }
  gesture.last = { x: p.x, y: p.y };
}

/** The eraser's reach in board units: the stroke size (at least 4) on screen, whatever the zoom. */
export function eraserRadius(size: number, view: View): number {
  return Math.max(4, size) / view.scale;
}

/** What a released gesture changes: an element to add (a shape of zero size adds nothing), elements to remove. */
export function finishGesture(gesture: Gesture): { add?: NewBoardElement; remove?: Set<string> } {
  if (gesture.type === 'draw') {
    const [x1, y1, x2, y2] = gesture.element.points;
    const degenerate = gesture.element.points.length === 4 && gesture.element.kind !== 'pen' && x1 === x2 && y1 === y2;
    return degenerate ? {} : { add: gesture.element };
  }
  if (gesture.type === 'erase' && gesture.ids.size > 0) return { remove: gesture.ids };
  return {};
}
