import { connect, type Socket } from 'node:net';
import type { ClamdOptions } from './uploads.schema.js';

export type ScanResult = { clean: true } | { clean: false; signature: string };

/** The scanner could not give a verdict (down, unreachable, timed out, refused the stream). */
export class ScannerUnavailableError extends Error {
  override name = 'ScannerUnavailableError';
}

export interface Scanner {
  scan(bytes: Buffer): Promise<ScanResult>;
}

/** clamd's default StreamMaxLength is 25 MiB; chunks well below any sane limit. */
const CHUNK = 64 * 1024;

/**
 * A client for clamd's INSTREAM command: `zINSTREAM\0`, then chunks each prefixed by a 4-byte
 * big-endian length, then a zero-length chunk. clamd answers `stream: OK`, `stream: <name> FOUND`
 * or `... ERROR`, NUL-terminated (the `z` prefix). One connection per scan.
 */
export class ClamdScanner implements Scanner {
  constructor(
    private readonly target: ClamdOptions,
    private readonly timeoutMs: number,
  ) {}

  scan(bytes: Buffer): Promise<ScanResult> {
    return new Promise<ScanResult>((resolve, reject) => {
      let settled = false;
      let reply = '';
      const socket: Socket = 'socket' in this.target ? connect(this.target.socket) : connect(this.target.port, this.target.host);
      const fail = (why: string): void => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(new ScannerUnavailableError(why));
      };
      const finish = (): void => {
        if (settled) return;
        const answer = reply.replace(/\0+$/, '').trim();
        const found = /^stream: (.+) FOUND$/.exec(answer);
        if (found?.[1]) {
          settled = true;
          socket.destroy();
          resolve({ clean: false, signature: found[1] });
        } else if (answer === 'stream: OK') {
          settled = true;
          socket.destroy();
          resolve({ clean: true });
        } else {
          // ERROR replies (size limit, scan failure) and anything unexpected: no verdict, so fail closed.
          fail(`clamd answered ${JSON.stringify(answer.slice(0, 200))}`);
        }
      };
      socket.setTimeout(this.timeoutMs, () => fail(`clamd did not answer within ${this.timeoutMs} ms`));
      socket.on('error', (err) => fail(`clamd connection failed: ${err.message}`));
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString('latin1');
        if (reply.includes('\0')) finish();
      });
      socket.on('end', finish);
      socket.on('close', () => fail('clamd closed the connection without a verdict'));
      socket.on('connect', () => {
        socket.write('zINSTREAM\0');
        for (let offset = 0; offset < bytes.length; offset += CHUNK) {
          const chunk = bytes.subarray(offset, offset + CHUNK);
          const length = Buffer.alloc(4);
          length.writeUInt32BE(chunk.length);
          socket.write(length);
          socket.write(chunk);
        }
        socket.write(Buffer.alloc(4));
      });
    });
  }
}
