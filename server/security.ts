import type { Request, RequestHandler } from 'express';
import { clientKey } from './client-key.js';
import type { Config } from './config.js';
import { sha256Hex } from './crypto.js';
import { ApiError } from './errors.js';
import { bearer } from './http.js';

/**
 * Fixed-window counters per key, in memory only: the keys are client addresses, which must never be
 * written anywhere. Entries expire with their window.
 */
export class WindowCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(readonly limit: number, readonly windowMs: number, private readonly now: () => number = Date.now) {
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(windowMs, 60_000));
    this.sweepTimer.unref();
  }

  private current(key: string): { count: number; resetAt: number } {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    return w;
  }

  /** Seconds until the key may try again, or 0 if it is under the limit. */
  blockedFor(key: string): number {
    const w = this.current(key);
    return w.count >= this.limit ? Math.max(1, Math.ceil((w.resetAt - this.now()) / 1000)) : 0;
  }

  add(key: string): void {
    this.current(key).count++;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }

  dispose(): void {
    clearInterval(this.sweepTimer);
    this.windows.clear();
  }
}

/**
 * Caps concurrent event streams per key (a ticket, a consultation), so one credential cannot hold many.
 * The newest connection wins: a patient whose network flapped must not be locked out by half-dead
 * connections the server has not noticed yet, so the oldest stream is closed instead.
 */
export class StreamSlots {
  private readonly open = new Map<string, (() => void)[]>();

  constructor(readonly limit: number) {}

  /** Registers a stream (closing the oldest beyond the limit); the returned function unregisters it. */
  acquire(key: string, close: () => void): () => void {
    const list = this.open.get(key) ?? [];
    this.open.set(key, list);
    list.push(close);
    while (list.length > this.limit) list.shift()?.();
    return () => {
      const current = this.open.get(key);
      if (!current) return;
      const index = current.indexOf(close);
      if (index >= 0) current.splice(index, 1);
      if (current.length === 0) this.open.delete(key);
    };
  }
}


/**
 * The integrator API is limited per API key (by its hash, so the key itself is never a map key). Requests
 * without a configured key count per client address: sending a fresh made-up key each time gains nothing.
 */
export function integratorKey(config: Config): (req: Request) => string {
  const known = new Set(config.tenants.flatMap((t) => t.apiKeySha256));
  return (req) => {
    const key = bearer(req);
    const hash = key === undefined ? undefined : sha256Hex(key);
    return hash !== undefined && known.has(hash) ? `key:${hash}` : `client:${clientKey(req)}`;
  };
}

export function tooMany(retryAfter: number, code = 'rate_limited', message = 'Too many requests. Please wait and try again.'): ApiError {
  return new ApiError(429, code, message, { 'Retry-After': String(retryAfter) });
}

export function rateLimit(counter: WindowCounter, keyOf: (req: Request) => string = clientKey): RequestHandler {
  return (req, _res, next) => {
    const key = keyOf(req);
    const wait = counter.blockedFor(key);
    if (wait) return next(tooMany(wait));
    counter.add(key);
    next();
  };
}

/**
 * CORS for browser-facing endpoints: only origins some tenant allowed are echoed back. Whether the
 * origin belongs to the tenant of the ticket/token is checked after authentication (auth.ts).
 */
export function browserCors(config: Config): RequestHandler {
  const allowed = new Set(config.tenants.flatMap((t) => t.allowedOrigins));
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin && allowed.has(origin)) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Access-Control-Expose-Headers', 'Retry-After, Content-Disposition');
      if (req.method === 'OPTIONS') {
        res.set({
          'Access-Control-Allow-Methods': 'GET, POST',
          'Access-Control-Allow-Headers': 'Authorization, Content-Type, Last-Event-ID, X-Filename',
          'Access-Control-Max-Age': '600',
        });
        res.status(204).end();
        return;
      }
    } else if (req.method === 'OPTIONS') {
      return next(new ApiError(403, 'origin_not_allowed', 'This origin may not call this endpoint.'));
    }
    next();
  };
}
