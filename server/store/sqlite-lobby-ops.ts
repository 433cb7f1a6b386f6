/**
 * The waiting room's SQL for SQLite (lobby entries, their messages, notices and ratings), as in pg-lobby-ops.ts,
 * over one better-sqlite3 connection; SqliteOps (sqlite-ops.ts) adds the rest of the store.
 */
import Database, { type Statement } from 'better-sqlite3';
import {
  auditInsert,
  lobbyEntryInsert,
  ratingCounts,
  toAverageWait,
  toConsultation,
  toEntry,
  toMessage,
  toRedeemed,
  toWaitingNotice,
  type SqlRow,
} from './rows.js';
import type { LobbyStatusPatch, NewLobbyEntry, TransferInput } from './store.js';
import type {
  AuditRow,
  ConsultationRow,
  LobbyEntryRow,
  LobbyMessageRow,
  LobbyStatus,
  RedeemedCode,
  WaitingNoticeRow,
  ConnectionRating,
} from './types.js';

const INSERT_ENTRY = lobbyEntryInsert(() => '?');
const INSERT_AUDIT = auditInsert(() => '?');

export class SqliteLobbyOps {
  constructor(readonly db: Database.Database) {}

  /** Prepared statements, compiled once: preparing on every call cost ~5% of a lobby join (bench). */
  private readonly statements = new Map<string, Statement>();
  protected sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  protected get(text: string, ...params: unknown[]): SqlRow | undefined {
    return this.sql(text).get(...params) as SqlRow | undefined;
  }

  protected all(text: string, ...params: unknown[]): SqlRow[] {
    return this.sql(text).all(...params) as SqlRow[];
  }

  /** Runs one INSERT, UPDATE or DELETE; how many rows it changed. */
  protected run(text: string, ...params: unknown[]): number {
    return this.sql(text).run(...params).changes;
  }

  /** Inside SqliteStore.transaction the work joins it (no savepoint each): a throw rolls all of it back. */
  protected transaction<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }

  insertAudit(row: AuditRow): void {
    this.run(INSERT_AUDIT.sql, ...INSERT_AUDIT.values(row));
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
             admitted_by = COALESCE(?, admitted_by), departing_at = NULL WHERE id = ? AND (? = 0 OR status IN (SELECT value FROM json_each(?)))
             AND (? IS NULL OR departing_at = ?)`,
        status,
        patch.identity ?? null,
        patch.declineReason ?? null,
        patch.admittedAt ?? null,
        patch.admittedBy ?? null,
        id,
        from.length,
        JSON.stringify(from),
        patch.departingAt ?? null,
        patch.departingAt ?? null,
      );
      if (changes === 0) return false;
      if (status === 'declined' || status === 'left') {
        this.run('UPDATE issued_identities SET revoked = 1 WHERE identity = (SELECT identity FROM lobby_entries WHERE id = ?)', id);
      }
      if (audit) this.insertAudit(audit);
      return true;
    })();
  }

  setLobbyDeparture(id: string, at: number | null): boolean {
    return at === null
      ? this.run('UPDATE lobby_entries SET departing_at = NULL WHERE id = ? AND departing_at IS NOT NULL', id) > 0
      : this.run("UPDATE lobby_entries SET departing_at = ? WHERE id = ? AND status = 'waiting'", at, id) > 0;
  }

  listLobbyDepartures(before: number): LobbyEntryRow[] {
    return this.all(
      "SELECT * FROM lobby_entries WHERE status = 'waiting' AND departing_at IS NOT NULL AND departing_at <= ? ORDER BY departing_at",
      before,
    ).map(toEntry);
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
        `UPDATE lobby_entries SET consultation_id = ?, status = 'waiting', identity = NULL, admitted_at = NULL, admitted_by = NULL,
             departing_at = CASE WHEN status = 'waiting' THEN departing_at END
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
}
