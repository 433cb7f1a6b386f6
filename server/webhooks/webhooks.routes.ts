import express from 'express';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { errorBody } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import type { WebhookService } from './webhooks.service.js';

export const webhookResult = z.object({ result: z.enum(['applied', 'duplicate', 'ignored']) });

/** The SFU's webhook URL. The signature covers the exact bytes, so this route alone reads the raw body. */
export function webhookRoutes(routes: RouteRegistry, webhooks: WebhookService): void {
  routes.add(
    {
      method: 'post',
      path: '/v1/webhooks/livekit',
      summary: 'LiveKit webhook receiver',
      auth: 'webhook',
      tags: ['sfu'],
      responses: { 200: { description: 'Processed', schema: webhookResult }, 401: { description: 'Bad signature', schema: errorBody } },
    },
    async (req, res) => {
      if (!Buffer.isBuffer(req.body)) throw new ApiError(400, 'invalid_request', 'body: expected a webhook payload');
      const result = await webhooks.receive(req.body.toString('utf8'), req.get('authorization'));
      res.json({ result });
    },
    [express.raw({ type: () => true, limit: '64kb' })],
  );
}
