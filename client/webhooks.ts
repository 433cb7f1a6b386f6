import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookEvent, WebhookEventType } from '../server/outbox/events.js';

export type { WebhookEvent, WebhookEventType };

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

export type WebhookHeaders = Record<string, string | string[] | undefined> | Headers;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies a delivery from the token server (Standard Webhooks) and returns the parsed event. Pass the raw body
 * exactly as received (before any JSON parsing) and every secret you currently accept (during a rotation, both).
 * Treat `event id = headers['webhook-id']` as an idempotency key: a retry carries the same id.
 */
export function verifyWebhook(
  secrets: string | readonly string[],
  rawBody: string | Buffer,
  headers: WebhookHeaders,
  options: { toleranceSeconds?: number; now?: number } = {},
): WebhookEvent {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature.');
  const seconds = Number(timestamp);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (!/^\d+$/.test(timestamp) || Math.abs(now - seconds) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('The webhook timestamp is too old or too new.');
  }
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const offered = signatures.split(' ').flatMap((s) => (s.startsWith('v1,') ? [Buffer.from(s.slice(3), 'base64')] : []));
  const matches = (typeof secrets === 'string' ? [secrets] : secrets).some((secret) => {
    const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest();
    return offered.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
  });
  if (!matches) throw new WebhookVerificationError('No matching signature.');
  return JSON.parse(body) as WebhookEvent;
}
