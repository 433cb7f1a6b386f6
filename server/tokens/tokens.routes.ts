import type { Request } from 'express';
import { z } from 'zod';
import { authenticatePractitioner, authenticateTenant } from '../auth.js';
import type { ConsultationService } from '../consultations/consultations.service.js';
import type { TenantConfig } from '../config.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { errorBody, tenantErrors } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { practitionerToken } from '../consultations/consultations.schema.js';

const emptyBody = z.strictObject({});
/** The answer of every revocation, of consultation and of practice tokens. */
export const revoked = z.object({ tokenId: z.string().optional(), revokedAt: z.string() });
/** Token ids are the random practitioner ids the server issues (base64url). */
const TOKEN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * An integrator's revocation, of a consultation's or a practice's tokens: authenticated and fully validated (`scope`
 * finds the consultation or practice of the tenant, or throws) before `revoke` writes anything.
 */
export async function revokeTokens(
  ctx: AppContext,
  req: Request,
  input: { body(): unknown },
  tokenId: string | undefined,
  scope: (tenant: TenantConfig) => Promise<(tokenId: string | undefined) => Promise<{ revokedAt: number }>>,
): Promise<z.infer<typeof revoked>> {
  const tenant = authenticateTenant(ctx.config, req);
  input.body();
  const revoke = await scope(tenant);
  // Tokens are stateless, so any well-formed id is accepted (revoking an id never issued changes nothing).
  if (tokenId !== undefined && !TOKEN_ID.test(tokenId)) throw new ApiError(404, 'token_not_found', 'No token has this tokenId.');
  const { revokedAt } = await revoke(tokenId);
  return { ...(tokenId ? { tokenId } : {}), revokedAt: new Date(revokedAt).toISOString() };
}

/**
 * Practitioner token lifecycle: the refresh the SDK calls before its token expires (practitioner auth), and the
 * integrator's revocation of one token (with its refreshes) or of every token of a consultation issued until now.
 */
export function tokenRoutes(routes: RouteRegistry, ctx: AppContext, consultations: ConsultationService): void {
  routes.add(
    {
      method: 'post',
      path: '/v1/practitioner/token',
      summary: 'Refresh the practitioner token: the same token id with a fresh lifetime',
      auth: 'practitioner',
      tags: ['practitioner'],
      body: emptyBody,
      responses: {
        201: { description: 'The refreshed token', schema: practitionerToken },
        400: { description: 'Invalid request', schema: errorBody },
        401: { description: 'Missing, invalid, expired or revoked token (`token_revoked`)', schema: errorBody },
        403: { description: 'Origin not allowed, or refreshable no longer (`refresh_limit`)', schema: errorBody },
        410: { description: 'The consultation ended (a practice token is refreshed after its desk ended too)', schema: errorBody },
      },
    },
    async (req, res, input) => {
      // A practice token outlives its desk: its practice scope lasts as long as the token (docs: practice tokens).
      const { claims, consultation } = await authenticatePractitioner(ctx, req, { allowEnded: true });
      if (consultation.status === 'ended' && !claims.pr) throw new ApiError(410, 'consultation_ended', 'This consultation has ended.');
      input.body();
      const refreshed = ctx.practitionerTokens.refresh(claims, ctx.config.practitionerTokens.refreshableForHours * 3_600_000);
      if (!refreshed) {
        throw new ApiError(403, 'refresh_limit', 'This token cannot be refreshed any more. Ask the practice software for a new one.');
      }
      res.status(201).set('Cache-Control', 'no-store').json(refreshed);
    },
  );

  const integratorErrors = {
    ...tenantErrors,
    404: { description: "No such consultation (or another tenant's), or a malformed tokenId", schema: errorBody },
  };
  const revoke = (req: Request, input: { body(): unknown }, tokenId?: string) =>
    revokeTokens(ctx, req, input, tokenId, async (tenant) => {
      const consultation = await consultations.get(tenant, String(req.params.id));
      return (id) => ctx.revocations.revoke(consultation, id);
    });

  routes.add(
    {
      method: 'post',
      path: '/v1/consultations/:id/practitioner-tokens/revoke',
      summary: 'Revoke every practitioner token of the consultation issued until now (and their refreshes)',
      auth: 'tenant',
      tags: ['integrator'],
      body: emptyBody,
      responses: { 200: { description: 'Revoked; the practitioners are removed from the room', schema: revoked }, ...integratorErrors },
    },
    async (req, res, input) => res.json(await revoke(req, input)),
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/consultations/:id/practitioner-tokens/:tokenId/revoke',
      summary: 'Revoke one practitioner token (and its refreshes) by its tokenId',
      auth: 'tenant',
      tags: ['integrator'],
      body: emptyBody,
      responses: { 200: { description: 'Revoked; the practitioner is removed from the room', schema: revoked }, ...integratorErrors },
    },
    async (req, res, input) => res.json(await revoke(req, input, String(req.params.tokenId))),
  );
}
