import { authenticateTenant } from '../auth.js';
import type { Config } from '../config.js';
import { parse } from '../http.js';
import { errorBody } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { periodQuery } from '../stats/stats.schema.js';
import type { OutboxStore } from './outbox.js';
import { deliveryLog } from './outbox.schema.js';

const DAY_MS = 86_400_000;

/** The tenant's own webhook delivery log (integrator API): ids, outcomes and timings only. */
export function outboxRoutes(routes: RouteRegistry, config: Config, outbox: OutboxStore, now: () => number): void {
  const iso = (ms: number): string => new Date(ms).toISOString();
  routes.add(
    {
      method: 'get',
      path: '/v1/webhook-deliveries',
      summary: 'Webhook delivery attempts for a period (oldest first, at most 1000)',
      auth: 'tenant',
      tags: ['integrator'],
      query: periodQuery,
      responses: {
        200: { description: 'Attempts', schema: deliveryLog },
        401: { description: 'Missing or wrong API key', schema: errorBody },
      },
    },
    async (req, res) => {
      const tenant = authenticateTenant(config, req);
      const q = parse(periodQuery, req.query, 'query');
      const to = q.to ? Date.parse(q.to) : now() + 1;
      const from = q.from ? Date.parse(q.from) : to - 30 * DAY_MS;
      const rows = await outbox.listWebhookDeliveries(tenant.id, from, to, 1000);
      res.json({
        items: rows.map((r) => ({
          eventId: r.eventId,
          type: r.type,
          endpointId: r.endpointId,
          attempt: r.attempt,
          at: iso(r.at),
          outcome: r.outcome,
          ...(r.status !== null ? { status: r.status } : {}),
          ...(r.error !== null ? { error: r.error } : {}),
          durationMs: r.durationMs,
          ...(r.nextAttemptAt !== null ? { nextAttemptAt: iso(r.nextAttemptAt) } : {}),
        })),
      });
    },
  );
}
