import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM envelopes for files and wrapped keys on disk:
 *   magic (4) | IV (12, random per envelope) | auth tag (16) | ciphertext
 * The additional authenticated data binds an envelope to where it belongs (session and file id), so a
 * file copied or renamed to another id or session fails to open instead of being served there.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export const FILE_MAGIC = Buffer.from('VCU1', 'latin1');
export const KEY_MAGIC = Buffer.from('VCK1', 'latin1');
export const ENVELOPE_OVERHEAD = 4 + IV_BYTES + TAG_BYTES;

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

export function seal(key: Buffer, magic: Buffer, aad: string, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([magic, iv, cipher.getAuthTag(), ciphertext]);
}

export function open(key: Buffer, magic: Buffer, aad: string, envelope: Buffer): Buffer {
  if (envelope.length < ENVELOPE_OVERHEAD || !envelope.subarray(0, 4).equals(magic)) {
    throw new EnvelopeError('not an envelope of this kind');
  }
  const iv = envelope.subarray(4, 4 + IV_BYTES);
  const tag = envelope.subarray(4 + IV_BYTES, ENVELOPE_OVERHEAD);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(envelope.subarray(ENVELOPE_OVERHEAD)), decipher.final()]);
  } catch {
    throw new EnvelopeError('authentication failed (wrong key, tampered or moved)');
  }
}

export function newKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * File plaintext = metadata length (u32 BE) | metadata JSON | content. The display name is personal
 * data (think "rash-jane-doe.jpg"), so it is sealed along with the content, never stored in clear.
 */
export interface StoredMeta {
  name: string;
  type: string;
  size: number;
  uploader: string;
  createdAt: number;
}

export function packFile(meta: StoredMeta, content: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, content]);
}

export function unpackFile(plaintext: Buffer): { meta: StoredMeta; content: Buffer } {
  const length = plaintext.readUInt32BE(0);
  const meta = JSON.parse(plaintext.subarray(4, 4 + length).toString('utf8')) as StoredMeta;
  return { meta, content: plaintext.subarray(4 + length) };
}
