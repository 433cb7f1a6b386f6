import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../errors.js';
import { ClamdScanner, type Scanner } from './clamd.js';
import { ImageStructureError, stripImageMetadata } from './strip-metadata.js';
import { EnvelopeError, ENVELOPE_OVERHEAD, FILE_MAGIC, KEY_MAGIC, newKey, open, packFile, seal, unpackFile } from './sealing.js';
import { ALLOWED_TYPES_TEXT, sniffType } from './sniff.js';
import { parseUploadOptions, sanitizeDisplayName, uploadIdSchema, type UploadOptions, type UploadOptionsInput } from './uploads.schema.js';

/** What the API returns for an upload; `name` is for display only. */
export interface UploadInfo {
  id: string;
  name: string;
  type: string;
  size: number;
}

export interface UploadInput {
  room: string;
  /** The LiveKit identity of the uploader, kept (sealed) with the file. */
  uploader: string;
  bytes: Buffer;
  /** Client-supplied name, display only. */
  filename?: string | undefined;
}

export interface DownloadedFile extends UploadInfo {
  content: Buffer;
}

export interface SweepResult {
  /** Session directories deleted (sessions no longer active, or ciphertext whose key is gone). */
  removedSessions: number;
  /** Leftover temp files of interrupted writes. */
  removedTempFiles: number;
}

export interface UploadServiceDeps {
  /** Replaces the clamd client built from `options.clamd` (tests). */
  scanner?: Scanner;
  now?: () => number;
  log?: (line: string) => void;
}

const SESSION_DIR = /^[0-9a-f]{32}$/;
const TEMP_PREFIX = '.tmp-';
const KEY_FILE = 'key';

/**
 * Stores the files shared during a consultation, encrypted at rest under a per-session key.
 *
 * Key custody: by default a session key exists only in this process's memory, so nothing on disk can
 * ever decrypt a file and "destroying the key" is simply dropping it (the ciphertext left by a crash is
 * unreadable garbage that the sweeper removes). The price is that a restart loses the uploads of running
 * sessions. With `masterKey`, each session key is also written next to the files, wrapped with
 * AES-256-GCM under the master key, and deleted with them at session end — uploads survive a restart,
 * and the disk alone still decrypts nothing.
 *
 * Everything for one session runs under a per-session lock, so the quota check and the write are atomic
 * and an upload racing `endSession` cannot resurrect the session.
 */
export class UploadService {
  readonly options: UploadOptions;
  private readonly scanner: Scanner | undefined;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly keys = new Map<string, Buffer>();
  private readonly ended = new Map<string, number>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(options: UploadOptionsInput, deps: UploadServiceDeps = {}) {
    this.options = parseUploadOptions(options);
    this.scanner = deps.scanner ?? (this.options.clamd ? new ClamdScanner(this.options.clamd, this.options.scanTimeoutMs) : undefined);
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? ((line) => console.error(line));
    if (!this.scanner)
      this.log('uploads: WARNING files are shared without a malware scan (uploads.scan is "off"); configure uploads.clamd to scan them');
  }

  /** Creates the upload directory (owner-only). Call once at start; `upload` also creates it lazily. */
  async init(): Promise<void> {
    await mkdir(this.options.directory, { recursive: true, mode: 0o700 });
  }

  async upload(input: UploadInput): Promise<UploadInfo> {
    const dir = sessionDirName(input.room);
    this.refuseIfEnded(dir);
    if (input.bytes.length === 0) throw new ApiError(400, 'empty_file', 'The upload is empty.');
    if (input.bytes.length > this.options.maxFileBytes) throw fileTooLargeError(this.options.maxFileBytes);
    const type = sniffType(input.bytes);
    if (!type) throw new ApiError(415, 'unsupported_type', `Only ${ALLOWED_TYPES_TEXT} files can be shared.`);
    const bytes = withoutMetadata(type.mime, input.bytes);

    const meta = {
      name: sanitizeDisplayName(input.filename, type.extension),
      type: type.mime,
      size: bytes.length,
      uploader: input.uploader,
      createdAt: this.now(),
    };
    const plaintext = packFile(meta, bytes);
    // Checked once before scanning to spare the scanner, and again under the lock where it counts.
    await this.checkQuota(dir, plaintext.length);
    // What was sent is scanned, not only what is kept: malware hidden in dropped metadata is still refused.
    await this.scan(input.bytes);

    return this.withLock(dir, async () => {
      this.refuseIfEnded(dir);
      await this.checkQuota(dir, plaintext.length);
      const key = await this.sessionKey(dir, true);
      const id = randomBytes(16).toString('base64url');
      await this.writeAtomically(dir, id, seal(key, FILE_MAGIC, fileAad(dir, id), plaintext));
      return { id, name: meta.name, type: meta.type, size: meta.size };
    });
  }

  async download(room: string, id: string): Promise<DownloadedFile> {
    const dir = sessionDirName(room);
    const gone = new ApiError(
      404,
      'not_found',
      'There is no such file in this consultation (or it was deleted when the consultation ended).',
    );
    if (this.isEnded(dir) || !uploadIdSchema.safeParse(id).success) throw gone;
    return this.withLock(dir, async () => {
      let envelope: Buffer;
      try {
        envelope = await readFile(join(this.options.directory, dir, id));
      } catch (err) {
        if (isNotFound(err)) throw gone;
        throw err;
      }
      const key = await this.sessionKey(dir, false);
      if (!key) throw gone;
      try {
        const { meta, content } = unpackFile(open(key, FILE_MAGIC, fileAad(dir, id), envelope));
        return { id, name: meta.name, type: meta.type, size: content.length, content };
      } catch (err) {
        if (!(err instanceof EnvelopeError)) throw err;
        this.log(`uploads: stored file ${dir}/${id} does not decrypt: ${err.message}`);
        throw new ApiError(500, 'upload_unreadable', 'This file cannot be read any more.');
      }
    });
  }

  /** Deletes the session's files and destroys its key; later uploads to the room are refused. Idempotent. */
  async endSession(room: string): Promise<void> {
    const dir = sessionDirName(room);
    this.pruneEnded();
    this.ended.set(dir, this.now());
    await this.withLock(dir, () => this.destroySession(dir));
  }

  /**
   * Deletes everything of sessions that are not in `activeRooms` (their end webhook was lost), ciphertext
   * whose key is gone (memory-only keys after a restart) and temp files of interrupted writes. Run it at
   * start and periodically with the rooms of the consultations that have not ended.
   */
  async sweep(activeRooms: Iterable<string>): Promise<SweepResult> {
    this.pruneEnded();
    const active = new Set<string>();
    for (const room of activeRooms) active.add(sessionDirName(room));
    const result: SweepResult = { removedSessions: 0, removedTempFiles: 0 };

    let entries: string[] = [];
    try {
      entries = (await readdir(this.options.directory)).filter((e) => SESSION_DIR.test(e));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    // Keys in memory whose directory is already gone still have to be dropped.
    for (const dir of new Set([...this.keys.keys(), ...entries])) {
      await this.withLock(dir, async () => {
        const orphaned = active.has(dir) && !(await this.sessionKey(dir, false));
        if (!active.has(dir) || orphaned) {
          await this.destroySession(dir);
          result.removedSessions++;
        } else {
          result.removedTempFiles += await this.removeStaleTemps(dir);
        }
      });
    }
    return result;
  }

  /** Whether this process holds the session's key in memory (for tests and health checks). */
  holdsKey(room: string): boolean {
    return this.keys.has(sessionDirName(room));
  }

  /** Bytes a session currently uses against its quota. */
  async usage(room: string): Promise<number> {
    return this.storedBytes(sessionDirName(room));
  }

  private async destroySession(dir: string): Promise<void> {
    const key = this.keys.get(dir);
    this.keys.delete(dir);
    // Best effort: the Buffer may have been copied by the runtime, but do not leave it lying around.
    key?.fill(0);
    const path = join(this.options.directory, dir);
    // The wrapped key first: once it is gone, whatever survives a failed delete is unreadable.
    await rm(join(path, KEY_FILE), { force: true });
    await rm(path, { recursive: true, force: true });
  }

  private async scan(bytes: Buffer): Promise<void> {
    if (!this.scanner) return;
    let verdict;
    try {
      verdict = await this.scanner.scan(bytes);
    } catch (err) {
      this.log(`uploads: malware scanner unavailable: ${err instanceof Error ? err.message : String(err)}`);
      // Fail closed: no verdict, no upload.
      throw new ApiError(
        503,
        'scanner_unavailable',
        'Files cannot be checked for malware right now, so uploads are paused. Please try again later.',
        { 'Retry-After': '30' },
      );
    }
    if (!verdict.clean) {
      this.log(`uploads: refused an infected upload (${verdict.signature})`);
      throw new ApiError(422, 'infected_file', 'This file was flagged by the malware scanner and was not shared.');
    }
  }

  private async checkQuota(dir: string, incoming: number): Promise<void> {
    const used = await this.storedBytes(dir);
    if (used + incoming > this.options.quotaBytesPerSession) {
      throw new ApiError(
        413,
        'quota_exceeded',
        `This consultation has used its ${formatBytes(this.options.quotaBytesPerSession)} of shared files.`,
      );
    }
  }

  /** Sum of the sealed plaintext sizes (content plus its small metadata) of the session's files. */
  private async storedBytes(dir: string): Promise<number> {
    const path = join(this.options.directory, dir);
    let names: string[];
    try {
      names = await readdir(path);
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
    let total = 0;
    for (const name of names.filter((n) => uploadIdSchema.safeParse(n).success)) {
      try {
        total += Math.max(0, (await stat(join(path, name))).size - ENVELOPE_OVERHEAD);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return total;
  }

  /** The session key from memory, else unwrapped from its key file (master-key mode), else a new one if asked. */
  private async sessionKey(dir: string, create: true): Promise<Buffer>;
  private async sessionKey(dir: string, create: false): Promise<Buffer | undefined>;
  private async sessionKey(dir: string, create: boolean): Promise<Buffer | undefined> {
    const cached = this.keys.get(dir);
    if (cached) return cached;
    const { masterKey } = this.options;
    const keyPath = join(this.options.directory, dir, KEY_FILE);
    if (masterKey) {
      try {
        const key = open(masterKey, KEY_MAGIC, keyAad(dir), await readFile(keyPath));
        this.keys.set(dir, key);
        return key;
      } catch (err) {
        if (err instanceof EnvelopeError) this.log(`uploads: the key file of ${dir} does not unwrap (other master key?)`);
        else if (!isNotFound(err)) throw err;
      }
    }
    if (!create) return undefined;
    // A session whose key is lost: its old ciphertext is unreadable, start over cleanly.
    await rm(join(this.options.directory, dir), { recursive: true, force: true });
    await mkdir(join(this.options.directory, dir), { recursive: true, mode: 0o700 });
    const key = newKey();
    if (masterKey) await this.writeAtomically(dir, KEY_FILE, seal(masterKey, KEY_MAGIC, keyAad(dir), key));
    this.keys.set(dir, key);
    return key;
  }

  /** Temp file + rename: a failed or interrupted write never leaves a partial file under a real name. */
  private async writeAtomically(dir: string, name: string, data: Buffer): Promise<void> {
    const path = join(this.options.directory, dir);
    await mkdir(path, { recursive: true, mode: 0o700 });
    const temp = join(path, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await writeFile(temp, data, { mode: 0o600, flag: 'wx', flush: true });
      await rename(temp, join(path, name));
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  private async removeStaleTemps(dir: string): Promise<number> {
    const path = join(this.options.directory, dir);
    let removed = 0;
    let names: string[];
    try {
      names = await readdir(path);
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
    for (const name of names) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      try {
        if (this.now() - (await stat(join(path, name))).mtimeMs >= this.options.staleTempMs) {
          await rm(join(path, name), { force: true });
          removed++;
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return removed;
  }

  private isEnded(dir: string): boolean {
    const at = this.ended.get(dir);
    return at !== undefined && this.now() - at < this.options.endedRoomMemoryMs;
  }

  private refuseIfEnded(dir: string): void {
    if (this.isEnded(dir)) throw new ApiError(410, 'session_ended', 'This consultation has ended; files can no longer be shared.');
  }

  private pruneEnded(): void {
    for (const [dir, at] of this.ended) if (this.now() - at >= this.options.endedRoomMemoryMs) this.ended.delete(dir);
  }

  private async withLock<T>(dir: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(dir) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(dir, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(dir) === settled) this.locks.delete(dir);
    }
  }
}

/**
 * Room names never reach the file system: a session's directory is a hash of its room name, so any
 * room name is safe and `sweep` can match directories to active rooms without storing names.
 */
export function sessionDirName(room: string): string {
  return createHash('sha256').update(`videoconsult/uploads\0${room}`, 'utf8').digest('hex').slice(0, 32);
}

/** The image without its Exif/XMP/text metadata (GPS, device, names); one we cannot follow is refused. */
function withoutMetadata(mime: string, bytes: Buffer): Buffer {
  try {
    return stripImageMetadata(mime, bytes);
  } catch (err) {
    if (err instanceof ImageStructureError)
      throw new ApiError(
        415,
        'unreadable_image',
        'This image could not be read, so it was not shared. Try saving it again as PNG or JPEG.',
      );
    throw err;
  }
}

const fileAad = (dir: string, id: string): string => `file:${dir}/${id}`;
const keyAad = (dir: string): string => `key:${dir}`;

export function fileTooLargeError(limit: number): ApiError {
  return new ApiError(413, 'file_too_large', `Files can be at most ${formatBytes(limit)}.`);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round((n / 1024) * 10) / 10} KiB`;
  return `${n} bytes`;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
