import type { Request } from 'express';
import type { Config, TenantConfig } from './config.js';
import type { AppContext } from './context.js';
import { hexEqual, keyedHash, sha256Hex } from './crypto.js';
import { ApiError } from './errors.js';
import { bearer } from './http.js';
import type { ConsultationRow, LobbyEntryRow } from './store/store.js';
import type { PractitionerClaims } from './tokens/tokens.service.js';

/** Integrator API: the tenant whose API key hashes to one of its configured hashes. */
export function authenticateTenant(config: Config, req: Request): TenantConfig {
  const key = bearer(req);
  if (key) {
    const hash = sha256Hex(key);
    let found: TenantConfig | undefined;
    // No early exit: the time taken does not depend on which tenant (if any) matches.
    for (const tenant of config.tenants) {
      for (const candidate of tenant.apiKeySha256) {
        if (hexEqual(hash, candidate) && !found) found = tenant;
      }
    }
    if (found) return found;
  }
  throw new ApiError(401, 'unauthorized', 'Send a valid tenant API key as "Authorization: Bearer <key>".', {
    'WWW-Authenticate': 'Bearer',
  });
}

/** Browser-facing calls from a page the tenant did not allow are refused (CORS alone only binds browsers). */
function checkOrigin(config: Config, tenantId: string, req: Request): void {
  const origin = req.get('origin');
  if (!origin) return;
  const tenant = config.tenants.find((t) => t.id === tenantId);
  if (!tenant?.allowedOrigins.includes(origin)) {
    throw new ApiError(403, 'origin_not_allowed', 'This page is not allowed to use this consultation.');
  }
}

export function ticketHash(config: Config, ticket: string): string {
  return keyedHash(config.secret, 'lobby-ticket', ticket);
}

/** Patient calls: the lobby ticket as bearer token. */
export async function authenticateTicket(ctx: AppContext, req: Request): Promise<{ entry: LobbyEntryRow; consultation: ConsultationRow }> {
  const ticket = bearer(req);
  const entry = ticket ? await ctx.store.getLobbyEntryByTicketHash(ticketHash(ctx.config, ticket)) : undefined;
  const consultation = entry && (await ctx.store.getConsultation(entry.consultationId));
  if (!entry || !consultation) {
    throw new ApiError(401, 'invalid_ticket', 'This waiting-room ticket is not valid. Join again with your access code.');
  }
  checkOrigin(ctx.config, entry.tenantId, req);
  return { entry, consultation };
}

/** A practitioner token signed by this server for a configured tenant, used from a page it allows, not revoked. */
async function verifyPractitionerToken(ctx: AppContext, req: Request): Promise<PractitionerClaims> {
  const token = bearer(req);
  const claims = token ? ctx.practitionerTokens.verify(token) : undefined;
  if (!claims || !ctx.config.tenants.some((t) => t.id === claims.t)) throw invalidToken();
  checkOrigin(ctx.config, claims.t, req);
  if (await ctx.revocations.isRevoked(claims)) throw new ApiError(401, 'token_revoked', 'This practitioner token was revoked.');
  return claims;
}

const invalidToken = (): ApiError => new ApiError(401, 'invalid_token', 'This practitioner token is not valid or has expired.');

/**
 * Practice-scope calls (the shared queue, transfers): a practice token, valid for its own lifetime unless revoked. The
 * consultation it also names (the practitioner's desk) may have ended meanwhile: a desk's call coming and going does
 * not take the practice's waiting room away from the person watching it. Whether the token is a practice token at
 * all is the route's to say (`PracticeService.practiceOf`), after it has read its body.
 */
export async function authenticatePracticeToken(ctx: AppContext, req: Request): Promise<{ claims: PractitionerClaims }> {
  return { claims: await verifyPractitionerToken(ctx, req) };
}

/** Practitioner calls: a signed practitioner token, valid while its consultation has not ended. */
export async function authenticatePractitioner(
  ctx: AppContext,
  req: Request,
  options: { allowEnded?: boolean } = {},
): Promise<{ claims: PractitionerClaims; consultation: ConsultationRow }> {
  const claims = await verifyPractitionerToken(ctx, req);
  const consultation = await ctx.store.getConsultation(claims.c);
  if (!consultation || consultation.tenantId !== claims.t) throw invalidToken();
  if (consultation.status === 'ended' && !options.allowEnded) {
    throw new ApiError(410, 'consultation_ended', 'This consultation has ended.');
  }
  return { claims, consultation };
}
