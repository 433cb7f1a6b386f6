import type { ErrorRequestHandler, RequestHandler } from 'express';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { StoreUnavailableError } from './store/store.js';

/** The one error type of the HTTP API. Rendered as `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** Stable, machine-readable, snake_case. Integrators switch on it. */
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `There is no ${req.method} ${req.path}.`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

function knownError(err: unknown): ApiError | undefined {
  if (err instanceof StoreUnavailableError) {
    return new ApiError(503, 'store_unavailable', 'The database is unavailable right now. Please try again shortly.', {
      'Retry-After': '5',
    });
  }
  // Express's router cannot percent-decode a path parameter such as `%E0%A4%A`: the client's mistake, not ours.
  if (err instanceof URIError) return new ApiError(400, 'invalid_path', 'The request path is not validly percent-encoded.');
  const e = err as BodyParserError;
  switch (e?.type) {
    case 'entity.too.large':
      return new ApiError(413, 'payload_too_large', 'The request body is larger than this endpoint accepts.');
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_encoding', 'The request body uses an encoding this server does not accept.');
    case 'request.aborted':
      return new ApiError(400, 'request_aborted', 'The request was aborted by the client.');
    default:
      return e?.status && e.status >= 400 && e.status < 500 && e.expose
        ? new ApiError(e.status, 'bad_request', 'The request could not be read.')
        : undefined;
  }
}

export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const apiError = err instanceof ApiError ? err : knownError(err);
    if (!apiError || err instanceof StoreUnavailableError) {
      // Only the path and the error: never headers or bodies, which may carry codes and tokens.
      log(`unexpected error on ${req.method} ${req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    const e = apiError ?? new ApiError(500, 'internal_error', 'Something went wrong on our side. Please try again.');
    if (res.headersSent) return;
    res
      .status(e.status)
      .set(e.headers)
      .json({ error: { code: e.code, message: e.message } });
  };
}

/**
 * `server.on('clientError', answerClientError)`: what Node's HTTP parser refuses before Express sees it
 * (headers over 16 KiB, malformed framing) is answered in the API's error shape instead of Node's empty 400.
 */
export function answerClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const e =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError(431, 'headers_too_large', 'The request headers are larger than this server accepts.')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new ApiError(408, 'request_timeout', 'The request took too long to arrive.')
        : new ApiError(400, 'bad_request', 'The request could not be read.');
  // A response to HEAD has no body; rawPacket (when Node gives it) starts with the request line.
  const head = err.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  const body = head ? '' : JSON.stringify({ error: { code: e.code, message: e.message } });
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${head ? 0 : Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
