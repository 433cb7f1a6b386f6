import { getStroke } from 'perfect-freehand';
import type { BoardElement, RemoteCursor } from '../../session/whiteboard-sync.js';

/** Board → screen: `screen = board * scale + (x, y)`. */
export interface View {
  x: number;
  y: number;
  scale: number;
}

export const HIGHLIGHTER_ALPHA = 0.35;
const HIGHLIGHTER_WIDTH = 3;

export function fontSize(element: Pick<BoardElement, 'size'>): number {
  return Math.round(12 + element.size * 2);
}

function pairs(points: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i + 1 < points.length; i += 2) out.push([points[i]!, points[i + 1]!]);
  return out;
}

/** A smoothed, pressure-simulated outline of a freehand stroke (perfect-freehand), as a fillable path. */
export function strokePath(element: Pick<BoardElement, 'kind' | 'size' | 'points'>, complete = true): Path2D {
  const highlighter = element.kind === 'highlighter';
  const outline = getStroke(pairs(element.points), {
    size: highlighter ? element.size * HIGHLIGHTER_WIDTH : element.size,
    thinning: highlighter ? 0 : 0.6,
    smoothing: 0.5,
    streamline: 0.5,
    simulatePressure: !highlighter,
    last: complete,
  });
  const path = new Path2D();
  if (outline.length < 2) {
    const [x, y] = [element.points[0] ?? 0, element.points[1] ?? 0];
    path.arc(x, y, element.size / 2, 0, Math.PI * 2);
    return path;
  }
  // Quadratic curves through the midpoints of the outline: smooth without overshooting.
  path.moveTo(outline[0]![0]!, outline[0]![1]!);
  for (let i = 0; i < outline.length; i++) {
    const [x0, y0] = outline[i]!;
    const [x1, y1] = outline[(i + 1) % outline.length]!;
    path.quadraticCurveTo(x0!, y0!, (x0! + x1!) / 2, (y0! + y1!) / 2);
  }
  path.closePath();
  return path;
}

const pathCache = new Map<string, Path2D>();

function cachedStrokePath(element: BoardElement): Path2D {
  let path = pathCache.get(element.id);
  if (!path) {
    path = strokePath(element);
    if (pathCache.size > 5000) pathCache.clear();
    pathCache.set(element.id, path);
  }
  return path;
}

/** Draws one element in board coordinates (the caller sets the view transform). */
export function drawElement(ctx: CanvasRenderingContext2D, element: BoardElement, draft = false): void {
  ctx.save();
  ctx.fillStyle = element.color;
  ctx.strokeStyle = element.color;
  ctx.lineWidth = element.size;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const [x1, y1, x2 = x1!, y2 = y1!] = element.points as [number, number, number?, number?];
  switch (element.kind) {
    case 'pen':
      ctx.fill(draft ? strokePath(element, false) : cachedStrokePath(element));
      break;
    case 'highlighter':
      ctx.globalAlpha = HIGHLIGHTER_ALPHA;
      ctx.fill(draft ? strokePath(element, false) : cachedStrokePath(element));
      break;
    case 'line':
    case 'arrow': {
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
      if (element.kind === 'arrow') {
        const angle = Math.atan2(y2 - y1, x2 - x1);
        const head = Math.max(10, element.size * 3);
        ctx.moveTo(x2, y2);
        ctx.lineTo(x2 - head * Math.cos(angle - Math.PI / 7), y2 - head * Math.sin(angle - Math.PI / 7));
        ctx.moveTo(x2, y2);
        ctx.lineTo(x2 - head * Math.cos(angle + Math.PI / 7), y2 - head * Math.sin(angle + Math.PI / 7));
      }
      ctx.stroke();
      break;
    }
    case 'rect':
      ctx.strokeRect(Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1));
      break;
    case 'ellipse':
      ctx.beginPath();
      ctx.ellipse((x1 + x2) / 2, (y1 + y2) / 2, Math.abs(x2 - x1) / 2, Math.abs(y2 - y1) / 2, 0, 0, Math.PI * 2);
      ctx.stroke();
      break;
    case 'text': {
      const size = fontSize(element);
      ctx.font = `${size}px system-ui, sans-serif`;
      ctx.textBaseline = 'top';
      // fillText draws glyphs only: a peer's text can never become markup.
      (element.text ?? '').split('\n').forEach((line, i) => ctx.fillText(line, x1, y1 + i * size * 1.25));
      break;
    }
  }
  ctx.restore();
}

/** Cursors and laser trails, in screen coordinates. */
export function drawCursors(ctx: CanvasRenderingContext2D, cursors: readonly RemoteCursor[], view: View, now: number): void {
  for (const cursor of cursors) {
    const sx = cursor.x * view.scale + view.x;
    const sy = cursor.y * view.scale + view.y;
    ctx.save();
    if (cursor.laser) {
      for (const point of cursor.trail) {
        const age = (now - point.at) / 1000;
        if (age > 1) continue;
        ctx.globalAlpha = Math.max(0, 1 - age);
        ctx.fillStyle = '#ef4444';
        ctx.beginPath();
        ctx.arc(point.x * view.scale + view.x, point.y * view.scale + view.y, 4, 0, Math.PI * 2);
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      ctx.fillStyle = '#ef4444';
      ctx.shadowColor = '#ef4444';
      ctx.shadowBlur = 12;
      ctx.beginPath();
      ctx.arc(sx, sy, 6, 0, Math.PI * 2);
      ctx.fill();
      ctx.shadowBlur = 0;
    } else {
      ctx.fillStyle = cursor.color;
      ctx.beginPath();
      ctx.moveTo(sx, sy);
      ctx.lineTo(sx + 12, sy + 5);
      ctx.lineTo(sx + 5, sy + 12);
      ctx.closePath();
      ctx.fill();
    }
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    const label = cursor.name.slice(0, 40);
    const width = ctx.measureText(label).width + 8;
    ctx.fillStyle = 'rgba(17, 24, 39, 0.85)';
    ctx.fillRect(sx + 12, sy + 12, width, 18);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(label, sx + 16, sy + 15);
    ctx.restore();
  }
}

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Whether a point (board coordinates) within `radius` touches the element: what the eraser removes. */
export function hitTest(element: BoardElement, x: number, y: number, radius: number): boolean {
  const p = element.points;
  const reach = radius + element.size / 2;
  const [x1, y1, x2 = x1!, y2 = y1!] = p as [number, number, number?, number?];
  switch (element.kind) {
    case 'pen':
    case 'highlighter': {
      const extra = element.kind === 'highlighter' ? (element.size * HIGHLIGHTER_WIDTH) / 2 : 0;
      if (p.length === 2) return Math.hypot(x - x1, y - y1) <= reach + extra;
      for (let i = 0; i + 3 < p.length; i += 2) {
        if (distanceToSegment(x, y, p[i]!, p[i + 1]!, p[i + 2]!, p[i + 3]!) <= reach + extra) return true;
      }
      return false;
    }
    case 'line':
    case 'arrow':
      return distanceToSegment(x, y, x1, y1, x2, y2) <= reach;
    case 'rect': {
      const [l, r, t, b] = [Math.min(x1, x2), Math.max(x1, x2), Math.min(y1, y2), Math.max(y1, y2)];
      return (
        distanceToSegment(x, y, l, t, r, t) <= reach ||
        distanceToSegment(x, y, r, t, r, b) <= reach ||
        distanceToSegment(x, y, r, b, l, b) <= reach ||
        distanceToSegment(x, y, l, b, l, t) <= reach
      );
    }
    case 'ellipse': {
      const rx = Math.abs(x2 - x1) / 2;
      const ry = Math.abs(y2 - y1) / 2;
      const cx = (x1 + x2) / 2;
      const cy = (y1 + y2) / 2;
      if (rx < 1 || ry < 1) return Math.hypot(x - cx, y - cy) <= reach + Math.max(rx, ry);
      // Distance along the ray from the centre, compared with the ellipse's radius in that direction.
      const angle = Math.atan2(y - cy, x - cx);
      const edge = (rx * ry) / Math.hypot(ry * Math.cos(angle), rx * Math.sin(angle));
      return Math.abs(Math.hypot(x - cx, y - cy) - edge) <= reach;
    }
    case 'text': {
      const size = fontSize(element);
      const lines = (element.text ?? '').split('\n');
      const width = Math.max(...lines.map((line) => line.length)) * size * 0.6;
      const height = lines.length * size * 1.25;
      return x >= x1 - radius && x <= x1 + width + radius && y >= y1 - radius && y <= y1 + height + radius;
    }
  }
}

/** Bounding box of the elements (board coordinates), or undefined for an empty board. */
export function bounds(elements: readonly BoardElement[]): { left: number; top: number; right: number; bottom: number } | undefined {
  let box: { left: number; top: number; right: number; bottom: number } | undefined;
  for (const element of elements) {
    const pad = element.kind === 'highlighter' ? element.size * HIGHLIGHTER_WIDTH : element.size;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i + 1 < element.points.length; i += 2) {
      xs.push(element.points[i]!);
      ys.push(element.points[i + 1]!);
    }
    let right = Math.max(...xs) + pad;
    let bottom = Math.max(...ys) + pad;
    if (element.kind === 'text') {
      const size = fontSize(element);
      const lines = (element.text ?? '').split('\n');
      right = xs[0]! + Math.max(...lines.map((l) => l.length)) * size * 0.6 + pad;
      bottom = ys[0]! + lines.length * size * 1.25 + pad;
    }
    const left = Math.min(...xs) - pad;
    const top = Math.min(...ys) - pad;
    box = box
      ? {
          left: Math.min(box.left, left),
          top: Math.min(box.top, top),
          right: Math.max(box.right, right),
          bottom: Math.max(box.bottom, bottom),
        }
      : { left, top, right, bottom };
  }
  return box;
}
