import { z } from 'zod';
import { webhookEnvelope, webhookEventData, webhookEventSummaries, webhookEventTypes } from './outbox/events.js';
import type { AuthKind, RouteDoc } from './routing.js';

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** The refusals every integrator route (tenant API key, validated input) can answer with. */
export const tenantErrors = {
  400: { description: 'Invalid request', schema: errorBody },
  401: { description: 'Missing or wrong API key', schema: errorBody },
};

type Json = Record<string, unknown>;

const securityOf: Record<AuthKind, Json[]> = {
  tenant: [{ tenantApiKey: [] }],
  admin: [{ adminApiKey: [] }],
  practitioner: [{ practitionerToken: [] }],
  ticket: [{ lobbyTicket: [] }],
  livekit: [{ livekitGrant: [] }],
  webhook: [{ livekitWebhook: [] }],
  none: [],
};

/** JSON Schema of what a client may send (defaults make fields optional on input). */
function inputSchema(schema: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

function outputSchema(schema: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Json;
  return rest;
}

export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

type Responses = RouteDoc['responses'];

/**
 * What every route can answer besides its own statuses: the JSON body parser runs on every route that does not
 * read its body raw (so even a GET with a broken JSON body gets 400 invalid_json), and the rate limits by prefix.
 */
function commonResponses(doc: RouteDoc, rateLimited: (path: string) => boolean): Responses {
  const common: Responses = {};
  if (!doc.rawBody && doc.auth !== 'webhook') {
    common[400] = {
      description:
        'Invalid request: a field or an unknown field or query parameter (`invalid_request`, naming it), or the JSON itself (`invalid_json`)',
      schema: errorBody,
    };
    common[413] = { description: 'The body is larger than 16 KiB', schema: errorBody };
    common[415] = { description: 'The body uses an encoding or charset this server does not read', schema: errorBody };
  }
  if (rateLimited(doc.path)) common[429] = { description: 'Too many requests; see Retry-After', schema: errorBody };
  return common;
}

/** The OpenAPI 3.1 document, built from the same route table and zod schemas the server validates with. */
const signatureHeaders: Json[] = [
  { name: 'webhook-id', description: 'The event id: the same on every retry (an idempotency key)' },
  { name: 'webhook-timestamp', description: 'Unix seconds of this attempt; reject it when more than 5 minutes off' },
  {
    name: 'webhook-signature',
    description:
      'Space-separated `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">`, one per secret of the ' +
      'endpoint (several during a rotation), keyed with the base64-decoded part of the `whsec_` secret (Standard Webhooks)',
  },
].map((h) => ({ ...h, in: 'header', required: true, schema: { type: 'string' } }));

/**
 * The `webhooks` section (OpenAPI 3.1): what the server POSTs to a tenant's endpoints, one entry per event type,
 * from the same zod schemas the server builds the payloads with (server/outbox/events.ts).
 */
export function integratorWebhooks(): Json {
  const out: Json = {};
  for (const type of webhookEventTypes) {
    out[type] = {
      post: {
        summary: webhookEventSummaries[type],
        tags: ['outgoing webhooks'],
        parameters: signatureHeaders,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: outputSchema(webhookEnvelope(type, webhookEventData[type])) } },
        },
        responses: {
          '2XX': { description: 'Received (within 15 s); the event is not sent again' },
          '410': { description: 'Gone: the endpoint is disabled and its pending deliveries dropped' },
          default: {
            description:
              'Anything else, a timeout (15 s) or a network error: retried about 5 s, 5 min, 30 min, 2 h, 5 h and 10 h later ' +
              "(or after the receiver's Retry-After, at most 10 h), then given up",
          },
        },
      },
    };
  }
  return out;
}

export function buildOpenApi(
  docs: RouteDoc[],
  version: string,
  options: { rateLimited?: (path: string) => boolean; webhooks?: Json } = {},
): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const rateLimited = options.rateLimited ?? (() => false);
  for (const doc of docs) {
    const parameters: Json[] = [];
    for (const match of doc.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
      parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
    }
    if (doc.query) {
      const q = inputSchema(doc.query) as { properties?: Record<string, Json>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
      }
    }
    const responses: Record<string, Json> = {};
    for (const [status, r] of Object.entries({ ...commonResponses(doc, rateLimited), ...doc.responses })) {
      const contentType = r.contentType ?? 'application/json';
      responses[status] = {
        description: r.description,
        ...(r.schema
          ? { content: { [contentType]: { schema: outputSchema(r.schema) } } }
          : r.contentType
            ? { content: { [contentType]: {} } }
            : {}),
        ...(status === '429' ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } } } : {}),
      };
    }
    const operation: Json = {
      summary: doc.summary,
      tags: doc.tags,
      security: securityOf[doc.auth],
      ...(parameters.length ? { parameters } : {}),
      // Required exactly when an absent body (read as `{}`) would be refused.
      ...(doc.body
        ? { requestBody: { required: !doc.body.safeParse({}).success, content: { 'application/json': { schema: inputSchema(doc.body) } } } }
        : {}),
      ...(doc.rawBody
        ? { requestBody: { required: true, content: { [doc.rawBody]: { schema: { type: 'string', contentMediaType: doc.rawBody } } } } }
        : {}),
      responses,
    };
    const path = openApiPath(doc.path);
    paths[path] = { ...paths[path], [doc.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'videoconsult token server',
      version,
      description:
        'Integrator, patient (lobby), practitioner and webhook API. See docs/http-api.md. Unknown body fields and query ' +
        'parameters are refused (400 `invalid_request` naming them). A method a path does not list ' +
        'answers 405 `method_not_allowed` with an `Allow` header; an unknown path answers 404 `not_found`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        tenantApiKey: { type: 'http', scheme: 'bearer', description: 'Tenant API key (server-to-server only)' },
        adminApiKey: { type: 'http', scheme: 'bearer', description: "The operator's admin key (config.admin); never a tenant key" },
        practitionerToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'Practitioner token from POST /v1/consultations/{id}/practitioner-tokens',
        },
        lobbyTicket: { type: 'http', scheme: 'bearer', description: 'Lobby ticket from POST /v1/lobby/join' },
        livekitGrant: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "The participant's LiveKit grant for that room" },
        livekitWebhook: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'JWT signed by the SFU with a sha256 claim of the body',
        },
      },
    },
    paths,
    webhooks: options.webhooks ?? integratorWebhooks(),
  };
}
