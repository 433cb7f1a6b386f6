import type { Express, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { ApiError } from './errors.js';
import { body, parse } from './http.js';

export type AuthKind = 'tenant' | 'admin' | 'practitioner' | 'ticket' | 'livekit' | 'webhook' | 'none';

/** One route's contract: the OpenAPI document is built from these, so it cannot drift from the code. */
export interface RouteDoc<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: 'get' | 'post';
  /** Express-style path, e.g. /v1/consultations/:id */
  path: string;
  summary: string;
  auth: AuthKind;
  tags: string[];
  body?: B;
  /** A non-JSON body (e.g. a file), described by its media type. */
  rawBody?: string;
  query?: Q;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

/**
 * The request's body and query, parsed with the schemas of the route's own table entry (so the documented
 * and the enforced contract are one). Parsing is on demand: a handler authenticates first, so a stranger
 * learns nothing about the body's rules (401 before 400).
 */
export interface RouteInput<B extends z.ZodType, Q extends z.ZodType> {
  body(): z.output<B>;
  query(): z.output<Q>;
}

export type RouteHandler<B extends z.ZodType, Q extends z.ZodType> = (req: Request, res: Response, input: RouteInput<B, Q>) => unknown;

export class RouteRegistry {
  readonly docs: RouteDoc[] = [];

  constructor(readonly app: Express) {}

  /**
   * Registers a route and its documentation. `before` runs ahead of the handler (e.g. a raw-body reader).
   * Express 5 passes a rejected promise from the handler to the error middleware.
   */
  add<B extends z.ZodType = z.ZodNever, Q extends z.ZodType = z.ZodNever>(
    doc: RouteDoc<B, Q>,
    handler: RouteHandler<B, Q>,
    before: RequestHandler[] = [],
  ): void {
    this.docs.push(doc);
    const { body: bodySchema, query: querySchema } = doc;
    this.app[doc.method](doc.path, ...before, (req: Request, res: Response) => {
      // A route without query parameters refuses any, as the ones with a query schema refuse unknown ones.
      const stray = querySchema ? undefined : Object.keys(req.query as object)[0];
      if (stray !== undefined) throw new ApiError(400, 'invalid_request', `query.${stray}: is not a known field`);
      return handler(req, res, {
        body: () => parse(required(bodySchema, doc, 'body'), body(req), 'body'),
        query: () => parse(required(querySchema, doc, 'query'), req.query, 'query'),
      });
    });
  }

  /**
   * After every route: a method a documented path does not have answers 405 with `Allow` (not 404, which would
   * say the path does not exist). OPTIONS outside the CORS prefixes answers 204 with the same header.
   */
  refuseOtherMethods(): void {
    const allowed = new Map<string, Set<string>>();
    for (const doc of this.docs) {
      const methods = allowed.get(doc.path) ?? new Set<string>();
      methods.add(doc.method.toUpperCase());
      if (doc.method === 'get') methods.add('HEAD');
      allowed.set(doc.path, methods);
    }
    for (const [path, methods] of allowed) {
      const allow = [...methods, 'OPTIONS'].join(', ');
      const methodNotAllowed: RequestHandler = (req, res) => {
        if (req.method === 'OPTIONS') {
          res.status(204).set('Allow', allow).end();
          return;
        }
        throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${[...methods].join(' or ')}.`, {
          Allow: allow,
        });
      };
      this.app.all(path, methodNotAllowed);
    }
  }
}

function required<S extends z.ZodType>(schema: S | undefined, doc: RouteDoc, part: string): S {
  if (!schema) throw new Error(`${doc.method.toUpperCase()} ${doc.path} reads its ${part} but its route entry names no schema for it`);
  return schema;
}
