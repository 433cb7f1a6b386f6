/**
 * Rows as both stores read and write them (snake_case columns; numbers may arrive as strings, e.g. Postgres
 * BIGINT), so that the SQLite and PostgreSQL stores differ only in their SQL dialect and driver.
 */
import type { NewLobbyEntry } from './store.js';
import type {
  AccessCodeRow,
  AuditRow,
  ConsultationRow,
  ConsultationStatus,
  ConnectionRating,
  LobbyEntryRow,
  LobbyMessageRow,
  LobbyStatus,
  RedeemedCode,
  SessionStatsRow,
  RevocationScope,
  RevokedIdentity,
  TokenRevocationRow,
  WaitingNoticeRow,
} from './types.js';

export type SqlRow = Record<string, unknown>;

/** Counts per rating from `SELECT rating, COUNT(*) AS n … GROUP BY rating`, every rating present. */
export function ratingCounts(rows: readonly SqlRow[]): Record<ConnectionRating, number> {
  const counts: Record<ConnectionRating, number> = { good: 0, fair: 0, poor: 0 };
  for (const r of rows) if (str(r.rating) in counts) counts[str(r.rating) as ConnectionRating] = Number(r.n);
  return counts;
}

export const str = (v: unknown): string => String(v);
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** Flags are INTEGER 0/1 in both schemas. */
const flag = (v: unknown): boolean => Number(v) === 1;
const bit = (b: boolean): number => (b ? 1 : 0);

export function toConsultation(r: SqlRow): ConsultationRow {
  return {
    id: str(r.id),
    tenantId: str(r.tenant_id),
    roomName: str(r.room_name),
    title: strOrNull(r.title),
    status: str(r.status) as ConsultationStatus,
    scheduledAt: numOrNull(r.scheduled_at),
    createdAt: Number(r.created_at),
    startedAt: numOrNull(r.started_at),
    endedAt: numOrNull(r.ended_at),
    maxParticipants: Number(r.max_participants),
    patientScreenShare: flag(r.patient_screen_share),
    e2ee: flag(r.e2ee),
    locale: str(r.locale),
    e2eeKey: strOrNull(r.e2ee_key),
    practiceId: strOrNull(r.practice_id),
  };
}

export function toEntry(r: SqlRow): LobbyEntryRow {
  return {
    id: str(r.id),
    ticketHash: str(r.ticket_hash),
    consultationId: str(r.consultation_id),
    tenantId: str(r.tenant_id),
    name: str(r.name),
    alias: strOrNull(r.alias),
    role: str(r.role),
    status: str(r.status) as LobbyStatus,
    waitingSince: Number(r.waiting_since),
    deviceCheck: strOrNull(r.device_check),
    identity: strOrNull(r.identity),
    declineReason: strOrNull(r.decline_reason),
    osFamily: str(r.os_family),
    admittedBy: strOrNull(r.admitted_by),
    departingAt: r.departing_at === null || r.departing_at === undefined ? null : Number(r.departing_at),
  };
}

export const toAudit = (r: SqlRow): AuditRow => ({
  tenantId: str(r.tenant_id),
  at: Number(r.at),
  actor: str(r.actor) as AuditRow['actor'],
  action: str(r.action),
  consultationId: strOrNull(r.consultation_id),
});

export const toMessage = (r: SqlRow): LobbyMessageRow => ({
  id: Number(r.id),
  entryId: str(r.entry_id),
  text: str(r.text),
  at: Number(r.at),
});

export const toStats = (r: SqlRow): SessionStatsRow => ({
  tenantId: str(r.tenant_id),
  startedAt: numOrNull(r.started_at),
  endedAt: Number(r.ended_at),
  durationSeconds: numOrNull(r.duration_seconds),
  participantCount: Number(r.participant_count),
  osFamilies: JSON.parse(str(r.os_families)) as Record<string, number>,
});

/** The anonymous stats row of a consultation that ends now: OS families of everyone who joined, duration from its start. */
export function endedStats(
  c: ConsultationRow,
  endedAt: number,
  joinedOsFamilies: unknown[],
): { duration: number | null; count: number; osFamilies: string } {
  const osFamilies: Record<string, number> = {};
  for (const os of joinedOsFamilies) osFamilies[str(os)] = (osFamilies[str(os)] ?? 0) + 1;
  const duration = c.startedAt === null ? null : Math.max(0, Math.round((endedAt - c.startedAt) / 1000));
  return { duration, count: joinedOsFamilies.length, osFamilies: JSON.stringify(osFamilies) };
}

export const toRevocation = (r: SqlRow): TokenRevocationRow => ({
  consultationId: str(r.consultation_id),
  tokenId: str(r.token_id),
  revokedAt: Number(r.revoked_at),
  expiresAt: Number(r.expires_at),
});

export const toWaitingNotice = (r: SqlRow): WaitingNoticeRow => ({ text: str(r.text), at: Number(r.at) });

/** From `SELECT AVG(admitted_at - waiting_since) AS avg, COUNT(*) AS n …` (AVG is NULL without samples). */
export const toAverageWait = (r: SqlRow | undefined): { seconds: number; samples: number } => ({
  seconds: Math.round(Number(r?.avg ?? 0) / 1000),
  samples: Number(r?.n ?? 0),
});

/**
 * The entry a redeemed code creates and the consultation it belongs to, from the code's row joined with its
 * consultation (`c.*` plus the code's tenant_id, alias and role as code_tenant_id, code_alias, code_role).
 */
export function toRedeemed(entry: NewLobbyEntry, code: SqlRow): RedeemedCode {
  const consultation = toConsultation(code);
  return {
    consultation,
    entry: {
      ...entry,
      consultationId: consultation.id,
      tenantId: str(code.code_tenant_id),
      alias: strOrNull(code.code_alias),
      role: str(code.code_role),
    },
  };
}

/** The identities a practitioner-token revocation covers: those it marked, plus the one it names (maybe not issued yet). */
export const coveredIdentities = (
  revoked: Record<string, unknown>[],
  row: TokenRevocationRow,
  scope: RevocationScope,
): RevokedIdentity[] => {
  const covered = revoked.map((r) => ({ consultationId: str(r.consultation_id), identity: str(r.identity) }));
  // A consultation's token revoked before its first grant: still removed from the room, which is harmless if absent.
  const { identity } = scope;
  return identity && !scope.practiceId && !covered.some((r) => r.identity === identity)
    ? [...covered, { consultationId: row.consultationId, identity }]
    : covered;
};

/**
 * The UPDATE marking a revocation's identities revoked, returning them; `$1`, `$2` are the scope's practice or
 * consultation id and the one identity (or NULL for all), written by `placeholder` in the store's style.
 */
export const revokeIdentitiesSql = (scope: RevocationScope, placeholder: (n: 1 | 2) => string): string =>
  `UPDATE issued_identities SET revoked = 1
     WHERE ${scope.practiceId ? 'practice_id' : 'consultation_id'} = ${placeholder(1)} AND kind = 'practitioner'
       AND (${placeholder(2)} IS NULL OR identity = ${placeholder(2)}) RETURNING consultation_id, identity`;

/** A table's columns for a new row, each with the value it takes from the row object. */
type Columns<R> = readonly (readonly [column: string, value: (row: R) => unknown])[];

/** One INSERT of a whole row: the statement (in a store's placeholder style) and its values in column order. */
export interface RowInsert<R> {
  sql: string;
  values(row: R): unknown[];
}

function rowInsert<R>(table: string, columns: Columns<R>): (placeholder: (i: number) => string) => RowInsert<R> {
  return (placeholder) => ({
    sql: `INSERT INTO ${table} (${columns.map(([c]) => c).join(', ')}) VALUES (${columns.map((_, i) => placeholder(i)).join(', ')})`,
    values: (row) => columns.map(([, value]) => value(row)),
  });
}

export const consultationInsert = rowInsert<ConsultationRow>('consultations', [
  ['id', (c) => c.id],
  ['tenant_id', (c) => c.tenantId],
  ['room_name', (c) => c.roomName],
  ['title', (c) => c.title],
  ['status', (c) => c.status],
  ['scheduled_at', (c) => c.scheduledAt],
  ['created_at', (c) => c.createdAt],
  ['started_at', (c) => c.startedAt],
  ['ended_at', (c) => c.endedAt],
  ['max_participants', (c) => c.maxParticipants],
  ['patient_screen_share', (c) => bit(c.patientScreenShare)],
  ['e2ee', (c) => bit(c.e2ee)],
  ['locale', (c) => c.locale],
  ['e2ee_key', (c) => c.e2eeKey],
  ['practice_id', (c) => c.practiceId ?? null],
]);

export const lobbyEntryInsert = rowInsert<LobbyEntryRow>('lobby_entries', [
  ['id', (e) => e.id],
  ['ticket_hash', (e) => e.ticketHash],
  ['consultation_id', (e) => e.consultationId],
  ['tenant_id', (e) => e.tenantId],
  ['name', (e) => e.name],
  ['alias', (e) => e.alias],
  ['role', (e) => e.role],
  ['status', (e) => e.status],
  ['waiting_since', (e) => e.waitingSince],
  ['device_check', (e) => e.deviceCheck],
  ['identity', (e) => e.identity],
  ['decline_reason', (e) => e.declineReason],
  ['os_family', (e) => e.osFamily],
]);

export const accessCodeInsert = rowInsert<AccessCodeRow>('access_codes', [
  ['code_hash', (a) => a.codeHash],
  ['consultation_id', (a) => a.consultationId],
  ['tenant_id', (a) => a.tenantId],
  ['alias', (a) => a.alias],
  ['role', (a) => a.role],
  ['created_at', (a) => a.createdAt],
  ['expires_at', (a) => a.expiresAt],
  ['used_at', (a) => a.usedAt],
]);

export const auditInsert = rowInsert<AuditRow>('audit_log', [
  ['tenant_id', (a) => a.tenantId],
  ['at', (a) => a.at],
  ['actor', (a) => a.actor],
  ['action', (a) => a.action],
  ['consultation_id', (a) => a.consultationId],
]);
