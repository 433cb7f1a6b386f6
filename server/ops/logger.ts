/**
 * JSON logs (pino), one line per event. What may never appear in them: IP addresses, access codes, tokens,
 * tickets, names, e-mail addresses or phone numbers. So request lines carry the route *template*
 * (`/v1/consultations/:id`, never the query string, where an event stream's ticket travels), the method, the
 * status, the duration and a request id; never headers or bodies. Other lines come from the `log` hook, whose
 * callers already keep such values out.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  // stdout asynchronously: a synchronous write(2) per request line was ~5% of a lobby join (bench: lobby join).
  // Lines still leave in order as soon as the previous write is done; pino flushes what is pending when the
  // process exits (serve.ts turns SIGTERM/SIGINT into a normal exit after draining; an uncaught exception exits
  // too), so only a hard kill or power cut can lose the last few.
  return pino(
    {
      level: options.level ?? process.env.VC_LOG_LEVEL ?? 'info',
      base: { service: 'videoconsult' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Belt and braces: should a request or response object ever be logged, its secrets are not.
      redact: { paths: ['req.headers', 'req.query', 'req.body', 'req.remoteAddress', 'req.ip', 'res.headers'], remove: true },
    },
    options.destination ?? stdout(),
  );
}

/**
 * A stdout that stops waiting: should whatever reads it stall, lines beyond `LOG_BUFFER_MAX` pending bytes are
 * dropped (and counted on stderr, at most once a minute) instead of the buffer growing until memory runs out.
 */
const LOG_BUFFER_MAX = 16 * 1024 * 1024;
function stdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, maxLength: LOG_BUFFER_MAX });
  let dropped = 0;
  let reported = 0;
  destination.on('drop', () => {
    dropped++;
    if (Date.now() - reported < 60_000) return;
    reported = Date.now();
    process.stderr.write(`videoconsult: stdout is not keeping up; ${dropped} log line(s) dropped so far\n`);
  });
  return destination;
}

/** A client-supplied request id is kept only when it cannot carry anything but an id. */
const REQUEST_ID = /^[\w-]{8,64}$/;

export interface RequestInfo {
  id: string;
  method: string;
  route: string;
  status: number;
  seconds: number;
}

/**
 * Gives each request an id (`X-Request-Id`, echoed), and calls `onFinish` once per request when its response
 * ends (event streams: when they close). The route is Express's matched template, or `(unmatched)`.
 */
export function requestTracking(onFinish: (info: RequestInfo) => void): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    const start = process.hrtime.bigint();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : '(unmatched)';
      onFinish({ id, method: req.method, route, status: res.statusCode, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

/** The request line: at info, or warn for server errors. */
export function logRequest(logger: Logger, info: RequestInfo): void {
  const line = { reqId: info.id, method: info.method, route: info.route, status: info.status, ms: Math.round(info.seconds * 1000) };
  if (info.status >= 500) logger.warn(line, 'request failed');
  else logger.info(line, 'request');
}
