import { createHmac, timingSafeEqual } from 'node:crypto';
import { AccessToken, TrackSource, type VideoGrant } from 'livekit-server-sdk';
import { z } from 'zod';
import type { Config } from '../config.js';
import { openE2eeKey } from '../key-sealing.js';
import type { ConsultationRow } from '../store/store.js';

export const PRACTITIONER_ROLE = 'practitioner';
export const PATIENT_ROLE = 'patient';
/**
 * Roles an integrator may give an access code. The grant carries the role as a participant attribute, so the UI
 * can show an interpreter or a relative as such (the name is whatever was typed).
 */
export const CODE_ROLES = [PATIENT_ROLE, 'interpreter', 'relative'] as const;
export type CodeRole = (typeof CODE_ROLES)[number];

/** What a browser needs to join the room. Returned by admission and the practitioner grant. */
export interface Admission {
  livekitUrl: string;
  token: string;
  identity: string;
  expiresAt: string;
  e2eeKey?: string;
  consultationId: string;
}

/** Mints LiveKit JWTs: narrow, one room, short-lived (patients: patientGrantTtlSeconds; practitioners: grantTtlMinutes). */
export class GrantService {
  constructor(
    private readonly config: Config,
    private readonly now: () => number,
  ) {}

  private async mint(
    consultation: ConsultationRow,
    identity: string,
    name: string,
    role: string,
    ttlSeconds: number,
    grant: VideoGrant,
  ): Promise<Admission> {
    // The role is a participant attribute set here, by the server: the UI marks the practitioner from it, never
    // from a name anyone could type. Participants cannot change their own attributes (canUpdateOwnMetadata off).
    const at = new AccessToken(this.config.livekit.apiKey, this.config.livekit.apiSecret, {
      identity,
      name,
      ttl: ttlSeconds,
      attributes: { role },
    });
    at.addGrant({ ...grant, room: consultation.roomName, roomJoin: true });
    const token = await at.toJwt();
    const admission: Admission = {
      livekitUrl: this.config.livekit.url,
      token,
      identity,
      expiresAt: new Date(this.now() + ttlSeconds * 1000).toISOString(),
      consultationId: consultation.id,
    };
    const e2eeKey = openE2eeKey(this.config.secret, consultation);
    if (e2eeKey) admission.e2eeKey = e2eeKey;
    return admission;
  }

  /** Camera + microphone (+ screen share if the consultation allows), data explicitly on, never admin. */
  patient(consultation: ConsultationRow, identity: string, name: string, role: string = PATIENT_ROLE): Promise<Admission> {
    const sources = [TrackSource.CAMERA, TrackSource.MICROPHONE];
    if (consultation.patientScreenShare) sources.push(TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO);
    return this.mint(consultation, identity, name, role, this.config.patientGrantTtlSeconds, {
      canPublish: true,
      canPublishSources: sources,
      canPublishData: true,
      canSubscribe: true,
      canUpdateOwnMetadata: false,
      roomAdmin: false,
      roomCreate: false,
      roomList: false,
      roomRecord: false,
    });
  }

  /** roomAdmin for this consultation's room only (the `room` claim scopes it). */
  practitioner(consultation: ConsultationRow, identity: string, name: string): Promise<Admission> {
    return this.mint(consultation, identity, name, PRACTITIONER_ROLE, this.config.grantTtlMinutes * 60, {
      roomAdmin: true,
      canUpdateOwnMetadata: false,
      canPublish: true,
      canPublishData: true,
      canSubscribe: true,
      roomCreate: false,
      roomList: false,
    });
  }
}

const practitionerClaims = z.strictObject({
  v: z.literal(1),
  /** consultation id */
  c: z.string(),
  /** tenant id */
  t: z.string(),
  /** practitioner id: a random id, part of the LiveKit identity; also the token id (kept by refreshes) */
  p: z.string(),
  /** display name */
  n: z.string(),
  /** expiry, epoch seconds */
  e: z.number(),
  /** when the integrator issued it, epoch ms: kept by refreshes (refresh limit, "revoke all issued until now") */
  i: z.number(),
  /** lifetime in minutes: what each refresh grants again */
  l: z.number(),
  /** practice id: the token also watches that practice's shared queue and transfers within it (server/practice/) */
  pr: z.string().optional(),
});
export type PractitionerClaims = z.infer<typeof practitionerClaims>;

export interface IssuedToken {
  token: string;
  /** Names the token and its refreshes for revocation. */
  tokenId: string;
  expiresAt: string;
}

/**
 * Practitioner tokens are self-contained and HMAC-signed with config.secret, so issuing one writes
 * nothing; they die with the consultation (every use checks that it has not ended) or at expiry. A practice
 * token's practice scope (`pr`: queue, transfers, refresh) lives on after its consultation ended, until expiry or a
 * revocation (server/auth.ts authenticatePracticeToken).
 */
export class PractitionerTokens {
  constructor(
    private readonly secret: string,
    private readonly now: () => number,
  ) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(`practitioner-token\0${payload}`).digest('base64url');
  }

  issue(claims: PractitionerClaims): IssuedToken {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `vcp.${payload}.${this.sign(payload)}`, tokenId: claims.p, expiresAt: new Date(claims.e * 1000).toISOString() };
  }

  /**
   * The same token with a fresh lifetime (`l` minutes from now), never beyond `refreshableForMs` after the integrator
   * issued it; undefined once that is reached. Id, practitioner and issue time stay, so a revocation covers it.
   */
  refresh(claims: PractitionerClaims, refreshableForMs: number): IssuedToken | undefined {
    const until = Math.min(this.now() + claims.l * 60_000, claims.i + refreshableForMs);
    if (until <= this.now()) return undefined;
    return this.issue({ ...claims, e: Math.max(claims.e, Math.floor(until / 1000)) });
  }

  verify(token: string): PractitionerClaims | undefined {
    const [prefix, payload, signature, ...rest] = token.split('.');
    if (prefix !== 'vcp' || !payload || !signature || rest.length) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const claims = practitionerClaims.safeParse(parsed);
    if (!claims.success || claims.data.e * 1000 <= this.now()) return undefined;
    return claims.data;
  }
}
