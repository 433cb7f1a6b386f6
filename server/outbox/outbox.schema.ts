import { z } from 'zod';

export const deliveryLog = z.object({
  items: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      endpointId: z.string(),
      attempt: z.int(),
      at: z.string(),
      outcome: z.enum(['delivered', 'retrying', 'failed', 'endpoint_disabled']),
      status: z.int().optional(),
      error: z.enum(['timeout', 'network', 'http']).optional(),
      durationMs: z.int(),
      nextAttemptAt: z.string().optional(),
    }),
  ),
});
