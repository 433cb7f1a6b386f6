import type {
  AccessCodeRow,
  AuditRow,
  ConsultationRow,
  EndConsultationInput,
  ListConsultationsQuery,
  LobbyEntryRow,
  LobbyMessageRow,
  LobbyStatus,
  RedeemedCode,
  RetentionResult,
  SessionStatsRow,
} from './types.js';

export type * from './types.js';

/**
 * Everything the server persists. Synchronous because the embedded default (better-sqlite3) is;
 * a networked implementation would make these async (a deliberate later change, see the report).
 * Methods that change several tables do so in one transaction.
 */
export interface Store {
  /**
   * Runs `fn` in one transaction and commits once (group commit): the store calls it makes join it rather
   * than opening their own. If `fn` throws, everything it wrote is rolled back and the error rethrown.
   */
  transaction<T>(fn: () => T): T;

  insertConsultation(row: ConsultationRow, audit: AuditRow): void;
  getConsultation(id: string): ConsultationRow | undefined;
  /** Replaces the E2EE key of a running consultation (no-op once it ended: its key is gone). */
  rotateE2eeKey(id: string, key: string, audit: AuditRow): void;
  listConsultations(tenantId: string, query: ListConsultationsQuery): ConsultationRow[];
  /** Consultations not ended yet, for the sweeper. */
  listOpenConsultations(): ConsultationRow[];
  /** Marks the consultation active (first participant) and counts the identity once. */
  recordParticipantJoined(consultationId: string, identity: string, at: number): void;
  /**
   * Ends a consultation in one transaction: status, key material, lobby entries, anonymous stats,
   * audit entry. Returns false when it had already ended (idempotent).
   */
  endConsultation(input: EndConsultationInput): boolean;

  insertAccessCode(row: AccessCodeRow, audit: AuditRow): void;
  /** Codes of a consultation that are neither used nor expired. */
  countOpenAccessCodes(consultationId: string, now: number): number;
  /**
   * Consumes a valid (unused, unexpired, consultation not ended) code and creates the lobby entry
   * in one transaction (or inside the caller's `transaction`). Returns the entry with its consultation, or
   * undefined when the code cannot be used, whatever the reason.
   */
  redeemAccessCode(codeHash: string, now: number, entry: Omit<LobbyEntryRow, 'consultationId' | 'tenantId' | 'alias'>): RedeemedCode | undefined;

  getLobbyEntryByTicketHash(ticketHash: string): LobbyEntryRow | undefined;
  getLobbyEntry(id: string): LobbyEntryRow | undefined;
  /** Entries of one consultation in a given status, oldest first. */
  listLobbyEntries(consultationId: string, status: LobbyStatus): LobbyEntryRow[];
  setLobbyStatus(id: string, status: LobbyStatus, patch?: { identity?: string; declineReason?: string | null; admittedAt?: number }, audit?: AuditRow): void;
  /** Mean seconds from joining the lobby to admission over the tenant's most recent admissions. */
  averageWaitSeconds(tenantId: string, sampleSize: number): { seconds: number; samples: number };
  addLobbyMessage(entryId: string, text: string, at: number, audit: AuditRow): void;
  listLobbyMessages(entryId: string): LobbyMessageRow[];

  /** Identities the server minted a grant for, per consultation (practitioners and admitted patients). */
  addIssuedIdentity(consultationId: string, identity: string, kind: 'patient' | 'practitioner', osFamily: string, at: number): void;
  /** True when the identity holds a grant that was not revoked (patient declined/left → false). */
  isIdentityAllowed(consultationId: string, identity: string): boolean;
  revokeIdentity(consultationId: string, identity: string): void;

  /** Records a webhook event id; false if it was seen before (replay). */
  recordWebhookEvent(id: string, at: number): boolean;

  listStats(tenantId: string, from: number, to: number): SessionStatsRow[];
  insertAudit(row: AuditRow): void;
  listAudit(tenantId: string, from: number, to: number): AuditRow[];

  /** Deletes everything older than the cutoff (ended consultations by end time, the rest by creation). */
  deleteOlderThan(cutoff: number): RetentionResult;
  close(): void;
}
