/**
 * The whiteboard's data model: what an element, a background and a remote cursor are, and the validation of
 * everything a peer puts into the shared document (nothing incoming is trusted). Free of yjs, so the board's UI
 * can import the types without the sync.
 */
import * as v from 'valibot';
import { packPoints, unpackPoints } from './stroke-points.js';

export type ElementKind = 'pen' | 'highlighter' | 'line' | 'arrow' | 'rect' | 'ellipse' | 'text';
export const ELEMENT_KINDS: readonly ElementKind[] = ['pen', 'highlighter', 'line', 'arrow', 'rect', 'ellipse', 'text'];

/**
 * One thing on the board, in board coordinates. `points` is flat: `[x0, y0, x1, y1, …]` — the stroke for
 * pen and highlighter, start and end for line, arrow, rect and ellipse, the anchor for text. (In the shared
 * document, points that are exact tenths are stored packed: see `stroke-points.ts`.)
 */
export interface BoardElement {
  id: string;
  kind: ElementKind;
  author: string;
  color: string;
  size: number;
  points: number[];
  text?: string;
}

export type NewBoardElement = Omit<BoardElement, 'id' | 'author'>;

/** A shared document behind the drawing: an image or a PDF page uploaded to the token server. */
export interface BoardBackground {
  id: string;
  name: string;
  type: 'image/png' | 'image/jpeg' | 'application/pdf';
  /** 1-based page for PDFs. */
  page: number;
}

export interface RemoteCursor {
  identity: string;
  name: string;
  x: number;
  y: number;
  laser: boolean;
  color: string;
  /** Recent laser positions with their receive time, newest last. */
  trail: Array<{ x: number; y: number; at: number }>;
  at: number;
}

const MAX_POINTS = 20_000;

const COORDINATE_LIMIT = 1e7;
const coordinate = v.pipe(v.number(), v.minValue(-COORDINATE_LIMIT), v.maxValue(COORDINATE_LIMIT));
const colorSchema = v.pipe(v.string(), v.regex(/^#[0-9a-fA-F]{6}$/));
const elementFields = {
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  kind: v.picklist(ELEMENT_KINDS),
  author: v.pipe(v.string(), v.maxLength(256)),
  color: colorSchema,
  size: v.pipe(v.number(), v.minValue(0.5), v.maxValue(200)),
  text: v.optional(v.pipe(v.string(), v.maxLength(2000))),
};
const elementSchema = v.object({ ...elementFields, points: v.pipe(v.array(coordinate), v.minLength(2), v.maxLength(MAX_POINTS)) });
/** As stored when the points are packed: `unpackPoints` checks them (faster than a schema per coordinate). */
const packedElementSchema = v.object({ ...elementFields, points: v.instance(Uint8Array) });
export const backgroundSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,128}$/)),
  name: v.pipe(v.string(), v.maxLength(255)),
  type: v.picklist(['image/png', 'image/jpeg', 'application/pdf']),
  page: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)),
});
export const cursorSchema = v.union([
  v.object({ x: coordinate, y: coordinate, laser: v.boolean(), color: colorSchema }),
  v.object({ hidden: v.literal(true) }),
]);

/** Returns the element if it is well formed, else undefined: whatever a peer put in the document. */
export function validElement(value: unknown): BoardElement | undefined {
  const parsed = v.safeParse(elementSchema, value);
  return parsed.success && parsed.output.points.length % 2 === 0 ? (parsed.output as BoardElement) : undefined;
}

/** An element as read from the document (points packed or not), if well formed. */
export function storedElement(value: unknown): BoardElement | undefined {
  const points = (value as { points?: unknown }).points;
  if (!(points instanceof Uint8Array)) return validElement(value);
  const parsed = v.safeParse(packedElementSchema, value);
  if (!parsed.success) return undefined;
  const unpacked = unpackPoints(points, MAX_POINTS, COORDINATE_LIMIT);
  if (!unpacked || unpacked.length < 2 || unpacked.length % 2 !== 0) return undefined;
  return { ...(parsed.output as Omit<BoardElement, 'points'>), points: unpacked };
}

/** The form an element is stored in: its points packed when that is lossless. */
export function toStored(element: BoardElement): Omit<BoardElement, 'points'> & { points: number[] | Uint8Array } {
  return { ...element, points: packPoints(element.points) ?? element.points };
}
