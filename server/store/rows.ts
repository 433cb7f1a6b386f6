/** Rows as both stores read them (snake_case columns; numbers may arrive as strings, e.g. Postgres BIGINT). */
import type {
  AuditRow,
  ConsultationRow,
  ConsultationStatus,
  ConnectionRating,
  LobbyEntryRow,
  LobbyMessageRow,
  LobbyStatus,
  SessionStatsRow,
  TokenRevocationRow,
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
