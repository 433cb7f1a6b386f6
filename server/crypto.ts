import { createHash, createHmac, createSecretKey, randomBytes, randomInt, timingSafeEqual, type KeyObject } from 'node:crypto';

/** No 0/O, 1/I/L: codes are read aloud and typed from paper. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_LENGTH = 10;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function hexEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}

/** Keyed hash with a purpose label, so one secret can serve codes, tickets and tokens without cross-use. */
export function keyedHash(secret: string, purpose: string, value: string): string {
  return createHmac('sha256', hmacKey(secret)).update(`${purpose}\0${value}`, 'utf8').digest('hex');
}

/** The secret as a key object, made once: importing the string on every call is work a lobby join did twice. */
let lastKey: { secret: string; key: KeyObject } | undefined;
function hmacKey(secret: string): KeyObject {
  if (lastKey?.secret !== secret) lastKey = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return lastKey.key;
}

/**
 * Random bytes for ids and tickets, taken from a pool refilled 4 KiB at a time: a call into the CSPRNG per
 * id cost more than the rest of the id (two per lobby join; bench). Each pooled byte is handed out once,
 * the way Node's randomUUID() caches its randomness. Keys do not come from here.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;
function pooledRandom(bytes: number): Buffer {
  if (bytes > POOL_BYTES) return randomBytes(bytes);
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
}

export function randomId(prefix: string, bytes = 12): string {
  return `${prefix}${pooledRandom(bytes).toString('base64url')}`;
}

export function randomCode(length = CODE_LENGTH): string {
  let code = '';
  for (let i = 0; i < length; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** Accepts what people type: lower case, spaces and dashes. */
export function normalizeCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

export function randomKeyBase64(bytes = 32): string {
  return randomBytes(bytes).toString('base64');
}
