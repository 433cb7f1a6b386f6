import type { ClaimedDelivery, DeliveryLogRow, OutboxEvent, OutboxStore, WebhookEndpointRow } from '../outbox/outbox.js';
import { toClaimed, toDeliveryLog, toEndpoint } from './integration-rows.js';
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
    return this.store.query(async (sql) => {
      const rows = await sql`
        UPDATE webhook_outbox o SET lease_owner = ${owner}, lease_until = ${now + leaseMs}
        FROM (
          SELECT d.event_id, d.endpoint_id FROM webhook_outbox d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.next_attempt_at <= ${now} AND (d.lease_until IS NULL OR d.lease_until <= ${now}) AND e.disabled_at IS NULL
          ORDER BY d.next_attempt_at LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED
        ) due, webhook_endpoints e
        WHERE o.event_id = due.event_id AND o.endpoint_id = due.endpoint_id AND e.id = o.endpoint_id
        RETURNING o.event_id, o.endpoint_id, o.tenant_id, o.type, o.body, o.attempts, o.lease_until, e.url, e.secrets`;
      return rows.map(toClaimed);
    });
  }

  recordWebhookAttempt(owner: string, log: DeliveryLogRow): Promise<boolean> {
    return this.store.query(
      (sql) =>
        sql.begin(async (tx) => {
          await tx`INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, type, attempt, at, outcome, status, error, duration_ms, next_attempt_at)
            VALUES (${log.tenantId}, ${log.endpointId}, ${log.eventId}, ${log.type}, ${log.attempt}, ${log.at}, ${log.outcome}, ${log.status},
              ${log.error}, ${log.durationMs}, ${log.nextAttemptAt})`;
          const held = await tx`SELECT 1 FROM webhook_outbox
            WHERE event_id = ${log.eventId} AND endpoint_id = ${log.endpointId} AND lease_owner = ${owner} FOR UPDATE`;
          if (held.length === 0) return false;
          if (log.outcome === 'retrying') {
            await tx`UPDATE webhook_outbox SET attempts = ${log.attempt}, next_attempt_at = ${log.nextAttemptAt ?? log.at},
                lease_owner = NULL, lease_until = NULL
              WHERE event_id = ${log.eventId} AND endpoint_id = ${log.endpointId}`;
          } else if (log.outcome === 'endpoint_disabled') {
            await tx`UPDATE webhook_endpoints SET disabled_at = ${log.at}, disabled_reason = 'gone' WHERE id = ${log.endpointId}`;
            await tx`DELETE FROM webhook_outbox WHERE endpoint_id = ${log.endpointId}`;
          } else {
            await tx`DELETE FROM webhook_outbox WHERE event_id = ${log.eventId} AND endpoint_id = ${log.endpointId}`;
          }
          return true;
        }) as Promise<boolean>,
    );
  }

  listWebhookDeliveries(tenantId: string, from: number, to: number, limit: number): Promise<DeliveryLogRow[]> {
    return this.store.query(async (sql) =>
      (
        await sql`SELECT * FROM webhook_deliveries WHERE tenant_id = ${tenantId} AND at >= ${from} AND at < ${to} ORDER BY at, id LIMIT ${limit}`
      ).map(toDeliveryLog),
    );
  }

  listWebhookEndpoints(tenantId: string): Promise<WebhookEndpointRow[]> {
    return this.store.query(async (sql) =>
      (await sql`SELECT * FROM webhook_endpoints WHERE tenant_id = ${tenantId} ORDER BY created_at, id`).map(toEndpoint),
    );
  }

  putWebhookEndpoint(row: WebhookEndpointRow): Promise<void> {
    return this.store.query(async (sql) => {
      await sql`INSERT INTO webhook_endpoints (id, tenant_id, url, secrets, created_at, disabled_at, disabled_reason)
        VALUES (${row.id}, ${row.tenantId}, ${row.url}, ${JSON.stringify(row.secrets)}, ${row.createdAt}, ${row.disabledAt}, ${row.disabledReason})
        ON CONFLICT (id) DO UPDATE SET url = excluded.url, secrets = excluded.secrets,
          disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason`;
    });
  }

  deleteWebhookEndpoint(tenantId: string, id: string): Promise<boolean> {
    return this.store.query(
      async (sql) => (await sql`DELETE FROM webhook_endpoints WHERE tenant_id = ${tenantId} AND id = ${id}`).count > 0,
    );
  }
}
