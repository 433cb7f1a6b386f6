import type { BoardElement } from '../../session/whiteboard-sync.js';
import { bounds, drawElement } from './render.js';

/** Canvas limit per side: larger boards are cut rather than failing to export at all. */
const MAX_SIDE = 8192;
const MARGIN = 16;

/**
 * The whole board as a PNG: every element and the document background, on white, with a margin. It is made
 * here and stays on this device unless the caller sends it.
 */
export function boardToPng(
  elements: readonly BoardElement[],
  background?: { source: CanvasImageSource; width: number; height: number },
): Promise<Blob> {
  const box = bounds(elements);
  const left = Math.min(box?.left ?? 0, 0);
  const top = Math.min(box?.top ?? 0, 0);
  const right = Math.max(box?.right ?? 0, background?.width ?? 0, left + 1);
  const bottom = Math.max(box?.bottom ?? 0, background?.height ?? 0, top + 1);
  const canvas = document.createElement('canvas');
  canvas.width = Math.min(MAX_SIDE, Math.ceil(right - left + 2 * MARGIN));
  canvas.height = Math.min(MAX_SIDE, Math.ceil(bottom - top + 2 * MARGIN));
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.translate(MARGIN - left, MARGIN - top);
  if (background) ctx.drawImage(background.source, 0, 0, background.width, background.height);
  for (const element of elements) drawElement(ctx, element);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG export failed'))), 'image/png'),
  );
}

/** A file name for now, e.g. `whiteboard-2026-11-29-15-20.png`. */
export function exportFileName(now = new Date()): string {
  return `whiteboard-${now.toISOString().slice(0, 16).replace(/[:T]/g, '-')}.png`;
}
