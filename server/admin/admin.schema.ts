import { z } from 'zod';
import { ApiError } from '../errors.js';
import { webhookSecret } from '../outbox/signing.js';
import { text } from '../text.js';

const label = '[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?';
const octet = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const port = '(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
/**
 * A bare origin, spelled so that the pattern alone decides (the OpenAPI document says exactly what is accepted):
 * lower-case host names whose labels start with a letter, or IPv4; a default port is dropped (`:443` on https).
 */
const origin = z
  .string()
  .regex(
    new RegExp(`^https?://(?:${label}(?:\\.${label})*|${octet}(?:\\.${octet}){3})(?::${port})?$`),
    'must be a bare origin like https://example.com',
  )
  .transform((u) => usable(u, (url) => url.origin, 'invalid_origin'));

/**
 * The patterns let through a few host names that URLs cannot hold: an `xn--` label must be valid punycode, which no
 * pattern can say (and IDN hosts are written that way). Those are refused with 422, which the document lists.
 */
export const UNUSABLE_HOST = 'A host name the pattern allows but a URL cannot hold (an xn-- label that is not valid punycode)';
function usable(u: string, pick: (url: URL) => string, code: string): string {
  if (!URL.canParse(u))
    throw new ApiError(422, code, `${u} cannot be used: its host name is not valid (an xn-- label must be valid punycode).`);
  return pick(new URL(u));
}
export const createTenantBody = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
  name: text(200),
  allowedOrigins: z.array(origin).max(50).default([]),
});

export const rotateKeyBody = z.strictObject({
  /** How long the keys in use now keep working; 0 ends them at once. */
  graceSeconds: z
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(86_400),
});

export const allowedOriginsBody = z.strictObject({ origins: z.array(origin).max(50) });

export const createPracticeBody = z.strictObject({ name: text(200) });

const host = `(?:${label}(?:\\.${label})*|${octet}(?:\\.${octet}){3})`;
const loopback = `(?:127(?:\\.${octet}){3}|localhost|\\[::1\\])`;
const pathAndQuery = "(?:/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?(?:\\?[A-Za-z0-9._~!$&'()*+,;=:@/?-]*)?";
/** https anywhere; plain http only on loopback (development). The pattern alone decides, like `origin`. */
export const endpointUrlPattern = z
  .string()
  .max(2000)
  .regex(
    new RegExp(`^(?:https://${host}|http://${loopback})(?::${port})?${pathAndQuery}$`),
    'must be an https URL (http only on loopback)',
  );
export const endpointUrl = endpointUrlPattern.transform((u) => usable(u, (url) => url.href, 'invalid_url'));

export const createEndpointBody = z.strictObject({
  url: endpointUrl,
  /** Several during a rotation, newest first; one is made when none is given (and shown once). */
  secrets: z.array(webhookSecret).min(1).max(5).optional(),
});

/** What is not given stays as it is. Rotation: `secrets: [new, old]`, later `[new]`. */
export const replaceEndpointBody = z.strictObject({
  url: endpointUrl.optional(),
  secrets: z.array(webhookSecret).min(1).max(5).optional(),
});

export const tenantView = z.object({
  id: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  createdAt: z.string(),
  apiKeys: z.array(z.object({ createdAt: z.string(), expiresAt: z.string().optional() })),
});

export const createdTenant = z.object({ tenant: tenantView, apiKey: z.string() });
export const rotatedKey = z.object({ apiKey: z.string(), previousKeysValidUntil: z.string() });
export const tenantList = z.object({ items: z.array(tenantView) });
export const practice = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
export const practiceList = z.object({ items: z.array(practice) });
export const endpointView = z.object({
  id: z.string(),
  url: z.string(),
  createdAt: z.string(),
  disabledAt: z.string().optional(),
  disabledReason: z.string().optional(),
});
export const createdEndpoint = endpointView.extend({ secret: z.string().optional() });
export const endpointList = z.object({ items: z.array(endpointView) });
