import type { OutboxEvent } from '../outbox/outbox.js';
import type {
  AccessCodeRow,
  AuditRow,
  ConsultationRow,
  EndConsultationInput,
  ListConsultationsQuery,
  LobbyEntryRow,
  LobbyMessageRow,
  LobbyStatus,
  ConnectionRating,
  RedeemedCode,
  RetentionResult,
  SessionStatsRow,
  WaitingNoticeRow,
  RevocationScope,
  RevokedIdentity,
  TokenRevocationRow,
} from './types.js';

export type * from './types.js';

/**
 * What the server reads and writes. Every method returns a promise: the embedded default (SQLite) answers
 * at once, a networked store (PostgreSQL) does not. Methods that change several tables do so in one
 * transaction of their own, or inside the caller's when called on the handle `transaction` passes.
 */
export interface StoreOps {
  insertConsultation(row: ConsultationRow, audit: AuditRow): Promise<void>;
  getConsultation(id: string): Promise<ConsultationRow | undefined>;
  /** Replaces the E2EE key of a running consultation (no-op once it ended: its key is gone). */
  rotateE2eeKey(id: string, key: string, audit: AuditRow): Promise<void>;
  listConsultations(tenantId: string, query: ListConsultationsQuery): Promise<ConsultationRow[]>;
  /** Consultations not ended yet, for the sweeper. */
  listOpenConsultations(): Promise<ConsultationRow[]>;
  /** Marks the consultation active (first participant) and counts the identity once. True when this call started it. */
  recordParticipantJoined(consultationId: string, identity: string, at: number): Promise<boolean>;
  /**
   * Ends a consultation in one transaction: status, key material, lobby entries, anonymous stats,
   * audit entry. Returns false when it had already ended (idempotent).
   */
  endConsultation(input: EndConsultationInput): Promise<boolean>;

  insertAccessCode(row: AccessCodeRow, audit: AuditRow): Promise<void>;
  /** Codes of a consultation that are neither used nor expired. */
  countOpenAccessCodes(consultationId: string, now: number): Promise<number>;
  /**
   * Consumes a valid (unused, unexpired, consultation not ended) code and creates the lobby entry
   * in one transaction (or inside the caller's `transaction`). Returns the entry with its consultation, or
   * undefined when the code cannot be used, whatever the reason.
   */
  redeemAccessCode(codeHash: string, now: number, entry: NewLobbyEntry): Promise<RedeemedCode | undefined>;

  getLobbyEntryByTicketHash(ticketHash: string): Promise<LobbyEntryRow | undefined>;
  getLobbyEntry(id: string): Promise<LobbyEntryRow | undefined>;
  /** Entries of one consultation in a given status, oldest first. */
  listLobbyEntries(consultationId: string, status: LobbyStatus): Promise<LobbyEntryRow[]>;
  /**
   * Sets an entry's status (and revokes its identity when it is declined or leaves). With `patch.from`, only when the
   * entry's current status is one of those: two practitioners admitting one patient at once, on one instance or two,
   * change it once. Returns whether the entry changed; when it did not, nothing else is written (audit included).
   */
  setLobbyStatus(id: string, status: LobbyStatus, patch?: LobbyStatusPatch, audit?: AuditRow): Promise<boolean>;
  /**
   * Marks a waiting entry as departing since `at` (its page closed), or with null clears a mark (the page came
   * back). Returns whether the entry changed: a mark is set only while waiting, cleared only where there is one.
   */
  setLobbyDeparture(id: string, at: number | null): Promise<boolean>;
  /** Waiting entries whose page went away at or before `before` and did not come back, oldest first. */
  listLobbyDepartures(before: number): Promise<LobbyEntryRow[]>;
  /** Replaces the device-check JSON of an entry (the patient's connection test reports after joining). */
  setLobbyDeviceCheck(id: string, deviceCheck: string): Promise<void>;
  /** Open (not ended) consultations of a practice, oldest first. */
  listPracticeConsultations(practiceId: string): Promise<ConsultationRow[]>;
  /** Waiting and admitted entries of all open consultations of a practice, in arrival order. */
  listPracticeEntries(practiceId: string): Promise<LobbyEntryRow[]>;
  /**
   * Moves a waiting or admitted entry from one consultation to another in one transaction: it waits again (its
   * arrival time, hence its place among the waiting, is kept), its room identity is revoked, the audit row
   * written. Returns the entry as it was, or undefined when it is not (or no longer) waiting or admitted there.
   */
  transferLobbyEntry(input: TransferInput): Promise<LobbyEntryRow | undefined>;
  /** Mean seconds from joining the lobby to admission over the tenant's most recent admissions. */
  averageWaitSeconds(tenantId: string, sampleSize: number): Promise<{ seconds: number; samples: number }>;
  addLobbyMessage(entryId: string, text: string, at: number, audit: AuditRow): Promise<void>;
  listLobbyMessages(entryId: string): Promise<LobbyMessageRow[]>;
  /** Sets (or with null clears) the note everyone waiting in the consultation sees. */
  setWaitingNotice(consultationId: string, text: string | null, at: number, audit: AuditRow): Promise<void>;
  getWaitingNotice(consultationId: string): Promise<WaitingNoticeRow | undefined>;
  /**
   * Records a patient's connection rating, once per lobby entry and only for one that was admitted; false
   * otherwise. The rating row holds tenant, UTC day and rating: nothing that leads back to the entry.
   */
  rateConnection(entryId: string, tenantId: string, rating: ConnectionRating, day: number): Promise<boolean>;
  /** Ratings per value for days in [from, to). */
  countRatings(tenantId: string, from: number, to: number): Promise<Record<ConnectionRating, number>>;

  /** Identities the server minted a grant for, per consultation (practitioners and admitted patients). */
  addIssuedIdentity(
    consultationId: string,
    identity: string,
    kind: 'patient' | 'practitioner',
    osFamily: string,
    at: number,
    /** For a practice token's grant: its practice, whose revocations cover this identity. */
    practiceId?: string,
  ): Promise<void>;
  /** True when the identity holds a grant that was not revoked (patient declined/left → false). */
  isIdentityAllowed(consultationId: string, identity: string): Promise<boolean>;
  /**
   * Records a revocation (a second one for the same token id keeps the later time), marks the practitioner identities
   * it covers revoked (`scope.identity`, or every practitioner of the consultation — of the practice's practice tokens
   * with `scope.practiceId` — when absent) and deletes rows past their expiry, in one transaction. Returns the
   * identities it covers with their consultations, to remove them from the rooms.
   */
  revokePractitionerTokens(row: TokenRevocationRow, scope: RevocationScope, audit: AuditRow): Promise<RevokedIdentity[]>;
  /** The consultation's revocations that have not expired. */
  listTokenRevocations(consultationId: string, now: number): Promise<TokenRevocationRow[]>;

  /** Records a webhook event id; false if it was seen before (replay). */
  recordWebhookEvent(id: string, at: number): Promise<boolean>;
  /**
   * Queues an outgoing webhook event for each enabled endpoint of its tenant; returns how many deliveries it
   * queued. Call it on a transaction's `tx` (server/outbox/emit.ts), so the event commits with its change.
   */
  enqueueWebhookEvent(event: OutboxEvent): Promise<number>;

  listStats(tenantId: string, from: number, to: number): Promise<SessionStatsRow[]>;
  insertAudit(row: AuditRow): Promise<void>;
  listAudit(tenantId: string, from: number, to: number): Promise<AuditRow[]>;

  /** Deletes everything older than the cutoff (ended consultations by end time, the rest by creation). */
  deleteOlderThan(cutoff: number): Promise<RetentionResult>;
}

export type NewLobbyEntry = Omit<LobbyEntryRow, 'consultationId' | 'tenantId' | 'alias' | 'role'>;
export interface LobbyStatusPatch {
  /** Change only from one of these statuses (a compare-and-set in the UPDATE itself). */
  from?: readonly LobbyStatus[];
  identity?: string;
  declineReason?: string | null;
  admittedAt?: number;
  admittedBy?: string;
  /** Change only while the entry still carries this departure mark (a page that came back cleared it). */
  departingAt?: number;
}
export interface TransferInput {
  entryId: string;
  fromConsultationId: string;
  toConsultationId: string;
  /** One row per consultation: the move out of one and into the other. */
  audits: AuditRow[];
}

export interface Store extends StoreOps {
  /**
   * Runs `fn` in one transaction and commits once (group commit): the calls it makes on `tx` join it
   * rather than opening their own. If `fn` throws, everything written through `tx` is rolled back and the
   * error rethrown. Calls on the store itself (not `tx`) from elsewhere meanwhile never see or join it.
   */
  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T>;
  /**
   * How many items a group commit (group-commit.ts) should put in one transaction. SQLite has one writer: one
   * large batch per turn. PostgreSQL has a pool: batches of about its size run side by side (lobby joins:
   * ~720/s in batches of ≤ 10 on a pool of 10, ~380/s in one batch, ~470/s one transaction each).
   */
  readonly groupCommitSize: number;
  close(): Promise<void>;
}

/** The names of the StoreOps methods, for stores that derive their async view from synchronous code. */
export const STORE_OPS = [
  'insertConsultation',
  'getConsultation',
  'rotateE2eeKey',
  'listConsultations',
  'listOpenConsultations',
  'recordParticipantJoined',
  'endConsultation',
  'insertAccessCode',
  'countOpenAccessCodes',
  'redeemAccessCode',
  'getLobbyEntryByTicketHash',
  'getLobbyEntry',
  'listLobbyEntries',
  'setLobbyStatus',
  'setLobbyDeviceCheck',
  'setLobbyDeparture',
  'listLobbyDepartures',
  'listPracticeConsultations',
  'listPracticeEntries',
  'transferLobbyEntry',
  'averageWaitSeconds',
  'addLobbyMessage',
  'listLobbyMessages',
  'setWaitingNotice',
  'getWaitingNotice',
  'rateConnection',
  'countRatings',
  'addIssuedIdentity',
  'isIdentityAllowed',
  'revokePractitionerTokens',
  'listTokenRevocations',
  'recordWebhookEvent',
  'enqueueWebhookEvent',
  'listStats',
  'insertAudit',
  'listAudit',
  'deleteOlderThan',
] as const satisfies readonly (keyof StoreOps)[];

/**
 * The store could not be reached or did not answer in time (network store down, pool exhausted, statement
 * timeout). The error middleware answers 503 `store_unavailable` for it, never 500.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Fails to compile when a StoreOps method is missing from STORE_OPS (asyncView would leave it undefined). */
export type StoreOpsListed = Exclude<keyof StoreOps, (typeof STORE_OPS)[number]> extends never ? true : never;
export const storeOpsListed: StoreOpsListed = true;
