import type { Request, RequestHandler } from 'express';
import { clientKey } from './client-key.js';
import type { Config } from './config.js';
import { sha256Hex } from './crypto.js';
import { ApiError } from './errors.js';
import { bearer } from './http.js';
import type { WindowCounter } from './shared-state.js';


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
    counter.hit(keyOf(req)).then(
      (wait) => next(wait ? tooMany(wait) : undefined),
      (error: unknown) => next(error),
    );
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
