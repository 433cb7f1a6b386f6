import Database, { type Statement } from 'better-sqlite3';
import { migrationsTableSql, pendingMigrations } from './migrations.js';
import {
  accessCodeInsert,
  auditInsert,
  consultationInsert,
  coveredIdentities,
  endedStats,
  lobbyEntryInsert,
  ratingCounts,
  toAudit,
  toAverageWait,
  toConsultation,
  toEntry,
  toMessage,
  toRedeemed,
  toRevocation,
  toStats,
  toWaitingNotice,
  type SqlRow,
} from './rows.js';
import type { OutboxEvent } from '../outbox/outbox.js';
import type { LobbyStatusPatch, NewLobbyEntry, StoreOps, TransferInput } from './store.js';
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
  WaitingNoticeRow,
  ConnectionRating,
  TokenRevocationRow,
} from './types.js';

/** StoreOps as plain synchronous calls (better-sqlite3 is synchronous). */
export type SyncStoreOps = {
  [K in keyof StoreOps]: StoreOps[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

const INSERT_CONSULTATION = consultationInsert(() => '?');
const INSERT_ENTRY = lobbyEntryInsert(() => '?');
const INSERT_CODE = accessCodeInsert(() => '?');
const INSERT_AUDIT = auditInsert(() => '?');

/** Synchronous code over one better-sqlite3 connection; SqliteStore (sqlite.ts) gives it the async Store shape. */
export class SqliteOps implements SyncStoreOps {
  constructor(readonly db: Database.Database) {}

  /** Prepared statements, compiled once: preparing on every call cost ~5% of a lobby join (bench). */
  private readonly statements = new Map<string, Statement>();
  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private get(text: string, ...params: unknown[]): SqlRow | undefined {
    return this.sql(text).get(...params) as SqlRow | undefined;
  }

  private all(text: string, ...params: unknown[]): SqlRow[] {
    return this.sql(text).all(...params) as SqlRow[];
  }

  /** Runs one INSERT, UPDATE or DELETE; how many rows it changed. */
  private run(text: string, ...params: unknown[]): number {
    return this.sql(text).run(...params).changes;
  }

  migrate(): void {
    this.db.exec(migrationsTableSql('sqlite'));
    const applied = this.all('SELECT version FROM migrations').map((r) => Number(r.version));
    for (const m of pendingMigrations('sqlite', applied)) {
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.sql('INSERT INTO migrations (version, applied_at) VALUES (?, ?)').run(m.version, Date.now());
      })();
    }
  }

  insertAudit(row: AuditRow): void {
    this.run(INSERT_AUDIT.sql, ...INSERT_AUDIT.values(row));
  }

  insertConsultation(c: ConsultationRow, audit: AuditRow): void {
    this.db.transaction(() => {
      this.run(INSERT_CONSULTATION.sql, ...INSERT_CONSULTATION.values(c));
      this.insertAudit(audit);
    })();
  }

  getConsultation(id: string): ConsultationRow | undefined {
    const r = this.get('SELECT * FROM consultations WHERE id = ?', id);
    return r && toConsultation(r);
  }

  listConsultations(tenantId: string, q: ListConsultationsQuery): ConsultationRow[] {
    const where = ['tenant_id = @tenantId'];
    if (q.status) where.push('status = @status');
    if (q.cursor) where.push('(created_at < @cAt OR (created_at = @cAt AND id < @cId))');
    return this.all(`SELECT * FROM consultations WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`, {
      tenantId,
      status: q.status ?? null,
      cAt: q.cursor?.createdAt ?? 0,
      cId: q.cursor?.id ?? '',
      limit: q.limit,
    }).map(toConsultation);
  }

  listOpenConsultations(): ConsultationRow[] {
    return this.all("SELECT * FROM consultations WHERE status != 'ended'").map(toConsultation);
  }

  recordParticipantJoined(consultationId: string, identity: string, at: number): boolean {
    return this.transaction(() => {
      const started = this.run(
        "UPDATE consultations SET status = 'active', started_at = COALESCE(started_at, ?) WHERE id = ? AND status = 'scheduled'",
        at,
        consultationId,
      );
      this.run(
        'UPDATE issued_identities SET joined_at = COALESCE(joined_at, ?) WHERE consultation_id = ? AND identity = ?',
        at,
        consultationId,
        identity,
      );
      return started > 0;
    });
  }

  endConsultation({ id, endedAt, audit }: EndConsultationInput): boolean {
    return this.db.transaction(() => {
      const c = this.getConsultation(id);
      if (!c || c.status === 'ended') return false;
      this.run("UPDATE consultations SET status = 'ended', ended_at = ?, e2ee_key = NULL WHERE id = ?", endedAt, id);
      this.run("UPDATE lobby_entries SET status = 'ended' WHERE consultation_id = ? AND status IN ('waiting', 'admitted')", id);
      // Personal data is only needed while the consultation runs: names, device checks and messages go now.
      this.run(
        "UPDATE lobby_entries SET name = '', device_check = NULL, decline_reason = NULL, admitted_by = NULL WHERE consultation_id = ?",
        id,
      );
      this.run('DELETE FROM lobby_messages WHERE entry_id IN (SELECT id FROM lobby_entries WHERE consultation_id = ?)', id);
      this.run('DELETE FROM waiting_notices WHERE consultation_id = ?', id);
      // Codes are useless now; drop their hashes rather than wait for retention.
      this.run('DELETE FROM access_codes WHERE consultation_id = ?', id);
      const joined = this.all('SELECT os_family FROM issued_identities WHERE consultation_id = ? AND joined_at IS NOT NULL', id);
      const stats = endedStats(
        c,
        endedAt,
        joined.map((r) => r.os_family),
      );
      this.run(
        'INSERT INTO session_stats (tenant_id, started_at, ended_at, duration_seconds, participant_count, os_families) VALUES (?, ?, ?, ?, ?, ?)',
        c.tenantId,
        c.startedAt,
        endedAt,
        stats.duration,
        stats.count,
        stats.osFamilies,
      );
      this.insertAudit(audit);
      return true;
    })();
  }

  insertAccessCode(row: AccessCodeRow, audit: AuditRow): void {
    this.db.transaction(() => {
      this.run(INSERT_CODE.sql, ...INSERT_CODE.values(row));
      this.insertAudit(audit);
    })();
  }

  countOpenAccessCodes(consultationId: string, now: number): number {
    return Number(
      this.sql('SELECT COUNT(*) FROM access_codes WHERE consultation_id = ? AND used_at IS NULL AND expires_at > ?')
        .pluck()
        .get(consultationId, now),
    );
  }

  rotateE2eeKey(id: string, key: string, audit: AuditRow): void {
    this.db.transaction(() => {
      const changed = this.run("UPDATE consultations SET e2ee_key = ? WHERE id = ? AND status != 'ended' AND e2ee = 1", key, id);
      if (changed) this.insertAudit(audit);
    })();
  }

  /** Inside SqliteStore.transaction the work joins it (no savepoint each): a throw rolls all of it back. */
  private transaction<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }

  redeemAccessCode(codeHash: string, now: number, entry: NewLobbyEntry): RedeemedCode | undefined {
    return this.transaction(() => {
      // One read gives the code and its consultation (the response needs both); the update then goes
      // straight to the row instead of looking the hash up again.
      const code = this.get(
        `SELECT a.rowid AS code_rowid, a.tenant_id AS code_tenant_id, a.alias AS code_alias, a.role AS code_role, c.*
           FROM access_codes a JOIN consultations c ON c.id = a.consultation_id
           WHERE a.code_hash = ? AND a.used_at IS NULL AND a.expires_at > ? AND c.status != 'ended'`,
        codeHash,
        now,
      );
      if (!code) return undefined;
      this.run('UPDATE access_codes SET used_at = ? WHERE rowid = ?', now, code.code_rowid);
      const redeemed = toRedeemed(entry, code);
      this.run(INSERT_ENTRY.sql, ...INSERT_ENTRY.values(redeemed.entry));
      return redeemed;
    });
  }

  getLobbyEntryByTicketHash(ticketHash: string): LobbyEntryRow | undefined {
    const r = this.get('SELECT * FROM lobby_entries WHERE ticket_hash = ?', ticketHash);
    return r && toEntry(r);
  }

  getLobbyEntry(id: string): LobbyEntryRow | undefined {
    const r = this.get('SELECT * FROM lobby_entries WHERE id = ?', id);
    return r && toEntry(r);
  }

  listLobbyEntries(consultationId: string, status: LobbyStatus): LobbyEntryRow[] {
    return this.all(
      'SELECT * FROM lobby_entries WHERE consultation_id = ? AND status = ? ORDER BY waiting_since, rowid',
      consultationId,
      status,
    ).map(toEntry);
  }

  setLobbyStatus(id: string, status: LobbyStatus, patch: LobbyStatusPatch = {}, audit?: AuditRow): boolean {
    const from = patch.from ?? [];
    return this.db.transaction(() => {
      const changes = this.run(
        `UPDATE lobby_entries SET status = ?, identity = COALESCE(?, identity), decline_reason = ?, admitted_at = COALESCE(?, admitted_at),
             admitted_by = COALESCE(?, admitted_by) WHERE id = ? AND (? = 0 OR status IN (SELECT value FROM json_each(?)))`,
        status,
        patch.identity ?? null,
        patch.declineReason ?? null,
        patch.admittedAt ?? null,
        patch.admittedBy ?? null,
        id,
        from.length,
        JSON.stringify(from),
      );
      if (changes === 0) return false;
      if (status === 'declined' || status === 'left') {
        this.run('UPDATE issued_identities SET revoked = 1 WHERE identity = (SELECT identity FROM lobby_entries WHERE id = ?)', id);
      }
      if (audit) this.insertAudit(audit);
      return true;
    })();
  }

  setLobbyDeviceCheck(id: string, deviceCheck: string): void {
    this.run('UPDATE lobby_entries SET device_check = ? WHERE id = ?', deviceCheck, id);
  }

  listPracticeConsultations(practiceId: string): ConsultationRow[] {
    return this.all("SELECT * FROM consultations WHERE practice_id = ? AND status != 'ended' ORDER BY created_at, id", practiceId).map(
      toConsultation,
    );
  }

  listPracticeEntries(practiceId: string): LobbyEntryRow[] {
    return this.all(
      `SELECT e.* FROM lobby_entries e JOIN consultations c ON c.id = e.consultation_id
         WHERE c.practice_id = ? AND c.status != 'ended' AND e.status IN ('waiting', 'admitted') ORDER BY e.waiting_since, e.rowid`,
      practiceId,
    ).map(toEntry);
  }

  transferLobbyEntry({ entryId, fromConsultationId, toConsultationId, audits }: TransferInput): LobbyEntryRow | undefined {
    return this.db.transaction(() => {
      const r = this.get(
        "SELECT * FROM lobby_entries WHERE id = ? AND consultation_id = ? AND status IN ('waiting', 'admitted')",
        entryId,
        fromConsultationId,
      );
      if (!r) return undefined;
      const entry = toEntry(r);
      if (entry.identity) {
        this.run('UPDATE issued_identities SET revoked = 1 WHERE consultation_id = ? AND identity = ?', fromConsultationId, entry.identity);
      }
      this.run(
        `UPDATE lobby_entries SET consultation_id = ?, status = 'waiting', identity = NULL, admitted_at = NULL, admitted_by = NULL
           WHERE id = ?`,
        toConsultationId,
        entryId,
      );
      for (const audit of audits) this.insertAudit(audit);
      return entry;
    })();
  }

  averageWaitSeconds(tenantId: string, sampleSize: number): { seconds: number; samples: number } {
    return toAverageWait(
      this.get(
        `SELECT AVG(admitted_at - waiting_since) AS avg, COUNT(*) AS n FROM (
           SELECT admitted_at, waiting_since FROM lobby_entries WHERE tenant_id = ? AND admitted_at IS NOT NULL
           ORDER BY admitted_at DESC LIMIT ?)`,
        tenantId,
        sampleSize,
      ),
    );
  }

  addLobbyMessage(entryId: string, text: string, at: number, audit: AuditRow): void {
    this.db.transaction(() => {
      this.run('INSERT INTO lobby_messages (entry_id, text, at) VALUES (?, ?, ?)', entryId, text, at);
      this.insertAudit(audit);
    })();
  }

  listLobbyMessages(entryId: string): LobbyMessageRow[] {
    return this.all('SELECT * FROM lobby_messages WHERE entry_id = ? ORDER BY id', entryId).map(toMessage);
  }

  setWaitingNotice(consultationId: string, text: string | null, at: number, audit: AuditRow): void {
    this.db.transaction(() => {
      if (text === null) this.run('DELETE FROM waiting_notices WHERE consultation_id = ?', consultationId);
      else {
        this.run(
          'INSERT INTO waiting_notices (consultation_id, text, at) VALUES (?, ?, ?) ON CONFLICT (consultation_id) DO UPDATE SET text = excluded.text, at = excluded.at',
          consultationId,
          text,
          at,
        );
      }
      this.insertAudit(audit);
    })();
  }

  getWaitingNotice(consultationId: string): WaitingNoticeRow | undefined {
    const r = this.get('SELECT text, at FROM waiting_notices WHERE consultation_id = ?', consultationId);
    return r && toWaitingNotice(r);
  }

  rateConnection(entryId: string, tenantId: string, rating: ConnectionRating, day: number): boolean {
    return this.db.transaction(() => {
      if (this.run('UPDATE lobby_entries SET rated = 1 WHERE id = ? AND rated = 0 AND admitted_at IS NOT NULL', entryId) !== 1)
        return false;
      this.run('INSERT INTO connection_ratings (tenant_id, day, rating) VALUES (?, ?, ?)', tenantId, day, rating);
      return true;
    })();
  }

  countRatings(tenantId: string, from: number, to: number): Record<ConnectionRating, number> {
    return ratingCounts(
      this.all(
        'SELECT rating, COUNT(*) AS n FROM connection_ratings WHERE tenant_id = ? AND day >= ? AND day < ? GROUP BY rating',
        tenantId,
        from,
        to,
      ),
    );
  }

  addIssuedIdentity(consultationId: string, identity: string, kind: 'patient' | 'practitioner', osFamily: string, at: number): void {
    this.run(
      `INSERT INTO issued_identities (consultation_id, identity, kind, os_family, issued_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (consultation_id, identity) DO NOTHING`,
      consultationId,
      identity,
      kind,
      osFamily,
      at,
    );
  }

  isIdentityAllowed(consultationId: string, identity: string): boolean {
    const r = this.get('SELECT revoked FROM issued_identities WHERE consultation_id = ? AND identity = ?', consultationId, identity);
    return r !== undefined && r.revoked === 0;
  }

  revokeIdentity(consultationId: string, identity: string): void {
    this.run('UPDATE issued_identities SET revoked = 1 WHERE consultation_id = ? AND identity = ?', consultationId, identity);
  }

  revokePractitionerTokens(row: TokenRevocationRow, identity: string | undefined, audit: AuditRow): string[] {
    return this.transaction(() => {
      this.run('DELETE FROM practitioner_token_revocations WHERE expires_at <= ?', row.revokedAt);
      this.run(
        `INSERT INTO practitioner_token_revocations (consultation_id, token_id, revoked_at, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (consultation_id, token_id) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`,
        row.consultationId,
        row.tokenId,
        row.revokedAt,
        row.expiresAt,
      );
      const revoked = this.sql(
        `UPDATE issued_identities SET revoked = 1
           WHERE consultation_id = ? AND kind = 'practitioner' AND (? IS NULL OR identity = ?) RETURNING identity`,
      )
        .pluck()
        .all(row.consultationId, identity ?? null, identity ?? null) as string[];
      this.insertAudit(audit);
      return coveredIdentities(revoked, identity);
    });
  }

  listTokenRevocations(consultationId: string, now: number): TokenRevocationRow[] {
    return this.all('SELECT * FROM practitioner_token_revocations WHERE consultation_id = ? AND expires_at > ?', consultationId, now).map(
      toRevocation,
    );
  }

  recordWebhookEvent(id: string, at: number): boolean {
    return this.run('INSERT INTO webhook_events (id, received_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', id, at) === 1;
  }

  enqueueWebhookEvent(event: OutboxEvent): number {
    return this.run(
      `INSERT INTO webhook_outbox (event_id, endpoint_id, tenant_id, type, body, created_at, attempts, next_attempt_at)
         SELECT @id, id, tenant_id, @type, @body, @createdAt, 0, @createdAt FROM webhook_endpoints
         WHERE tenant_id = @tenantId AND disabled_at IS NULL`,
      event,
    );
  }

  listStats(tenantId: string, from: number, to: number): SessionStatsRow[] {
    return this.all(
      'SELECT * FROM session_stats WHERE tenant_id = ? AND ended_at >= ? AND ended_at < ? ORDER BY ended_at',
      tenantId,
      from,
      to,
    ).map(toStats);
  }

  listAudit(tenantId: string, from: number, to: number): AuditRow[] {
    return this.all('SELECT * FROM audit_log WHERE tenant_id = ? AND at >= ? AND at < ? ORDER BY at, id', tenantId, from, to).map(toAudit);
  }

  deleteOlderThan(cutoff: number): RetentionResult {
    return this.db.transaction(() => {
      const run = (sql: string): number => this.run(sql, cutoff);
      const accessCodes = run('DELETE FROM access_codes WHERE expires_at < ?');
      const lobbyEntries = run(
        "DELETE FROM lobby_entries WHERE waiting_since < ? AND consultation_id IN (SELECT id FROM consultations WHERE status = 'ended')",
      );
      // ON DELETE CASCADE removes the remaining codes, entries, messages and identities of these.
      const consultations = run("DELETE FROM consultations WHERE status = 'ended' AND ended_at < ?");
      const audit = run('DELETE FROM audit_log WHERE at < ?');
      const stats = run('DELETE FROM session_stats WHERE ended_at < ?');
      // Ratings are kept as long as the stats they belong with (and counted with them).
      const ratings = run('DELETE FROM connection_ratings WHERE day < ?');
      const webhookEvents = run('DELETE FROM webhook_events WHERE received_at < ?');
      return { consultations, accessCodes, lobbyEntries, audit, stats: stats + ratings, webhookEvents };
    })();
  }
}
