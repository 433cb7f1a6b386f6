import type { Express, RequestHandler } from 'express';
import type { z } from 'zod';

export type AuthKind = 'tenant' | 'practitioner' | 'ticket' | 'livekit' | 'webhook' | 'none';

/** One route's contract: the OpenAPI document is built from these, so it cannot drift from the code. */
export interface RouteDoc {
  method: 'get' | 'post';
  /** Express-style path, e.g. /v1/consultations/:id */
  path: string;
  summary: string;
  auth: AuthKind;
  tags: string[];
  body?: z.ZodType;
  /** A non-JSON body (e.g. a file), described by its media type. */
  rawBody?: string;
  query?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

export class RouteRegistry {
  readonly docs: RouteDoc[] = [];

  constructor(readonly app: Express) {}

  add(doc: RouteDoc, ...handlers: RequestHandler[]): void {
    this.docs.push(doc);
    this.app[doc.method](doc.path, ...handlers);
  }

  /** Documents a route served by a router mounted elsewhere (the OpenAPI test checks both agree). */
  document(doc: RouteDoc): void {
    this.docs.push(doc);
  }
}
