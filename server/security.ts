import type { Request, RequestHandler } from 'express';
import { clientKey } from './client-key.js';
import type { Config } from './config.js';
import { sha256Hex } from './crypto.js';
import { ApiError } from './errors.js';
import { bearer } from './http.js';
import type { WindowCounter } from './shared-state.js';

/**
 * Every key hash and allowed origin of the tenants, computed once per tenant list: the admin API replaces
 * `config.tenants` with a new array on every change (server/admin/tenant-directory.ts), which renews these.
 */
const tenantSetCache = new WeakMap<readonly Config['tenants'][number][], { keys: Set<string>; origins: Set<string> }>();
function tenantSets(tenants: readonly Config['tenants'][number][]): { keys: Set<string>; origins: Set<string> } {
  let sets = tenantSetCache.get(tenants);
  if (!sets) {
    sets = { keys: new Set(tenants.flatMap((t) => t.apiKeySha256)), origins: new Set(tenants.flatMap((t) => t.allowedOrigins)) };
    tenantSetCache.set(tenants, sets);
  }
  return sets;
}

/**
 * The integrator API is limited per API key (by its hash, so the key itself is never a map key). Requests
 * without a configured key count per client address: sending a fresh made-up key each time gains nothing.
 */
export function integratorKey(config: Config): (req: Request) => string {
  return (req) => {
    const key = bearer(req);
    const hash = key === undefined ? undefined : sha256Hex(key);
    return hash !== undefined && tenantSets(config.tenants).keys.has(hash) ? `key:${hash}` : `client:${clientKey(req)}`;
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
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin && tenantSets(config.tenants).origins.has(origin)) {
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
