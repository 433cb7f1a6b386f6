import type Database from 'better-sqlite3';
import type { SqliteStore } from './sqlite.js';
import type { ClaimedDelivery, DeliveryLogRow, OutboxEvent, OutboxStore, WebhookEndpointRow } from '../outbox/outbox.js';
import { toClaimed, toDeliveryLog as toLog, toEndpoint, type SqlRow } from './integration-rows.js';

/**
 * The outbox on SQLite (tables from migration 5). Every connection to the same file shares it: a claim is one
 * IMMEDIATE transaction, and SQLite has one writer at a time, so two instances never lease the same row.
 */
export class SqliteOutbox implements OutboxStore {
  private readonly db: Database.Database;

  constructor(private readonly store: SqliteStore) {
    this.db = store.db;
  }

  /** The store's connection is shared: run in its turn, never inside another caller's transaction. */
  private exclusive<T>(fn: () => T): Promise<T> {
    return this.store.exclusive(fn);
  }

  /** The store's own (StoreOps): services call it on a transaction's `tx`, so the event commits with its change. */
  enqueueWebhookEvent(event: OutboxEvent): Promise<number> {
    return this.store.enqueueWebhookEvent(event);
  }

  async claimWebhookDeliveries(owner: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const claim = this.db.transaction((): ClaimedDelivery[] => {
      const rows = this.db
        .prepare(
          `UPDATE webhook_outbox SET lease_owner = @owner, lease_until = @until
           WHERE rowid IN (
             SELECT o.rowid FROM webhook_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id
             WHERE o.next_attempt_at <= @now AND (o.lease_until IS NULL OR o.lease_until <= @now) AND e.disabled_at IS NULL
             ORDER BY o.next_attempt_at LIMIT @limit)
           RETURNING event_id, endpoint_id, tenant_id, type, body, attempts, lease_until`,
        )
        .all({ owner, now, until: now + leaseMs, limit }) as SqlRow[];
      const endpoint = this.db.prepare('SELECT url, secrets FROM webhook_endpoints WHERE id = ?');
      return rows.map((r) => toClaimed({ ...r, ...(endpoint.get(r.endpoint_id) as SqlRow) }));
    });
    return this.exclusive(() => claim.immediate());
  }

  async recordWebhookAttempt(owner: string, log: DeliveryLogRow): Promise<boolean> {
    const record = this.db.transaction((): boolean => {
      this.db
        .prepare(
          `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, type, attempt, at, outcome, status, error, duration_ms, next_attempt_at)
           VALUES (@tenantId, @endpointId, @eventId, @type, @attempt, @at, @outcome, @status, @error, @durationMs, @nextAttemptAt)`,
        )
        .run(log);
      const key = { eventId: log.eventId, endpointId: log.endpointId, owner };
      const held = this.db
        .prepare('SELECT 1 FROM webhook_outbox WHERE event_id = @eventId AND endpoint_id = @endpointId AND lease_owner = @owner')
        .get(key);
      if (!held) return false;
      if (log.outcome === 'retrying') {
        this.db
          .prepare(
            `UPDATE webhook_outbox SET attempts = @attempt, next_attempt_at = @next, lease_owner = NULL, lease_until = NULL
             WHERE event_id = @eventId AND endpoint_id = @endpointId`,
          )
          .run({ ...key, attempt: log.attempt, next: log.nextAttemptAt ?? log.at });
      } else if (log.outcome === 'endpoint_disabled') {
        this.db.prepare("UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = 'gone' WHERE id = ?").run(log.at, log.endpointId);
        this.db.prepare('DELETE FROM webhook_outbox WHERE endpoint_id = ?').run(log.endpointId);
      } else {
        this.db.prepare('DELETE FROM webhook_outbox WHERE event_id = @eventId AND endpoint_id = @endpointId').run(key);
      }
      return true;
    });
    return this.exclusive(() => record.immediate());
  }

  listWebhookDeliveries(tenantId: string, from: number, to: number, limit: number): Promise<DeliveryLogRow[]> {
    return this.exclusive(() =>
      (
        this.db
          .prepare('SELECT * FROM webhook_deliveries WHERE tenant_id = ? AND at >= ? AND at < ? ORDER BY at, id LIMIT ?')
          .all(tenantId, from, to, limit) as SqlRow[]
      ).map(toLog),
    );
  }

  listWebhookEndpoints(tenantId: string): Promise<WebhookEndpointRow[]> {
    return this.exclusive(() =>
      (this.db.prepare('SELECT * FROM webhook_endpoints WHERE tenant_id = ? ORDER BY created_at, id').all(tenantId) as SqlRow[]).map(
        toEndpoint,
      ),
    );
  }

  putWebhookEndpoint(row: WebhookEndpointRow): Promise<void> {
    return this.exclusive(
      () =>
        void this.db
          .prepare(
            `INSERT INTO webhook_endpoints (id, tenant_id, url, secrets, created_at, disabled_at, disabled_reason)
         VALUES (@id, @tenantId, @url, @secrets, @createdAt, @disabledAt, @disabledReason)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, secrets = excluded.secrets,
           disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason`,
          )
          .run({ ...row, secrets: JSON.stringify(row.secrets) }),
    );
  }

  deleteWebhookEndpoint(tenantId: string, id: string): Promise<boolean> {
    return this.exclusive(
      () => this.db.prepare('DELETE FROM webhook_endpoints WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0,
    );
  }
}
