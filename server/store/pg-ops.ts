/**
 * The store's SQL for PostgreSQL, method by method next to its SQLite twin (sqlite-ops.ts), the waiting room's
 * part in pg-lobby-ops.ts; rows.ts maps rows for both stores. PostgresStore (postgres.ts) runs it on the pool,
 * or on one transaction's client.
 */
import type { OutboxEvent } from '../outbox/outbox.js';
import { PgLobbyOps } from './pg-lobby-ops.js';
import { count, one, placeholder, rows } from './pg-query.js';
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

const INSERT_CONSULTATION = consultationInsert(placeholder);
const INSERT_CODE = accessCodeInsert(placeholder);

export class PgOps extends PgLobbyOps implements StoreOps {
  insertConsultation(c: ConsultationRow, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      await count(q, INSERT_CONSULTATION.sql, INSERT_CONSULTATION.values(c));
      await this.audit(q, audit);
    });
  }

  async getConsultation(id: string): Promise<ConsultationRow | undefined> {
    const r = await one(this.q, 'SELECT * FROM consultations WHERE id = $1', [id]);
    return r && toConsultation(r);
  }

  async listConsultations(tenantId: string, { status, cursor, limit }: ListConsultationsQuery): Promise<ConsultationRow[]> {
    // COLLATE "C": the byte order SQLite uses, whatever the database's locale, so cursors page alike on both.
    // Absent filters are NULL parameters, so that one prepared statement serves every combination.
    const found = await rows(
      this.q,
      `SELECT * FROM consultations WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
         AND ($3::bigint IS NULL OR created_at < $3 OR (created_at = $3 AND id COLLATE "C" < $4))
         ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $5`,
      [tenantId, status ?? null, cursor?.createdAt ?? null, cursor?.id ?? null, limit],
    );
    return found.map(toConsultation);
  }

  async listOpenConsultations(): Promise<ConsultationRow[]> {
    return (await rows(this.q, "SELECT * FROM consultations WHERE status <> 'ended'")).map(toConsultation);
  }

  recordParticipantJoined(consultationId: string, identity: string, at: number): Promise<boolean> {
    return this.atomically(async (q) => {
      const started = await count(
        q,
        "UPDATE consultations SET status = 'active', started_at = COALESCE(started_at, $1) WHERE id = $2 AND status = 'scheduled'",
        [at, consultationId],
      );
      await count(q, 'UPDATE issued_identities SET joined_at = COALESCE(joined_at, $1) WHERE consultation_id = $2 AND identity = $3', [
        at,
        consultationId,
        identity,
      ]);
      return started > 0;
    });
  }

  endConsultation({ id, endedAt, audit }: EndConsultationInput): Promise<boolean> {
    return this.atomically(async (q) => {
      // FOR UPDATE: two instances ending the same consultation at once must not both write a stats row.
      const row = await one(q, 'SELECT * FROM consultations WHERE id = $1 FOR UPDATE', [id]);
      const c = row && toConsultation(row);
      if (!c || c.status === 'ended') return false;
      await count(q, "UPDATE consultations SET status = 'ended', ended_at = $2, e2ee_key = NULL WHERE id = $1", [id, endedAt]);
      await count(q, "UPDATE lobby_entries SET status = 'ended' WHERE consultation_id = $1 AND status IN ('waiting', 'admitted')", [id]);
      // Personal data is only needed while the consultation runs: names, device checks and messages go now.
      await count(
        q,
        "UPDATE lobby_entries SET name = '', device_check = NULL, decline_reason = NULL, admitted_by = NULL WHERE consultation_id = $1",
        [id],
      );
      await count(q, 'DELETE FROM lobby_messages WHERE entry_id IN (SELECT id FROM lobby_entries WHERE consultation_id = $1)', [id]);
      await count(q, 'DELETE FROM waiting_notices WHERE consultation_id = $1', [id]);
      await count(q, 'DELETE FROM access_codes WHERE consultation_id = $1', [id]);
      const joined = await rows(q, 'SELECT os_family FROM issued_identities WHERE consultation_id = $1 AND joined_at IS NOT NULL', [id]);
      const stats = endedStats(
        c,
        endedAt,
        joined.map((r) => r.os_family),
      );
      await count(
        q,
        `INSERT INTO session_stats (tenant_id, started_at, ended_at, duration_seconds, participant_count, os_families)
           VALUES ($1, $2, $3, $4, $5, $6)`,
        [c.tenantId, c.startedAt, endedAt, stats.duration, stats.count, stats.osFamilies],
      );
      await this.audit(q, audit);
      return true;
    });
  }

  insertAccessCode(row: AccessCodeRow, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      await count(q, INSERT_CODE.sql, INSERT_CODE.values(row));
      await this.audit(q, audit);
    });
  }

  async countOpenAccessCodes(consultationId: string, now: number): Promise<number> {
    const r = await one(
      this.q,
      'SELECT COUNT(*) AS n FROM access_codes WHERE consultation_id = $1 AND used_at IS NULL AND expires_at > $2',
      [consultationId, now],
    );
    return Number(r?.n ?? 0);
  }

  rotateE2eeKey(id: string, key: string, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      const changed = await count(q, "UPDATE consultations SET e2ee_key = $1 WHERE id = $2 AND status <> 'ended' AND e2ee = 1", [key, id]);
      if (changed) await this.audit(q, audit);
    });
  }

  async addIssuedIdentity(
    consultationId: string,
    identity: string,
    kind: 'patient' | 'practitioner',
    osFamily: string,
    at: number,
    practiceId?: string,
  ): Promise<void> {
    await count(
      this.q,
      `INSERT INTO issued_identities (consultation_id, identity, kind, os_family, issued_at, practice_id) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (consultation_id, identity) DO NOTHING`,
      [consultationId, identity, kind, osFamily, at, practiceId ?? null],
    );
  }

  async isIdentityAllowed(consultationId: string, identity: string): Promise<boolean> {
    const r = await one(this.q, 'SELECT revoked FROM issued_identities WHERE consultation_id = $1 AND identity = $2', [
      consultationId,
      identity,
    ]);
    return r !== undefined && Number(r.revoked) === 0;
  }

  revokePractitionerTokens(row: TokenRevocationRow, scope: RevocationScope, audit: AuditRow): Promise<RevokedIdentity[]> {
    return this.atomically(async (q) => {
      await count(q, 'DELETE FROM practitioner_token_revocations WHERE expires_at <= $1', [row.revokedAt]);
      await count(
        q,
        `INSERT INTO practitioner_token_revocations (consultation_id, token_id, revoked_at, expires_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (consultation_id, token_id) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`,
        [row.consultationId, row.tokenId, row.revokedAt, row.expiresAt],
      );
      const revoked = await rows(
        q,
        revokeIdentitiesSql(scope, (n) => (n === 1 ? '$1' : '$2::text')),
        [scope.practiceId ?? row.consultationId, scope.identity ?? null],
      );
      await this.audit(q, audit);
      return coveredIdentities(revoked, row, scope);
    });
  }

  async listTokenRevocations(consultationId: string, now: number): Promise<TokenRevocationRow[]> {
    return (
      await rows(this.q, 'SELECT * FROM practitioner_token_revocations WHERE consultation_id = $1 AND expires_at > $2', [
        consultationId,
        now,
      ])
    ).map(toRevocation);
  }

  async recordWebhookEvent(id: string, at: number): Promise<boolean> {
    return (
      (await count(this.q, 'INSERT INTO webhook_events (id, received_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, at])) === 1
    );
  }

  enqueueWebhookEvent(e: OutboxEvent): Promise<number> {
    return count(
      this.q,
      `INSERT INTO webhook_outbox (event_id, endpoint_id, tenant_id, type, body, created_at, attempts, next_attempt_at)
         SELECT $1, id, tenant_id, $2, $3, $4, 0, $4 FROM webhook_endpoints WHERE tenant_id = $5 AND disabled_at IS NULL`,
      [e.id, e.type, e.body, e.createdAt, e.tenantId],
    );
  }

  async listStats(tenantId: string, from: number, to: number): Promise<SessionStatsRow[]> {
    return (
      await rows(this.q, 'SELECT * FROM session_stats WHERE tenant_id = $1 AND ended_at >= $2 AND ended_at < $3 ORDER BY ended_at, id', [
        tenantId,
        from,
        to,
      ])
    ).map(toStats);
  }

  async listAudit(tenantId: string, from: number, to: number): Promise<AuditRow[]> {
    return (
      await rows(this.q, 'SELECT * FROM audit_log WHERE tenant_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id', [tenantId, from, to])
    ).map(toAudit);
  }

  deleteOlderThan(cutoff: number): Promise<RetentionResult> {
    return this.atomically(async (q) => {
      const run = (text: string): Promise<number> => count(q, text, [cutoff]);
      const accessCodes = await run('DELETE FROM access_codes WHERE expires_at < $1');
      const lobbyEntries = await run(
        "DELETE FROM lobby_entries WHERE waiting_since < $1 AND consultation_id IN (SELECT id FROM consultations WHERE status = 'ended')",
      );
      // ON DELETE CASCADE removes the remaining codes, entries, messages and identities of these.
      const consultations = await run("DELETE FROM consultations WHERE status = 'ended' AND ended_at < $1");
      const audit = await run('DELETE FROM audit_log WHERE at < $1');
      const stats =
        (await run('DELETE FROM session_stats WHERE ended_at < $1')) + (await run('DELETE FROM connection_ratings WHERE day < $1'));
      const webhookEvents = await run('DELETE FROM webhook_events WHERE received_at < $1');
      return { consultations, accessCodes, lobbyEntries, audit, stats, webhookEvents };
    });
  }
}
