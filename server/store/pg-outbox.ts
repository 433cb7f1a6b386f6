import type { ClaimedDelivery, DeliveryLogRow, OutboxEvent, OutboxStore, WebhookEndpointRow } from '../outbox/outbox.js';
import { toClaimed, toDeliveryLog, toEndpoint } from './integration-rows.js';
import { count, rows } from './pg-query.js';
import type { PostgresStore } from './postgres.js';

/**
 * The outbox on PostgreSQL (tables from migration 5), shared by every instance on the database. A claim locks the
 * due rows it picks with `FOR UPDATE SKIP LOCKED` and leases them in the same statement: two instances claiming at
 * once each get other rows, never the same one, and neither waits for the other.
 */
export class PgOutbox implements OutboxStore {
  constructor(private readonly store: PostgresStore) {}

  enqueueWebhookEvent(event: OutboxEvent): Promise<number> {
    return this.store.enqueueWebhookEvent(event);
  }

  claimWebhookDeliveries(owner: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    return this.store.query(async (q) =>
      (
        await rows(
          q,
          `UPDATE webhook_outbox o SET lease_owner = $1, lease_until = $3
             FROM (
               SELECT d.event_id, d.endpoint_id FROM webhook_outbox d JOIN webhook_endpoints e ON e.id = d.endpoint_id
               WHERE d.next_attempt_at <= $2 AND (d.lease_until IS NULL OR d.lease_until <= $2) AND e.disabled_at IS NULL
               ORDER BY d.next_attempt_at LIMIT $4
               FOR UPDATE OF d SKIP LOCKED
             ) due, webhook_endpoints e
             WHERE o.event_id = due.event_id AND o.endpoint_id = due.endpoint_id AND e.id = o.endpoint_id
             RETURNING o.event_id, o.endpoint_id, o.tenant_id, o.type, o.body, o.attempts, o.lease_until, e.url, e.secrets`,
          [owner, now, now + leaseMs, limit],
        )
      ).map(toClaimed),
    );
  }

  recordWebhookAttempt(owner: string, log: DeliveryLogRow): Promise<boolean> {
    return this.store.atomically(async (q) => {
      await count(
        q,
        `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, type, attempt, at, outcome, status, error, duration_ms, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          log.tenantId,
          log.endpointId,
          log.eventId,
          log.type,
          log.attempt,
          log.at,
          log.outcome,
          log.status,
          log.error,
          log.durationMs,
          log.nextAttemptAt,
        ],
      );
      const held = await rows(q, 'SELECT 1 FROM webhook_outbox WHERE event_id = $1 AND endpoint_id = $2 AND lease_owner = $3 FOR UPDATE', [
        log.eventId,
        log.endpointId,
        owner,
      ]);
      if (held.length === 0) return false;
      if (log.outcome === 'retrying') {
        await count(
          q,
          `UPDATE webhook_outbox SET attempts = $3, next_attempt_at = $4, lease_owner = NULL, lease_until = NULL
             WHERE event_id = $1 AND endpoint_id = $2`,
          [log.eventId, log.endpointId, log.attempt, log.nextAttemptAt ?? log.at],
        );
      } else if (log.outcome === 'endpoint_disabled') {
        await count(q, "UPDATE webhook_endpoints SET disabled_at = $2, disabled_reason = 'gone' WHERE id = $1", [log.endpointId, log.at]);
        await count(q, 'DELETE FROM webhook_outbox WHERE endpoint_id = $1', [log.endpointId]);
      } else {
        await count(q, 'DELETE FROM webhook_outbox WHERE event_id = $1 AND endpoint_id = $2', [log.eventId, log.endpointId]);
      }
      return true;
    });
  }

  listWebhookDeliveries(tenantId: string, from: number, to: number, limit: number): Promise<DeliveryLogRow[]> {
    return this.store.query(async (q) =>
      (
        await rows(q, 'SELECT * FROM webhook_deliveries WHERE tenant_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id LIMIT $4', [
          tenantId,
          from,
          to,
          limit,
        ])
      ).map(toDeliveryLog),
    );
  }

  listWebhookEndpoints(tenantId: string): Promise<WebhookEndpointRow[]> {
    return this.store.query(async (q) =>
      (await rows(q, 'SELECT * FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id', [tenantId])).map(toEndpoint),
    );
  }

  putWebhookEndpoint(row: WebhookEndpointRow): Promise<void> {
    return this.store.query(async (q) => {
      await count(
        q,
        `INSERT INTO webhook_endpoints (id, tenant_id, url, secrets, created_at, disabled_at, disabled_reason) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id) DO UPDATE SET url = excluded.url, secrets = excluded.secrets,
             disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason`,
        [row.id, row.tenantId, row.url, JSON.stringify(row.secrets), row.createdAt, row.disabledAt, row.disabledReason],
      );
    });
  }

  deleteWebhookEndpoint(tenantId: string, id: string): Promise<boolean> {
    return this.store.query(
      async (q) => (await count(q, 'DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [tenantId, id])) > 0,
    );
  }
}
