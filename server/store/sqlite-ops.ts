/**
 * The store's SQL for SQLite, method by method next to its PostgreSQL twin (pg-ops.ts), the waiting room's part in
 * sqlite-lobby-ops.ts; rows.ts maps rows for both stores.
 */
import { migrationsTableSql, pendingMigrations } from './migrations.js';
import {
  accessCodeInsert,
  consultationInsert,
  coveredIdentities,
  revokeIdentitiesSql,
  endedStats,
  toAudit,
  toConsultation,
  toRevocation,
  toStats,
} from './rows.js';
import type { OutboxEvent } from '../outbox/outbox.js';
import { SqliteLobbyOps } from './sqlite-lobby-ops.js';
import type { StoreOps } from './store.js';
import type {
  AccessCodeRow,
  AuditRow,
  ConsultationRow,
  EndConsultationInput,
  ListConsultationsQuery,
  RetentionResult,
  RevocationScope,
  RevokedIdentity,
  SessionStatsRow,
  TokenRevocationRow,
} from './types.js';

/** StoreOps as plain synchronous calls (better-sqlite3 is synchronous). */
export type SyncStoreOps = {
  [K in keyof StoreOps]: StoreOps[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

const INSERT_CONSULTATION = consultationInsert(() => '?');
const INSERT_CODE = accessCodeInsert(() => '?');

/** Synchronous code over one better-sqlite3 connection; SqliteStore (sqlite.ts) gives it the async Store shape. */
export class SqliteOps extends SqliteLobbyOps implements SyncStoreOps {
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

  addIssuedIdentity(
    consultationId: string,
    identity: string,
    kind: 'patient' | 'practitioner',
    osFamily: string,
    at: number,
    practiceId?: string,
  ): void {
    this.run(
      `INSERT INTO issued_identities (consultation_id, identity, kind, os_family, issued_at, practice_id) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (consultation_id, identity) DO NOTHING`,
      consultationId,
      identity,
      kind,
      osFamily,
      at,
      practiceId ?? null,
    );
  }

  isIdentityAllowed(consultationId: string, identity: string): boolean {
    const r = this.get('SELECT revoked FROM issued_identities WHERE consultation_id = ? AND identity = ?', consultationId, identity);
    return r !== undefined && r.revoked === 0;
  }

  revokePractitionerTokens(row: TokenRevocationRow, scope: RevocationScope, audit: AuditRow): RevokedIdentity[] {
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
      const identity = scope.identity ?? null;
      const revoked = this.all(
        revokeIdentitiesSql(scope, () => '?'),
        scope.practiceId ?? row.consultationId,
        identity,
        identity,
      );
      this.insertAudit(audit);
      return coveredIdentities(revoked, row, scope);
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
