import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * keyed with the base64-decoded part of a `whsec_` secret. During a rotation an endpoint has several secrets and
 * the header carries one signature per secret, space-separated, so receivers on the old or the new secret both verify.
 */
export const SECRET_PREFIX = 'whsec_';

const b64 = '[A-Za-z0-9+/]';
/** 24–64 bytes in base64 (what the spec allows), as one pattern, so the OpenAPI document states it exactly. */
export const webhookSecret = z
  .string()
  .regex(
    new RegExp(`^whsec_(?:(?:${b64}{4}){8,20}(?:${b64}{2}==|${b64}{3}=|${b64}{4})?|(?:${b64}{4}){21}(?:${b64}{2}==)?)$`),
    'must be "whsec_" followed by the base64 of 24 to 64 bytes',
  );

export function newWebhookSecret(bytes = 32): string {
  return `${SECRET_PREFIX}${randomBytes(bytes).toString('base64')}`;
}

export function signature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64')}`;
}

/** The three headers of one delivery attempt; the timestamp is the attempt's, so a retry is not stale. */
export function webhookHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signature(s, id, timestampSeconds, body)).join(' '),
  };
}
