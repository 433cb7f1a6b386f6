import { randomId } from '../crypto.js';
import type { StoreOps } from '../store/store.js';
import { webhookEventData, type WebhookEventDataOf, type WebhookEventType } from './events.js';
import type { OutboxEvent } from './outbox.js';

/**
 * The one way services emit an outgoing webhook event. Call it on the `tx` of the store transaction that makes
 * the change, so both commit or neither does:
 *
 *   await ctx.store.transaction(async (tx) => {
 *     await tx.setLobbyStatus(...);
 *     await ctx.webhooks.emit(tx, tenantId, 'patient.transferred', { ticketId, fromConsultationId, ... });
 *   });
 *
 * `data` is parsed with the event's zod schema (events.ts), which also drops any field it does not declare: a
 * patient's typed name or contact details can never slip into a payload.
 */
export class WebhookEmitter {
  /** Set by the delivery worker's owner: looks for due deliveries soon after an emit instead of at the next poll. */
  onQueued: (() => void) | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Queues the event for every enabled endpoint of the tenant; returns how many deliveries were queued. */
  async emit<T extends WebhookEventType>(
    tx: Pick<StoreOps, 'enqueueWebhookEvent'>,
    tenantId: string,
    type: T,
    data: WebhookEventDataOf<T>,
  ): Promise<number> {
    const queued = await tx.enqueueWebhookEvent(webhookEvent(tenantId, type, data, this.now()));
    if (queued > 0) this.wakeSoon();
    return queued;
  }

  /**
   * After the transaction has committed, most likely: a worker on another connection (PostgreSQL) would not see
   * the rows before. A miss costs nothing but latency: the worker polls anyway.
   */
  private wakeSoon(): void {
    if (this.wakeTimer || !this.onQueued) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.onQueued?.();
    }, 25);
    this.wakeTimer.unref();
  }
}

/** The outbox row of one event: `body` is the exact JSON that is signed and sent (`{ type, timestamp, data }`). */
export function webhookEvent<T extends WebhookEventType>(tenantId: string, type: T, data: WebhookEventDataOf<T>, at: number): OutboxEvent {
  const parsed: unknown = webhookEventData[type].parse(data);
  return {
    id: randomId('evt_', 16),
    tenantId,
    type,
    createdAt: at,
    body: JSON.stringify({ type, timestamp: new Date(at).toISOString(), data: parsed }),
  };
}
