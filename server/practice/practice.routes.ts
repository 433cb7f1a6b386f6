import type { Request } from 'express';
import { authenticatePracticeToken, authenticateTenant } from '../auth.js';
import type { AppContext } from '../context.js';
import { practitionerToken } from '../consultations/consultations.schema.js';
import { emptyBody, emptyObject } from '../lobby/lobby.schema.js';
import { revoked, revokeTokens } from '../tokens/tokens.routes.js';
import type { LobbyStreams } from '../lobby/lobby.streams.js';
import { errorBody, tenantErrors } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { createPracticeTokenBody, transferBody } from './practice.schema.js';
import type { PracticeService } from './practice.service.js';

const practitionerErrors = {
  400: { description: 'Invalid request', schema: errorBody },
  401: { description: 'Missing, invalid, expired or revoked (`token_revoked`) practice token', schema: errorBody },
  403: { description: 'Origin not allowed, or a token for one consultation only (`not_practice_token`)', schema: errorBody },
};

/**
 * The practice-wide waiting room: the integrator mints practice tokens; practitioners holding one watch the
 * practice's shared queue and transfer patients between its consultations. The token also works on every
 * `/v1/practitioner/*` route for the practitioner's own consultation (its desk) while that one is open; the practice
 * scope (queue, transfers, refresh) lasts as long as the token itself: its TTL, its refresh limit, or a revocation.
 */
export function practiceRoutes(routes: RouteRegistry, ctx: AppContext, practices: PracticeService, streams: LobbyStreams): void {
  routes.add(
    {
      method: 'post',
      path: '/v1/practices/:practiceId/practitioner-tokens',
      summary:
        "Mint a practice-scoped practitioner token (the practice's shared queue, transfers, and the practitioner's own consultation)",
      auth: 'tenant',
      tags: ['integrator'],
      body: createPracticeTokenBody,
      responses: {
        201: { description: 'The token', schema: practitionerToken },
        ...tenantErrors,
        404: { description: 'No such practice (`practice_not_found`) or consultation (`consultation_not_found`)', schema: errorBody },
        409: { description: 'The consultation has ended or belongs to another practice (`not_in_practice`)', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const tenant = authenticateTenant(ctx.config, req);
      const token = await practices.issueToken(tenant, String(req.params.practiceId), input.body());
      res.status(201).set('Cache-Control', 'no-store').json(token);
    },
  );

  const revokeErrors = {
    ...tenantErrors,
    404: { description: 'No such practice (`practice_not_found`), or a malformed tokenId (`token_not_found`)', schema: errorBody },
  };
  const revoke = (req: Request, input: { body(): unknown }, tokenId?: string) =>
    revokeTokens(ctx, req, input, tokenId, async (tenant) => {
      const practiceId = String(req.params.practiceId);
      await practices.requirePractice(tenant, practiceId);
      return (id) => ctx.revocations.revokePractice(tenant.id, practiceId, id);
    });
  routes.add(
    {
      method: 'post',
      path: '/v1/practices/:practiceId/practitioner-tokens/revoke',
      summary: 'Revoke every practice token of the practice issued until now (and their refreshes), whichever desk each names',
      auth: 'tenant',
      tags: ['integrator'],
      body: emptyBody,
      responses: {
        200: {
          description: 'Revoked; their streams get `revoked`, their practitioners are removed from the calls they joined',
          schema: revoked,
        },
        ...revokeErrors,
      },
    },
    async (req, res, input) => res.json(await revoke(req, input)),
  );
  routes.add(
    {
      method: 'post',
      path: '/v1/practices/:practiceId/practitioner-tokens/:tokenId/revoke',
      summary: 'Revoke one practice token (and its refreshes) by its tokenId',
      auth: 'tenant',
      tags: ['integrator'],
      body: emptyBody,
      responses: {
        200: { description: "Revoked; its streams get `revoked`, its practitioner is removed from the practice's rooms", schema: revoked },
        ...revokeErrors,
      },
    },
    async (req, res, input) => res.json(await revoke(req, input, String(req.params.tokenId))),
  );

  const tags = ['practitioner'];
  routes.add(
    {
      method: 'get',
      path: '/v1/practice/events',
      summary:
        "Server-sent events: the practice's shared live queue (`queue`: its open consultations and every patient waiting for or admitted to one, with who took whom), then `revoked` or `expired` (the token)",
      auth: 'practitioner',
      tags,
      responses: { 200: { description: 'An event stream', contentType: 'text/event-stream' }, ...practitionerErrors },
    },
    async (req, res) => {
      const { claims } = await authenticatePracticeToken(ctx, req);
      const practiceId = practices.practiceOf(claims);
      streams.practice(res, practiceId, () => practices.queue(practiceId), ctx.revocations.streamToken(claims));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/practice/transfer',
      summary: 'Move a waiting or admitted patient to another consultation of the same practice (no new code, no second device check)',
      auth: 'practitioner',
      tags,
      body: transferBody,
      responses: {
        200: { description: 'Transferred: the patient waits in the target consultation', schema: emptyObject },
        ...practitionerErrors,
        404: {
          description: 'No such patient in this practice (`patient_not_found`) or no such consultation (`consultation_not_found`)',
          schema: errorBody,
        },
        409: {
          description:
            'The patient is no longer waiting or in a call (`not_waiting`), the target is in another practice (`not_same_practice`), is the same consultation (`same_consultation`) or has ended (`target_ended`)',
          schema: errorBody,
        },
      },
    },
    async (req, res, input) => {
      const { claims } = await authenticatePracticeToken(ctx, req);
      const { ticketId, toConsultationId } = input.body();
      await practices.transfer(claims, ticketId, toConsultationId);
      res.json({});
    },
  );
}
