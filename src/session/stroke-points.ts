/**
 * Compact storage for an element's flat `[x0, y0, x1, y1, …]` coordinates in the shared document.
 *
 * A plain number array costs Yjs 9 bytes per coordinate (a float64 each: tenths such as 123.4 are not float32
 * values), so a 60-point pen stroke was ~1 KB and a 1,000-stroke board ~1 MB to encode, send and decode for
 * every late joiner. The UI rounds to tenths of a board unit, so the points are stored instead as one byte
 * string: a format byte, then each coordinate in tenths as the zig-zag varint of its difference from the
 * previous x (or y). Neighbouring pen samples differ by a few units: usually one or two bytes per coordinate.
 *
 * Packing is lossless or not done: coordinates that are not exact tenths stay a number array, and readers
 * accept both.
 */

const FORMAT_TENTHS = 1;
/** Varints longer than this cannot come from a valid coordinate (|Δ| ≤ 2e8 tenths needs 29 bits). */
const MAX_VARINT_BYTES = 5;

/** The packed form of `points`, or undefined if it would lose precision (then store the array as is). */
export function packPoints(points: readonly number[]): Uint8Array | undefined {
  const out = new Uint8Array(1 + points.length * MAX_VARINT_BYTES);
  out[0] = FORMAT_TENTHS;
  let length = 1;
  const previous = [0, 0];
  for (let i = 0; i < points.length; i++) {
    const value = points[i]!;
    const tenths = Math.round(value * 10);
    if (tenths / 10 !== value || !Number.isSafeInteger(tenths)) return undefined;
    const delta = tenths - previous[i & 1]!;
    previous[i & 1] = tenths;
    // Zig-zag (sign in the lowest bit) with arithmetic, not bit operators: deltas may exceed 31 bits in theory.
    let rest = delta >= 0 ? delta * 2 : -delta * 2 - 1;
    if (rest >= 2 ** 35) return undefined;
    while (rest >= 0x80) {
      out[length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    out[length++] = rest;
  }
  return out.slice(0, length);
}

/**
 * The coordinates in `packed`, or undefined if it is not a well-formed packing of at most `maxCoordinates`
 * coordinates each within ±`limit` (whatever a peer put in the document).
 */
export function unpackPoints(packed: Uint8Array, maxCoordinates: number, limit: number): number[] | undefined {
  if (packed.byteLength < 1 || packed[0] !== FORMAT_TENTHS) return undefined;
  const points: number[] = [];
  const previous = [0, 0];
  let i = 1;
  while (i < packed.byteLength) {
    if (points.length >= maxCoordinates) return undefined;
    let rest = 0;
    let scale = 1;
    let bytes = 0;
    for (;;) {
      if (i >= packed.byteLength || bytes === MAX_VARINT_BYTES) return undefined;
      const byte = packed[i++]!;
      bytes += 1;
      rest += (byte & 0x7f) * scale;
      scale *= 0x80;
      if (byte < 0x80) break;
    }
    const delta = rest % 2 === 0 ? rest / 2 : -(rest + 1) / 2;
    const slot = points.length & 1;
    const tenths = previous[slot]! + delta;
    previous[slot] = tenths;
    const value = tenths / 10;
    if (!(Math.abs(value) <= limit)) return undefined;
    points.push(value);
  }
  return points;
}
