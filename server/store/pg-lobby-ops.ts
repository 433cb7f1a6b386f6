/**
 * The waiting room's SQL for PostgreSQL (lobby entries, their messages, notices and ratings), as in sqlite-lobby-ops.ts;
 * PgOps (pg-ops.ts) adds the rest of the store. It runs on the pool, or on one transaction's client.
 */
import { count, one, placeholder, rows, type Queryable } from './pg-query.js';
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
} from './rows.js';
import type { LobbyStatusPatch, NewLobbyEntry, TransferInput } from './store.js';
import type {
  AuditRow,
  ConnectionRating,
  ConsultationRow,
  LobbyEntryRow,
  LobbyMessageRow,
  LobbyStatus,
  RedeemedCode,
  WaitingNoticeRow,
} from './types.js';

const INSERT_ENTRY = lobbyEntryInsert(placeholder);
const INSERT_AUDIT = auditInsert(placeholder);

/** Runs work that writes several rows in one transaction: its own on the pool, or the caller's. */
export type Atomically = <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>;

export class PgLobbyOps {
  constructor(
    protected readonly q: Queryable,
    protected readonly atomically: Atomically,
  ) {}

  protected audit(q: Queryable, a: AuditRow): Promise<number> {
    return count(q, INSERT_AUDIT.sql, INSERT_AUDIT.values(a));
  }

  async insertAudit(row: AuditRow): Promise<void> {
    await this.audit(this.q, row);
  }

  redeemAccessCode(codeHash: string, now: number, entry: NewLobbyEntry): Promise<RedeemedCode | undefined> {
    return this.atomically(async (q) => {
      // One statement marks the code used and returns it with its consultation. A concurrent redeem of the same
      // code waits for this row lock, then finds used_at set and matches nothing: a code admits one patient.
      const code = await one(
        q,
        `UPDATE access_codes a SET used_at = $2 FROM consultations c
           WHERE a.code_hash = $1 AND a.used_at IS NULL AND a.expires_at > $2 AND c.id = a.consultation_id AND c.status <> 'ended'
           RETURNING a.tenant_id AS code_tenant_id, a.alias AS code_alias, a.role AS code_role, c.*`,
        [codeHash, now],
      );
      if (!code) return undefined;
      const redeemed = toRedeemed(entry, code);
      await count(q, INSERT_ENTRY.sql, INSERT_ENTRY.values(redeemed.entry));
      return redeemed;
    });
  }

  async getLobbyEntryByTicketHash(ticketHash: string): Promise<LobbyEntryRow | undefined> {
    const r = await one(this.q, 'SELECT * FROM lobby_entries WHERE ticket_hash = $1', [ticketHash]);
    return r && toEntry(r);
  }

  async getLobbyEntry(id: string): Promise<LobbyEntryRow | undefined> {
    const r = await one(this.q, 'SELECT * FROM lobby_entries WHERE id = $1', [id]);
    return r && toEntry(r);
  }

  async listLobbyEntries(consultationId: string, status: LobbyStatus): Promise<LobbyEntryRow[]> {
    return (
      await rows(this.q, 'SELECT * FROM lobby_entries WHERE consultation_id = $1 AND status = $2 ORDER BY waiting_since, seq', [
        consultationId,
        status,
      ])
    ).map(toEntry);
  }

  setLobbyStatus(id: string, status: LobbyStatus, patch: LobbyStatusPatch = {}, audit?: AuditRow): Promise<boolean> {
    const from = [...(patch.from ?? [])];
    return this.atomically(async (q) => {
      // Under READ COMMITTED a concurrent UPDATE of the row waits for the first and re-checks the status: one wins.
      const changed = await count(
        q,
        `UPDATE lobby_entries SET status = $2, identity = COALESCE($3, identity), decline_reason = $4,
           admitted_at = COALESCE($5::bigint, admitted_at), admitted_by = COALESCE($6, admitted_by), departing_at = NULL
           WHERE id = $1 AND ($7::int = 0 OR status = ANY($8::text[])) AND ($9::bigint IS NULL OR departing_at = $9::bigint)`,
        [
          id,
          status,
          patch.identity ?? null,
          patch.declineReason ?? null,
          patch.admittedAt ?? null,
          patch.admittedBy ?? null,
          from.length,
          from,
          patch.departingAt ?? null,
        ],
      );
      if (changed === 0) return false;
      if (status === 'declined' || status === 'left') {
        await count(q, 'UPDATE issued_identities SET revoked = 1 WHERE identity = (SELECT identity FROM lobby_entries WHERE id = $1)', [
          id,
        ]);
      }
      if (audit) await this.audit(q, audit);
      return true;
    });
  }

  async setLobbyDeparture(id: string, at: number | null): Promise<boolean> {
    return at === null
      ? (await count(this.q, 'UPDATE lobby_entries SET departing_at = NULL WHERE id = $1 AND departing_at IS NOT NULL', [id])) > 0
      : (await count(this.q, "UPDATE lobby_entries SET departing_at = $2 WHERE id = $1 AND status = 'waiting'", [id, at])) > 0;
  }

  async listLobbyDepartures(before: number): Promise<LobbyEntryRow[]> {
    return (
      await rows(
        this.q,
        "SELECT * FROM lobby_entries WHERE status = 'waiting' AND departing_at IS NOT NULL AND departing_at <= $1 ORDER BY departing_at, seq",
        [before],
      )
    ).map(toEntry);
  }

  async setLobbyDeviceCheck(id: string, deviceCheck: string): Promise<void> {
    await count(this.q, 'UPDATE lobby_entries SET device_check = $2 WHERE id = $1', [id, deviceCheck]);
  }

  async listPracticeConsultations(practiceId: string): Promise<ConsultationRow[]> {
    return (
      await rows(this.q, `SELECT * FROM consultations WHERE practice_id = $1 AND status <> 'ended' ORDER BY created_at, id COLLATE "C"`, [
        practiceId,
      ])
    ).map(toConsultation);
  }

  async listPracticeEntries(practiceId: string): Promise<LobbyEntryRow[]> {
    return (
      await rows(
        this.q,
        `SELECT e.* FROM lobby_entries e JOIN consultations c ON c.id = e.consultation_id
           WHERE c.practice_id = $1 AND c.status <> 'ended' AND e.status IN ('waiting', 'admitted') ORDER BY e.waiting_since, e.seq`,
        [practiceId],
      )
    ).map(toEntry);
  }

  transferLobbyEntry({ entryId, fromConsultationId, toConsultationId, audits }: TransferInput): Promise<LobbyEntryRow | undefined> {
    return this.atomically(async (q) => {
      const r = await one(
        q,
        "SELECT * FROM lobby_entries WHERE id = $1 AND consultation_id = $2 AND status IN ('waiting', 'admitted') FOR UPDATE",
        [entryId, fromConsultationId],
      );
      if (!r) return undefined;
      const entry = toEntry(r);
      if (entry.identity) {
        await count(q, 'UPDATE issued_identities SET revoked = 1 WHERE consultation_id = $1 AND identity = $2', [
          fromConsultationId,
          entry.identity,
        ]);
      }
      await count(
        q,
        `UPDATE lobby_entries SET consultation_id = $2, status = 'waiting', identity = NULL, admitted_at = NULL, admitted_by = NULL,
             departing_at = CASE WHEN status = 'waiting' THEN departing_at END
           WHERE id = $1`,
        [entryId, toConsultationId],
      );
      for (const audit of audits) await this.audit(q, audit);
      return entry;
    });
  }

  async averageWaitSeconds(tenantId: string, sampleSize: number): Promise<{ seconds: number; samples: number }> {
    return toAverageWait(
      await one(
        this.q,
        `SELECT AVG(admitted_at - waiting_since) AS avg, COUNT(*) AS n FROM (
           SELECT admitted_at, waiting_since FROM lobby_entries WHERE tenant_id = $1 AND admitted_at IS NOT NULL
           ORDER BY admitted_at DESC LIMIT $2) recent`,
        [tenantId, sampleSize],
      ),
    );
  }

  addLobbyMessage(entryId: string, text: string, at: number, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      await count(q, 'INSERT INTO lobby_messages (entry_id, text, at) VALUES ($1, $2, $3)', [entryId, text, at]);
      await this.audit(q, audit);
    });
  }

  async listLobbyMessages(entryId: string): Promise<LobbyMessageRow[]> {
    return (await rows(this.q, 'SELECT * FROM lobby_messages WHERE entry_id = $1 ORDER BY id', [entryId])).map(toMessage);
  }

  setWaitingNotice(consultationId: string, text: string | null, at: number, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      if (text === null) await count(q, 'DELETE FROM waiting_notices WHERE consultation_id = $1', [consultationId]);
      else {
        await count(
          q,
          `INSERT INTO waiting_notices (consultation_id, text, at) VALUES ($1, $2, $3)
             ON CONFLICT (consultation_id) DO UPDATE SET text = excluded.text, at = excluded.at`,
          [consultationId, text, at],
        );
      }
      await this.audit(q, audit);
    });
  }

  async getWaitingNotice(consultationId: string): Promise<WaitingNoticeRow | undefined> {
    const r = await one(this.q, 'SELECT text, at FROM waiting_notices WHERE consultation_id = $1', [consultationId]);
    return r && toWaitingNotice(r);
  }

  rateConnection(entryId: string, tenantId: string, rating: ConnectionRating, day: number): Promise<boolean> {
    return this.atomically(async (q) => {
      const marked = await count(q, 'UPDATE lobby_entries SET rated = 1 WHERE id = $1 AND rated = 0 AND admitted_at IS NOT NULL', [
        entryId,
      ]);
      if (marked !== 1) return false;
      await count(q, 'INSERT INTO connection_ratings (tenant_id, day, rating) VALUES ($1, $2, $3)', [tenantId, day, rating]);
      return true;
    });
  }

  async countRatings(tenantId: string, from: number, to: number): Promise<Record<ConnectionRating, number>> {
    return ratingCounts(
      await rows(
        this.q,
        'SELECT rating, COUNT(*) AS n FROM connection_ratings WHERE tenant_id = $1 AND day >= $2 AND day < $3 GROUP BY rating',
        [tenantId, from, to],
      ),
    );
  }
}
