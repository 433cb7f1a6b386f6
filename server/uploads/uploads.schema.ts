import { z } from 'zod';
import { INVISIBLE_CHARACTERS } from '../display-name.js';

const MiB = 1024 * 1024;

/** A 32-byte key given as base64 (or base64url), e.g. `openssl rand -base64 32`. */
const masterKeySchema = z
  .string()
  .transform((value) => Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64'))
  .refine((key) => key.length === 32, 'must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');

export const clamdOptionsSchema = z.union([
  z.strictObject({ socket: z.string().min(1) }),
  z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
]);

export const uploadOptionsSchema = z
  .strictObject({
    /** Where encrypted uploads live: one sub-directory per session (room). Created if missing. */
    directory: z.string().min(1),
    /** Largest accepted file, in bytes. Keep it at or below clamd's StreamMaxLength when scanning. */
    maxFileBytes: z
      .number()
      .int()
      .min(1)
      .default(10 * MiB),
    /** Total stored bytes per session (room). */
    quotaBytesPerSession: z
      .number()
      .int()
      .min(1)
      .default(50 * MiB),
    /**
     * Optional. Without it, session keys live only in this process's memory: a restart makes earlier
     * uploads unreadable and the next sweep deletes them. With it, each session key is also written to
     * disk wrapped (AES-256-GCM) under this key, so uploads survive a restart; the wrapped key file is
     * deleted at session end like the files.
     */
    masterKey: z.union([masterKeySchema, z.instanceof(Buffer).refine((k) => k.length === 32, 'must be 32 bytes')]).optional(),
    /** Optional ClamAV daemon. When set, every upload is scanned and a scanner that is down refuses it. */
    clamd: clamdOptionsSchema.optional(),
    scanTimeoutMs: z.number().int().min(100).default(15_000),
    /**
     * `"off"`: share files without a malware scan. The token server refuses uploads without `clamd` unless
     * this says so explicitly, and warns at every start.
     */
    scan: z.literal('off').optional(),
    /**
     * How long an ended room keeps refusing uploads. LiveKit grants outlive the session by up to their
     * TTL (grantTtlMinutes, at most 60), so this should be longer than that.
     */
    endedRoomMemoryMs: z
      .number()
      .int()
      .min(0)
      .default(2 * 60 * 60 * 1000),
    /** Temp files older than this are leftovers of a crash mid-write; the sweeper deletes them. */
    staleTempMs: z
      .number()
      .int()
      .min(0)
      .default(10 * 60 * 1000),
  })
  .refine((o) => o.quotaBytesPerSession >= o.maxFileBytes, {
    message: 'quotaBytesPerSession must be at least maxFileBytes',
    path: ['quotaBytesPerSession'],
  });

export type UploadOptionsInput = z.input<typeof uploadOptionsSchema>;
export type UploadOptions = z.output<typeof uploadOptionsSchema>;
export type ClamdOptions = z.output<typeof clamdOptionsSchema>;

export class UploadOptionsError extends Error {}

export function parseUploadOptions(input: unknown): UploadOptions {
  const result = uploadOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  - uploads.${i.path.join('.')}: ${i.message}`);
  throw new UploadOptionsError(`Invalid upload options:\n${lines.join('\n')}`);
}

/** 16 random bytes, base64url: what `UploadService` hands out as file ids. */
export const uploadIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'is not an upload id');

/** LiveKit room names: we only need them to be a sane length; they never reach the file system. */
export const roomNameSchema = z.string().min(1).max(256);

export const uploadParamsSchema = z.strictObject({ room: roomNameSchema });
export const downloadParamsSchema = z.strictObject({ room: roomNameSchema, id: uploadIdSchema });

const MAX_NAME_LENGTH = 120;

/**
 * Turns a client-supplied file name (the optional `X-Filename` header, percent-encoded UTF-8 or plain
 * ASCII) into something safe to show and to put in Content-Disposition. It is display only: the file on
 * disk is named by a random id. The extension is forced to match the sniffed type, so a saved download
 * can never be opened by the OS as something else (a PNG/HTML polyglot named `x.html`).
 */
export function sanitizeDisplayName(raw: string | undefined, extension: string): string {
  let name = raw ?? '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // Not percent-encoded: keep the raw header text.
  }
  name = name
    .normalize('NFC')
    // Path parts: keep the last segment only.
    .replace(/^.*[\\/]/, '')
    // Control characters, bidi overrides/isolates and zero-width characters (used to disguise extensions).
    .replace(INVISIBLE_CHARACTERS, '')
    .replace(/["<>:|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const stem = name.replace(/\.[^.]*$/, '').trim() || 'upload';
  const chars = Array.from(stem);
  const short = chars.length > MAX_NAME_LENGTH ? chars.slice(0, MAX_NAME_LENGTH).join('') : stem;
  return `${short}.${extension}`;
}

/** `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 8187). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
