/**
 * Removes metadata that can identify a patient or their home from shared images, without re-encoding the
 * pixels: a phone photo of a wound carries GPS coordinates, the device, the time and often a name.
 *
 * - JPEG: every APP1 (Exif, XMP, extended XMP), APP13 (Photoshop/IPTC), APP3–APP12/APP15 (maker data) and COM
 *   segment is dropped, also between the scans of a progressive image. Kept: APP0 (JFIF), APP2 (ICC colour
 *   profile), APP14 (Adobe colour transform), and everything the decoder needs.
 * - PNG: eXIf, tEXt, iTXt, zTXt and tIME chunks are dropped; anything after IEND is dropped too.
 *
 * No maintained npm package strips both formats without a native image library, hence this module. Input
 * whose structure cannot be followed is refused rather than passed on with its metadata.
 * Known cost: the Exif orientation goes with the rest, so a photo may show rotated as the camera held it.
 */
export class ImageStructureError extends Error {
  override name = 'ImageStructureError';
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_DROPPED = new Set(['eXIf', 'tEXt', 'iTXt', 'zTXt', 'tIME']);

export function stripPngMetadata(bytes: Buffer): Buffer {
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new ImageStructureError('not a PNG');
  const kept: Buffer[] = [PNG_SIGNATURE];
  let offset = 8;
  let first = true;
  for (;;) {
    if (offset + 12 > bytes.length) throw new ImageStructureError('PNG ends inside a chunk header (no IEND)');
    const length = bytes.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) throw new ImageStructureError('PNG chunk runs past the end of the file');
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new ImageStructureError('PNG chunk type is not four letters');
    if (first && type !== 'IHDR') throw new ImageStructureError('PNG does not start with IHDR');
    first = false;
    if (!PNG_DROPPED.has(type)) kept.push(bytes.subarray(offset, end));
    offset = end;
    if (type === 'IEND') return Buffer.concat(kept);
  }
}

/** Markers without a length field: TEM, RST0–7, SOI, EOI. */
const standalone = (marker: number): boolean => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);
const JPEG_KEPT_APPS = new Set([0xe0, 0xe2, 0xee]);
const SOS = 0xda;
const EOI = 0xd9;
const COM = 0xfe;

export function stripJpegMetadata(bytes: Buffer): Buffer {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new ImageStructureError('not a JPEG');
  const kept: Buffer[] = [bytes.subarray(0, 2)];
  let offset = 2;
  for (;;) {
    // Fill bytes (0xFF) may precede a marker.
    while (offset < bytes.length && bytes[offset] === 0xff && bytes[offset + 1] === 0xff) offset++;
    if (offset + 2 > bytes.length || bytes[offset] !== 0xff) throw new ImageStructureError('JPEG segment expected but not found');
    const marker = bytes[offset + 1] as number;
    if (marker === EOI) {
      kept.push(bytes.subarray(offset, offset + 2));
      return Buffer.concat(kept);
    }
    if (standalone(marker)) {
      kept.push(bytes.subarray(offset, offset + 2));
      offset += 2;
      continue;
    }
    if (offset + 4 > bytes.length) throw new ImageStructureError('JPEG ends inside a segment header');
    const end = offset + 2 + bytes.readUInt16BE(offset + 2);
    if (end > bytes.length || end < offset + 4) throw new ImageStructureError('JPEG segment runs past the end of the file');
    const isMetadata = marker === COM || (marker >= 0xe1 && marker <= 0xef && !JPEG_KEPT_APPS.has(marker));
    if (!isMetadata) kept.push(bytes.subarray(offset, end));
    offset = end;
    if (marker === SOS) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart marker.
      const start = offset;
      while (
        offset + 1 < bytes.length &&
        !(bytes[offset] === 0xff && bytes[offset + 1] !== 0x00 && !(bytes[offset + 1]! >= 0xd0 && bytes[offset + 1]! <= 0xd7))
      )
        offset++;
      if (offset + 1 >= bytes.length) throw new ImageStructureError('JPEG scan data has no end (no EOI)');
      kept.push(bytes.subarray(start, offset));
    }
  }
}

export function stripImageMetadata(mime: string, bytes: Buffer): Buffer {
  if (mime === 'image/png') return stripPngMetadata(bytes);
  if (mime === 'image/jpeg') return stripJpegMetadata(bytes);
  return bytes;
}
