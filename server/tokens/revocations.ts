import type { AppContext } from '../context.js';
import type { AuditRow, ConsultationRow, RevokedIdentity, TokenRevocationRow } from '../store/store.js';
import type { PractitionerClaims } from './tokens.service.js';

/** The token id of a revocation that covers every token of the consultation issued up to its time. */
export const ALL_TOKENS = '*';

/**
 * Where a practice's own revocations are kept: beside those of its consultations, under a key no consultation id can
 * take (ids are random base64url), so one cache, one table and one bus hint serve both.
 */
export const practiceKey = (practiceId: string): string => `practice:${practiceId}`;

/** A practitioner's LiveKit identity: the token id is the practitioner id, kept by every refresh of the token. */
export const practitionerIdentity = (tokenId: string): string => `practitioner-${tokenId}`;

/**
 * What an event stream opened with a practitioner token checks on every change, and when its token's lifetime ends
 * (epoch ms): it ends with `revoked` or `expired`, whichever `ended()` says.
 */
export interface StreamToken {
  expiresAt: number;
  ended(): Promise<'revoked' | 'expired' | undefined>;
}

/**
 * How long an instance trusts what it read about a consultation's revocations. Every write that could matter
 * publishes `changed` on the bus (over Redis to every instance), which drops the entry at once; the age limit only
 * bounds the damage of a hint that was lost without a resync.
 */
const CACHE_MS = 10_000;
const CACHE_MAX_ENTRIES = 10_000;

/**
 * Practitioner tokens are stateless (HMAC-signed), so revoking one writes a row that every check reads: per token id,
 * or `*` for all tokens of a consultation issued up to then. Rows live as long as a token they refuse could
 * (`refreshableForHours`), then are deleted.
 */
export class TokenRevocations {
  private readonly cache = new Map<string, { rows: Promise<TokenRevocationRow[]>; readAt: number }>();

  constructor(private readonly ctx: Pick<AppContext, 'store' | 'bus' | 'rooms' | 'config' | 'now' | 'log'>) {
    // Subscribed before any stream: a stream re-reading on this event already sees the new revocation.
    ctx.bus.subscribe((event, consultationId) => {
      if (event === 'resync') this.cache.clear();
      else this.cache.delete(consultationId);
    });
  }

  /** By its consultation's revocations and, for a practice token, by its practice's. */
  async isRevoked(claims: PractitionerClaims): Promise<boolean> {
    const rows = [...(await this.rows(claims.c)), ...(claims.pr ? await this.rows(practiceKey(claims.pr)) : [])];
    return rows.some((r) => r.tokenId === claims.p || (r.tokenId === ALL_TOKENS && claims.i <= r.revokedAt));
  }

  /** For a stream opened with these claims: past the token's expiry needs no read; else its revocations decide. */
  streamToken(claims: PractitionerClaims): StreamToken {
    const expiresAt = claims.e * 1000;
    return {
      expiresAt,
      ended: async () => (this.ctx.now() >= expiresAt ? 'expired' : (await this.isRevoked(claims)) ? 'revoked' : undefined),
    };
  }

  private rows(consultationId: string): Promise<TokenRevocationRow[]> {
    const now = this.ctx.now();
    const cached = this.cache.get(consultationId);
    if (cached && now - cached.readAt < CACHE_MS) return cached.rows;
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
    const rows = this.ctx.store.listTokenRevocations(consultationId, now);
    this.cache.set(consultationId, { rows, readAt: now });
    // A failed read is not kept: the next check reads again.
    rows.catch(() => {
      if (this.cache.get(consultationId)?.rows === rows) this.cache.delete(consultationId);
    });
    return rows;
  }

  /**
   * Revokes one token (and its refreshes) or, without `tokenId`, every token of the consultation issued until now;
   * the practitioners concerned are removed from the room and their identities may not join again.
   */
  async revoke(consultation: ConsultationRow, tokenId: string | undefined): Promise<{ revokedAt: number }> {
    const revokedAt = this.ctx.now();
    const audit: AuditRow = {
      tenantId: consultation.tenantId,
      actor: 'integrator',
      action: tokenId ? 'practitioner_token.revoke' : 'practitioner_token.revoke_all',
      consultationId: consultation.id,
      at: revokedAt,
    };
    const identities = await this.ctx.store.revokePractitionerTokens(
      this.row(consultation.id, tokenId, revokedAt),
      tokenId === undefined ? {} : { identity: practitionerIdentity(tokenId) },
      audit,
    );
    // Every instance drops what it read about this consultation, and practitioner streams re-check their token.
    this.ctx.bus.publish('changed', consultation.id);
    await this.removeFromRooms(identities, [consultation]);
    return { revokedAt };
  }

  /**
   * Revokes one practice token (and its refreshes) or, without `tokenId`, every practice token of the practice issued
   * until now, whichever consultation each names. Every instance refuses them at once; open practice streams and the
   * desks' practitioner streams get `revoked`; a revoked practitioner is removed from the rooms of the practice.
   */
  async revokePractice(tenantId: string, practiceId: string, tokenId: string | undefined): Promise<{ revokedAt: number }> {
    const revokedAt = this.ctx.now();
    const key = practiceKey(practiceId);
    const audit: AuditRow = {
      tenantId,
      actor: 'integrator',
      action: tokenId ? 'practice_token.revoke' : 'practice_token.revoke_all',
      consultationId: null,
      at: revokedAt,
    };
    const identities = await this.ctx.store.revokePractitionerTokens(
      this.row(key, tokenId, revokedAt),
      { practiceId, ...(tokenId === undefined ? {} : { identity: practitionerIdentity(tokenId) }) },
      audit,
    );
    const open = await this.ctx.store.listPracticeConsultations(practiceId);
    this.ctx.bus.publish('changed', key);
    for (const c of open) this.ctx.bus.publish('changed', c.id);
    await this.removeFromRooms(identities, open);
    return { revokedAt };
  }

  private row(consultationId: string, tokenId: string | undefined, revokedAt: number): TokenRevocationRow {
    const expiresAt = revokedAt + this.ctx.config.practitionerTokens.refreshableForHours * 3_600_000;
    return { consultationId, tokenId: tokenId ?? ALL_TOKENS, revokedAt, expiresAt };
  }

  /** Revoked identities leave the rooms of those consultations still open; an ended one has no room left. */
  private async removeFromRooms(identities: RevokedIdentity[], open: ConsultationRow[]): Promise<void> {
    const rooms = new Map(open.map((c) => [c.id, c.roomName]));
    await Promise.all(
      identities.map(async ({ consultationId, identity }) => {
        const room = rooms.get(consultationId);
        if (room === undefined) return;
        await this.ctx.rooms.removeParticipant(room, identity).catch(() => {
          // Not in the room: nothing to remove. Should they join with a LiveKit grant they still hold, the
          // participant_joined webhook removes them (their identity is revoked).
        });
      }),
    );
  }
}
