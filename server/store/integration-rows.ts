import type { PracticeRecord, TenantRecord } from '../admin/tenants.js';
import type { ClaimedDelivery, DeliveryLogRow, WebhookEndpointRow } from '../outbox/outbox.js';
import type { SqlRow } from './rows.js';

export type { SqlRow };

/** Rows of the outbox and tenant tables as both stores read them (PostgreSQL's BIGINT may arrive as a string). */
export const toEndpoint = (r: SqlRow): WebhookEndpointRow => ({
  id: String(r.id),
  tenantId: String(r.tenant_id),
  url: String(r.url),
  secrets: JSON.parse(String(r.secrets)) as string[],
  createdAt: Number(r.created_at),
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
  disabledReason: r.disabled_reason === null ? null : String(r.disabled_reason),
});

export const toDeliveryLog = (r: SqlRow): DeliveryLogRow => ({
  tenantId: String(r.tenant_id),
  endpointId: String(r.endpoint_id),
  eventId: String(r.event_id),
  type: String(r.type),
  attempt: Number(r.attempt),
  at: Number(r.at),
  outcome: String(r.outcome) as DeliveryLogRow['outcome'],
  status: r.status === null ? null : Number(r.status),
  error: r.error === null ? null : (String(r.error) as DeliveryLogRow['error']),
  durationMs: Number(r.duration_ms),
  nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
});

/** A claimed outbox row joined with its endpoint's url and secrets. */
export const toClaimed = (r: SqlRow): ClaimedDelivery => ({
  eventId: String(r.event_id),
  endpointId: String(r.endpoint_id),
  tenantId: String(r.tenant_id),
  type: String(r.type),
  body: String(r.body),
  url: String(r.url),
  secrets: JSON.parse(String(r.secrets)) as string[],
  attempts: Number(r.attempts),
  leaseUntil: Number(r.lease_until),
});

/** Tenants with their keys (`keys`: every tenant_api_keys row, oldest first). */
export function toTenants(tenants: readonly SqlRow[], keys: readonly SqlRow[]): TenantRecord[] {
  return tenants.map((r) => ({
    id: String(r.id),
    name: String(r.name),
    allowedOrigins: JSON.parse(String(r.allowed_origins)) as string[],
    createdAt: Number(r.created_at),
    apiKeys: keys
      .filter((k) => k.tenant_id === r.id)
      .map((k) => ({
        sha256: String(k.sha256),
        createdAt: Number(k.created_at),
        expiresAt: k.expires_at === null ? null : Number(k.expires_at),
      })),
  }));
}

export const toPractice = (r: SqlRow): PracticeRecord => ({
  id: String(r.id),
  tenantId: String(r.tenant_id),
  name: String(r.name),
  createdAt: Number(r.created_at),
});
