/**
 * The webhook outbox: events are written in the same transaction as the change they describe (one row per
 * event and endpoint), and delivery workers on any instance claim due rows with a lease, so each event is
 * attempted by one instance at a time and nothing is lost across restarts.
 */

export interface WebhookEndpointRow {
  id: string;
  tenantId: string;
  url: string;
  /** Newest first; every one signs each delivery while a rotation is under way. */
  secrets: string[];
  createdAt: number;
  disabledAt: number | null;
  /** Why it was disabled, e.g. `gone` (answered 410). Never a response body. */
  disabledReason: string | null;
}

/** An event ready for the outbox; `body` is the exact JSON that is signed and sent. */
export interface OutboxEvent {
  id: string;
  tenantId: string;
  type: string;
  body: string;
  createdAt: number;
}

/** A due delivery, leased to one worker until `leaseUntil`. */
export interface ClaimedDelivery {
  eventId: string;
  endpointId: string;
  tenantId: string;
  type: string;
  body: string;
  url: string;
  secrets: string[];
  /** Attempts made before this one. */
  attempts: number;
  leaseUntil: number;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'endpoint_disabled';

/** One attempt, as the tenant's delivery log shows it: ids, timings and status codes only, no payloads. */
export interface DeliveryLogRow {
  tenantId: string;
  endpointId: string;
  eventId: string;
  type: string;
  attempt: number;
  at: number;
  outcome: DeliveryOutcome;
  /** The receiver's HTTP status, if it answered. */
  status: number | null;
  /** `timeout`, `network` or `http` (a non-2xx answer). */
  error: 'timeout' | 'network' | 'http' | null;
  durationMs: number;
  nextAttemptAt: number | null;
}

export interface OutboxStore {
  /** Fans the event out to the tenant's enabled endpoints; returns how many deliveries it queued. */
  enqueueWebhookEvent(event: OutboxEvent): Promise<number>;
  /** Leases up to `limit` due deliveries (pending, next attempt due, no live lease) to `owner`. */
  claimWebhookDeliveries(owner: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  /**
   * Records an attempt: `retrying` sets the next attempt, `delivered`/`failed` close the delivery,
   * `endpoint_disabled` disables the endpoint and cancels its other pending deliveries. Applies only while
   * `owner` still holds the lease; returns false otherwise (another instance took it over).
   */
  recordWebhookAttempt(owner: string, log: DeliveryLogRow): Promise<boolean>;
  listWebhookDeliveries(tenantId: string, from: number, to: number, limit: number): Promise<DeliveryLogRow[]>;

  listWebhookEndpoints(tenantId: string): Promise<WebhookEndpointRow[]>;
  /** Creates or replaces (same id) an endpoint; replacing re-enables it. */
  putWebhookEndpoint(row: WebhookEndpointRow): Promise<void>;
  deleteWebhookEndpoint(tenantId: string, id: string): Promise<boolean>;
}
