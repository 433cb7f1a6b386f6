import type { Request, Response } from 'express';
import { z } from 'zod';
import { ApiError } from './errors.js';

/** Parses `input` with a zod schema; a failure becomes 400 `invalid_request` naming the first bad field. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, where: 'body' | 'query' | 'params'): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  // An unknown field is the likelier mistake (a typo, or a client for another version): name it first.
  const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
  let field = issue?.path.join('.') ?? '';
  let detail = issue?.message ?? 'invalid';
  if (issue?.code === 'unrecognized_keys') {
    field = [...issue.path, ...issue.keys].join('.');
    detail = 'is not a known field';
  }
  const message = field ? `${where}.${field}: ${detail}` : `${where}: ${detail}`;
  throw new ApiError(400, 'invalid_request', message);
}

/** The body of a POST; an absent or empty body counts as `{}` so optional-body endpoints work with curl. */
export function body(req: Request): unknown {
  return req.body === undefined ? {} : req.body;
}

export function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export interface EventStream {
  send(event: string, data: unknown, id?: string): void;
  /** Runs `fn` when the stream closes (at once if it already has). */
  onClose(fn: () => void): void;
  close(): void;
}

/** Opens a server-sent-events response. Returns a writer and a way to learn of the client going away. */
export function openEventStream(res: Response, pingMs: number, open: Set<() => void>): EventStream {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write(': connected\n\n');
  const closers: (() => void)[] = [];
  let closed = false;
  const ping = setInterval(() => res.write(': ping\n\n'), pingMs);
  const end = (): void => {
    finish();
    res.end();
  };
  open.add(end);
  const finish = (): void => {
    if (closed) return;
    closed = true;
    open.delete(end);
    clearInterval(ping);
    for (const fn of closers) fn();
  };
  res.on('close', finish);
  return {
    send(event, data, id) {
      if (!closed) res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
    close: end,
  };
}
