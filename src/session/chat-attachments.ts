// A chat attachment: what a message may carry (checked on the wire by chat.ts) and how its bytes travel to and
// from the token server, apart from the message protocol.
import * as v from 'valibot';
import { downloadName, isAttachmentType } from './download-name.js';

/** A file shared in the chat. The bytes live on the token server, readable by the room's participants only. */
export interface ChatAttachment {
  id: string;
  name: string;
  type: AttachmentType;
  size: number;
  /** Where the token server serves it (needs the participant's bearer token; never fetched without it). */
  url: string;
}

export type AttachmentType = 'image/png' | 'image/jpeg' | 'application/pdf';
export const ATTACHMENT_TYPES: readonly AttachmentType[] = ['image/png', 'image/jpeg', 'application/pdf'];

const ATTACHMENT_ID = /^[A-Za-z0-9_-]{1,128}$/;
const attachmentTypeSchema = v.picklist(ATTACHMENT_TYPES);
export const attachmentSchema = v.object({
  id: v.pipe(v.string(), v.regex(ATTACHMENT_ID)),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  type: attachmentTypeSchema,
  size: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1024 ** 3)),
  url: v.pipe(v.string(), v.maxLength(2048)),
});

// Uploads to the token server: `POST {serverUrl}/v1/rooms/:room/uploads` (raw body, `X-Filename`), authorised
// by the participant's own LiveKit JWT. The element takes these as injectable functions so tests can fake them.

/** Uploads a file and resolves with the attachment to send in a message. */
export type Uploader = (file: File, options?: { signal?: AbortSignal }) => Promise<ChatAttachment>;
/** Fetches an attachment's bytes (with the bearer token) for a preview, a download or a whiteboard background. */
export type AttachmentFetcher = (attachment: Pick<ChatAttachment, 'id' | 'type'>, options?: { signal?: AbortSignal }) => Promise<Blob>;

export interface HttpUploadsOptions {
  serverUrl: string;
  room: string;
  /** The participant's current LiveKit JWT (a function, so a refreshed grant is picked up). */
  token: string | (() => string);
  fetch?: typeof fetch;
  /** Refused before uploading; the server enforces its own limit too (413). Default 10 MiB, the server's default. */
  maxBytes?: number;
}

/** The token server's default `uploads.maxFileBytes`: the SDK refuses larger files before sending a byte. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export function createHttpUploads(options: HttpUploadsOptions): { upload: Uploader; download: AttachmentFetcher } {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const base = `${options.serverUrl.replace(/\/+$/, '')}/v1/rooms/${encodeURIComponent(options.room)}/uploads`;
  const auth = () => ({ Authorization: `Bearer ${typeof options.token === 'function' ? options.token() : options.token}` });
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;

  const upload: Uploader = async (file, init) => {
    if (!ATTACHMENT_TYPES.includes(file.type as AttachmentType)) throw new UploadError(415, 'Only PNG, JPEG and PDF files can be shared.');
    if (file.size > maxBytes) throw new UploadError(413, 'This file is too large to share.');
    const response = await doFetch(base, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': file.type, 'X-Filename': encodeURIComponent(file.name) },
      body: file,
      credentials: 'omit',
      cache: 'no-store',
      ...(init?.signal ? { signal: init.signal } : {}),
    });
    if (!response.ok) throw new UploadError(response.status, await errorMessage(response));
    const info = v.safeParse(
      v.object({ id: v.pipe(v.string(), v.regex(ATTACHMENT_ID)), name: v.string(), type: attachmentTypeSchema, size: v.number() }),
      await response.json().catch(() => undefined),
    );
    if (!info.success) throw new UploadError(502, 'The server answered the upload with something unexpected.');
    return { ...info.output, url: `${base}/${encodeURIComponent(info.output.id)}` };
  };

  const download: AttachmentFetcher = async (attachment, init) => {
    // Built from the id, never from a URL a peer sent: our bearer token must only ever go to our own server.
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(attachment.id)) throw new UploadError(400, 'Invalid attachment id.');
    const response = await doFetch(`${base}/${attachment.id}`, {
      headers: auth(),
      credentials: 'omit',
      cache: 'no-store',
      ...(init?.signal ? { signal: init.signal } : {}),
    });
    if (!response.ok) throw new UploadError(response.status, await errorMessage(response));
    const blob = await response.blob();
    // Typed as the server sniffed it (never as the sender claimed), and named by the server: a File, so
    // the UI saves it under that name rather than one a peer put in the message.
    const served = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const type = isAttachmentType(served) ? served : attachment.type;
    return new File([blob], downloadName(response.headers.get('content-disposition'), type, 'attachment'), { type });
  };

  return { upload, download };
}

export class UploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // Not our JSON error shape.
  }
  if (response.status === 413) return 'This file is too large to share.';
  if (response.status === 415) return 'Only PNG, JPEG and PDF files can be shared.';
  return `The upload failed (${response.status}).`;
}
