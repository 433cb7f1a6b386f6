/** Rows as the services see them. Times are epoch milliseconds. */

export type ConsultationStatus = 'scheduled' | 'active' | 'ended';

export interface ConsultationRow {
  id: string;
  tenantId: string;
  roomName: string;
  title: string | null;
  status: ConsultationStatus;
  scheduledAt: number | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  maxParticipants: number;
  patientScreenShare: boolean;
  e2ee: boolean;
  locale: string;
  /** Base64 room key; null once the consultation ended (key material is destroyed). */
  /** Sealed under a key derived from the server secret (key-sealing.ts); never the key in clear. */
  e2eeKey: string | null;
  /** The practice (inside the tenant) whose shared waiting room lists this consultation; optional for rows built by hand. */
  practiceId?: string | null;
}

export interface AccessCodeRow {
  codeHash: string;
  consultationId: string;
  tenantId: string;
  alias: string | null;
  /** The role the integrator gave the code (`patient`, `interpreter`, `relative`); the lobby entry inherits it. */
  role: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export type LobbyStatus = 'waiting' | 'admitted' | 'declined' | 'left' | 'ended';

export interface LobbyEntryRow {
  /** Public, opaque id the practitioner sees (`ticketId`). */
  id: string;
  ticketHash: string;
  consultationId: string;
  tenantId: string;
  name: string;
  alias: string | null;
  /** From the access code: the participant attribute of this patient's grant. */
  role: string;
  status: LobbyStatus;
  waitingSince: number;
  deviceCheck: string | null;
  identity: string | null;
  declineReason: string | null;
  osFamily: string;
  /** Display name of the practitioner who admitted the patient (the practice queue shows who took whom). */
  admittedBy?: string | null;
  /** When the patient's page said it was going away (closed, navigated elsewhere); cleared when it comes back. */
  departingAt?: number | null;
}

/** A redeemed access code: the new lobby entry and the consultation it waits for. */
export interface RedeemedCode {
  entry: LobbyEntryRow;
  consultation: ConsultationRow;
}

export interface LobbyMessageRow {
  id: number;
  entryId: string;
  text: string;
  at: number;
}

/** The practitioner's note to everyone waiting in a consultation. */
export interface WaitingNoticeRow {
  text: string;
  at: number;
}

export const CONNECTION_RATINGS = ['good', 'fair', 'poor'] as const;
export type ConnectionRating = (typeof CONNECTION_RATINGS)[number];

export interface SessionStatsRow {
  tenantId: string;
  startedAt: number | null;
  endedAt: number;
  durationSeconds: number | null;
  participantCount: number;
  /** JSON object: OS family → count. */
  osFamilies: Record<string, number>;
}

export interface AuditRow {
  tenantId: string;
  at: number;
  actor: 'integrator' | 'practitioner' | 'patient' | 'sfu' | 'system';
  action: string;
  consultationId: string | null;
}

export interface ListConsultationsQuery {
  status?: ConsultationStatus;
  limit: number;
  /** Exclusive lower bound on (createdAt, id) ordering, newest first. */
  cursor?: { createdAt: number; id: string };
}

/** A revoked practitioner token (`tokenId`), or with tokenId `*` every token of the consultation issued up to `revokedAt`. */
export interface TokenRevocationRow {
  consultationId: string;
  tokenId: string;
  revokedAt: number;
  /** No token this row could refuse outlives it: the row is deleted after. */
  expiresAt: number;
}

/** Whose practitioner identities a revocation marks revoked: one (`identity`) or all, of a consultation or a practice. */
export interface RevocationScope {
  identity?: string;
  /** The identities granted to this practice's practice tokens, in whichever consultation, instead of the row's consultation. */
  practiceId?: string;
}

export interface RevokedIdentity {
  consultationId: string;
  identity: string;
}

export interface EndConsultationInput {
  id: string;
  endedAt: number;
  audit: AuditRow;
}

export interface RetentionResult {
  consultations: number;
  accessCodes: number;
  lobbyEntries: number;
  audit: number;
  stats: number;
  webhookEvents: number;
}
