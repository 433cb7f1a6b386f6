/** The types we accept, decided by the first bytes of the file — never by its name or declared type. */
export interface SniffedType {
  mime: 'image/png' | 'image/jpeg' | 'application/pdf';
  extension: 'png' | 'jpg' | 'pdf';
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// SOI followed by the first marker's 0xFF.
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
// Strictly at offset 0: readers tolerate junk before it, which is exactly how polyglots are made.
const PDF = Buffer.from('%PDF-', 'latin1');

export function sniffType(bytes: Buffer): SniffedType | undefined {
  if (startsWith(bytes, PNG)) return { mime: 'image/png', extension: 'png' };
  if (startsWith(bytes, JPEG)) return { mime: 'image/jpeg', extension: 'jpg' };
  if (startsWith(bytes, PDF)) return { mime: 'application/pdf', extension: 'pdf' };
  return undefined;
}

function startsWith(bytes: Buffer, magic: Buffer): boolean {
  return bytes.length > magic.length && bytes.subarray(0, magic.length).equals(magic);
}

export const ALLOWED_TYPES_TEXT = 'PNG, JPEG or PDF';
