/**
 * The PostgreSQL store, for several token-server instances sharing one database.
 *
 * Driver: `postgres` (porsager) rather than `pg`. `sql.begin()` runs a transaction on one connection it reserves
 * from its own pool and releases after COMMIT/ROLLBACK (with `pg`, BEGIN/COMMIT through `pool.query` may land on
 * different connections, so every transaction has to check a client out and give it back by hand); `sql.listen()`
 * keeps a LISTEN connection of its own, reconnects it and re-runs its `onlisten` callback (the natural place for a
 * bus to re-read after lost notifications); pooling, connect timeouts and prepared statements are built in.
 *
 * Failures of the database (down, unreachable, too slow) surface as StoreUnavailableError, answered 503
 * `store_unavailable`: connect_timeout and statement_timeout bound the wait, and a guard on our side bounds it
 * even when a connection hangs without an error.
 *
 * Over 400 lines on purpose: one class mirrors StoreOps method by method, next to its SQLite twin (sqlite-ops.ts).
 */
import postgres from 'postgres';
import type { DatabaseConfig } from '../config.js';
import type { OutboxEvent } from '../outbox/outbox.js';
import { pgMigrations } from './pg-migrations.js';
import {
  endedStats,
  ratingCounts,
  str,
  strOrNull,
  toAudit,
  toConsultation,
  toEntry,
  toMessage,
  toRevocation,
  toStats,
  type SqlRow,
} from './rows.js';
import {
  STORE_OPS,
  StoreUnavailableError,
  type LobbyStatusPatch,
  type NewLobbyEntry,
  type Store,
  type StoreOps,
  type TransferInput,
} from './store.js';
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

type Sql = postgres.Sql;
type Query = postgres.ISql;

/** Serialises migrations when several instances start at once (pg_advisory_xact_lock key). */
const MIGRATION_LOCK = 0x76_63_6d_69; // "vcmi"

/**
 * The store's SQL over a query function: the pool itself, or one transaction's connection. Methods that write
 * several rows run in a transaction of their own on the pool, or simply on the caller's transaction.
 */
class PgOps implements StoreOps {
  constructor(
    private readonly q: Query,
    /** Set when `q` is the pool (not inside a transaction). */
    private readonly pool: Sql | undefined,
  ) {}

  private atomically<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.pool ? (this.pool.begin((tx) => fn(tx)) as Promise<T>) : fn(this.q);
  }

  private async one(query: Promise<readonly SqlRow[]>): Promise<SqlRow | undefined> {
    return (await query)[0];
  }

  private audit(q: Query, a: AuditRow): Promise<unknown> {
    return q`INSERT INTO audit_log (tenant_id, at, actor, action, consultation_id) VALUES (${a.tenantId}, ${a.at}, ${a.actor}, ${a.action}, ${a.consultationId})`;
  }

  async insertAudit(row: AuditRow): Promise<void> {
    await this.audit(this.q, row);
  }

  insertConsultation(c: ConsultationRow, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      await q`INSERT INTO consultations (id, tenant_id, room_name, title, status, scheduled_at, created_at, started_at, ended_at,
                max_participants, patient_screen_share, e2ee, locale, e2ee_key, practice_id)
              VALUES (${c.id}, ${c.tenantId}, ${c.roomName}, ${c.title}, ${c.status}, ${c.scheduledAt}, ${c.createdAt}, ${c.startedAt},
                ${c.endedAt}, ${c.maxParticipants}, ${c.patientScreenShare ? 1 : 0}, ${c.e2ee ? 1 : 0}, ${c.locale}, ${c.e2eeKey},
                ${c.practiceId ?? null})`;
      await this.audit(q, audit);
    });
  }

  async getConsultation(id: string): Promise<ConsultationRow | undefined> {
    const r = await this.one(this.q`SELECT * FROM consultations WHERE id = ${id}`);
    return r && toConsultation(r);
  }

  async listConsultations(tenantId: string, query: ListConsultationsQuery): Promise<ConsultationRow[]> {
    const { q } = this;
    const { status, cursor, limit } = query;
    // COLLATE "C": the byte order SQLite uses, whatever the database's locale, so cursors page alike on both.
    const rows = await q`SELECT * FROM consultations WHERE tenant_id = ${tenantId}
      ${status ? q`AND status = ${status}` : q``}
      ${cursor ? q`AND (created_at < ${cursor.createdAt} OR (created_at = ${cursor.createdAt} AND id COLLATE "C" < ${cursor.id}))` : q``}
      ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT ${limit}`;
    return rows.map(toConsultation);
  }

  async listOpenConsultations(): Promise<ConsultationRow[]> {
    return (await this.q`SELECT * FROM consultations WHERE status <> 'ended'`).map(toConsultation);
  }

  recordParticipantJoined(consultationId: string, identity: string, at: number): Promise<boolean> {
    return this.atomically(async (q) => {
      const started =
        await q`UPDATE consultations SET status = 'active', started_at = COALESCE(started_at, ${at}) WHERE id = ${consultationId} AND status = 'scheduled'`;
      await q`UPDATE issued_identities SET joined_at = COALESCE(joined_at, ${at}) WHERE consultation_id = ${consultationId} AND identity = ${identity}`;
      return started.count > 0;
    });
  }

  endConsultation({ id, endedAt, audit }: EndConsultationInput): Promise<boolean> {
    return this.atomically(async (q) => {
      // FOR UPDATE: two instances ending the same consultation at once must not both write a stats row.
      const row = await this.one(q`SELECT * FROM consultations WHERE id = ${id} FOR UPDATE`);
      const c = row && toConsultation(row);
      if (!c || c.status === 'ended') return false;
      await q`UPDATE consultations SET status = 'ended', ended_at = ${endedAt}, e2ee_key = NULL WHERE id = ${id}`;
      await q`UPDATE lobby_entries SET status = 'ended' WHERE consultation_id = ${id} AND status IN ('waiting', 'admitted')`;
      // Personal data is only needed while the consultation runs: names, device checks and messages go now.
      await q`UPDATE lobby_entries SET name = '', device_check = NULL, decline_reason = NULL, admitted_by = NULL WHERE consultation_id = ${id}`;
      await q`DELETE FROM lobby_messages WHERE entry_id IN (SELECT id FROM lobby_entries WHERE consultation_id = ${id})`;
      await q`DELETE FROM waiting_notices WHERE consultation_id = ${id}`;
      await q`DELETE FROM access_codes WHERE consultation_id = ${id}`;
      const joined = await q`SELECT os_family FROM issued_identities WHERE consultation_id = ${id} AND joined_at IS NOT NULL`;
      const stats = endedStats(
        c,
        endedAt,
        joined.map((r) => r.os_family),
      );
      await q`INSERT INTO session_stats (tenant_id, started_at, ended_at, duration_seconds, participant_count, os_families)
              VALUES (${c.tenantId}, ${c.startedAt}, ${endedAt}, ${stats.duration}, ${stats.count}, ${stats.osFamilies})`;
      await this.audit(q, audit);
      return true;
    });
  }

  insertAccessCode(row: AccessCodeRow, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      await q`INSERT INTO access_codes (code_hash, consultation_id, tenant_id, alias, role, created_at, expires_at, used_at)
              VALUES (${row.codeHash}, ${row.consultationId}, ${row.tenantId}, ${row.alias}, ${row.role}, ${row.createdAt}, ${row.expiresAt}, ${row.usedAt})`;
      await this.audit(q, audit);
    });
  }

  async countOpenAccessCodes(consultationId: string, now: number): Promise<number> {
    const r = await this.one(
      this.q`SELECT COUNT(*) AS n FROM access_codes WHERE consultation_id = ${consultationId} AND used_at IS NULL AND expires_at > ${now}`,
    );
    return Number(r?.n ?? 0);
  }

  rotateE2eeKey(id: string, key: string, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      const changed = await q`UPDATE consultations SET e2ee_key = ${key} WHERE id = ${id} AND status <> 'ended' AND e2ee = 1`;
      if (changed.count) await this.audit(q, audit);
    });
  }

  redeemAccessCode(codeHash: string, now: number, entry: NewLobbyEntry): Promise<RedeemedCode | undefined> {
    return this.atomically(async (q) => {
      // One statement marks the code used and returns it with its consultation. A concurrent redeem of the same
      // code waits for this row lock, then finds used_at set and matches nothing: a code admits one patient.
      const code = await this.one(q`UPDATE access_codes a SET used_at = ${now} FROM consultations c
        WHERE a.code_hash = ${codeHash} AND a.used_at IS NULL AND a.expires_at > ${now} AND c.id = a.consultation_id AND c.status <> 'ended'
        RETURNING a.tenant_id AS code_tenant_id, a.alias AS code_alias, a.role AS code_role, c.*`);
      if (!code) return undefined;
      const consultation = toConsultation(code);
      const row: LobbyEntryRow = {
        ...entry,
        consultationId: consultation.id,
        tenantId: str(code.code_tenant_id),
        alias: strOrNull(code.code_alias),
        role: str(code.code_role),
      };
      await q`INSERT INTO lobby_entries (id, ticket_hash, consultation_id, tenant_id, name, alias, role, status, waiting_since, device_check, identity,
                decline_reason, os_family)
              VALUES (${row.id}, ${row.ticketHash}, ${row.consultationId}, ${row.tenantId}, ${row.name}, ${row.alias}, ${row.role}, ${row.status},
                ${row.waitingSince}, ${row.deviceCheck}, ${row.identity}, ${row.declineReason}, ${row.osFamily})`;
      return { entry: row, consultation };
    });
  }

  async getLobbyEntryByTicketHash(ticketHash: string): Promise<LobbyEntryRow | undefined> {
    const r = await this.one(this.q`SELECT * FROM lobby_entries WHERE ticket_hash = ${ticketHash}`);
    return r && toEntry(r);
  }

  async getLobbyEntry(id: string): Promise<LobbyEntryRow | undefined> {
    const r = await this.one(this.q`SELECT * FROM lobby_entries WHERE id = ${id}`);
    return r && toEntry(r);
  }

  async listLobbyEntries(consultationId: string, status: LobbyStatus): Promise<LobbyEntryRow[]> {
    return (
      await this.q`SELECT * FROM lobby_entries WHERE consultation_id = ${consultationId} AND status = ${status} ORDER BY waiting_since, seq`
    ).map(toEntry);
  }

  setLobbyStatus(id: string, status: LobbyStatus, patch: LobbyStatusPatch = {}, audit?: AuditRow): Promise<boolean> {
    const from = [...(patch.from ?? [])];
    return this.atomically(async (q) => {
      // Under READ COMMITTED a concurrent UPDATE of the row waits for the first and re-checks the status: one wins.
      const changed = await q`UPDATE lobby_entries SET status = ${status}, identity = COALESCE(${patch.identity ?? null}, identity),
                decline_reason = ${patch.declineReason ?? null}, admitted_at = COALESCE(${patch.admittedAt ?? null}::bigint, admitted_at),
                admitted_by = COALESCE(${patch.admittedBy ?? null}, admitted_by)
              WHERE id = ${id} AND (${from.length}::int = 0 OR status = ANY(${from}::text[]))`;
      if (changed.count === 0) return false;
      if (status === 'declined' || status === 'left') {
        await q`UPDATE issued_identities SET revoked = 1 WHERE identity = (SELECT identity FROM lobby_entries WHERE id = ${id})`;
      }
      if (audit) await this.audit(q, audit);
      return true;
    });
  }

  async setLobbyDeviceCheck(id: string, deviceCheck: string): Promise<void> {
    await this.q`UPDATE lobby_entries SET device_check = ${deviceCheck} WHERE id = ${id}`;
  }

  async listPracticeConsultations(practiceId: string): Promise<ConsultationRow[]> {
    return (
      await this.q`SELECT * FROM consultations WHERE practice_id = ${practiceId} AND status <> 'ended' ORDER BY created_at, id COLLATE "C"`
    ).map(toConsultation);
  }

  async listPracticeEntries(practiceId: string): Promise<LobbyEntryRow[]> {
    return (
      await this.q`SELECT e.* FROM lobby_entries e JOIN consultations c ON c.id = e.consultation_id
        WHERE c.practice_id = ${practiceId} AND c.status <> 'ended' AND e.status IN ('waiting', 'admitted') ORDER BY e.waiting_since, e.seq`
    ).map(toEntry);
  }

  transferLobbyEntry({ entryId, fromConsultationId, toConsultationId, audits }: TransferInput): Promise<LobbyEntryRow | undefined> {
    return this.atomically(async (q) => {
      const r = await this.one(
        q`SELECT * FROM lobby_entries WHERE id = ${entryId} AND consultation_id = ${fromConsultationId}
            AND status IN ('waiting', 'admitted') FOR UPDATE`,
      );
      if (!r) return undefined;
      const entry = toEntry(r);
      if (entry.identity) {
        await q`UPDATE issued_identities SET revoked = 1 WHERE consultation_id = ${fromConsultationId} AND identity = ${entry.identity}`;
      }
      await q`UPDATE lobby_entries SET consultation_id = ${toConsultationId}, status = 'waiting', identity = NULL, admitted_at = NULL,
                admitted_by = NULL WHERE id = ${entryId}`;
      for (const audit of audits) await this.audit(q, audit);
      return entry;
    });
  }

  async averageWaitSeconds(tenantId: string, sampleSize: number): Promise<{ seconds: number; samples: number }> {
    const r = await this.one(this.q`SELECT AVG(admitted_at - waiting_since) AS avg, COUNT(*) AS n FROM (
        SELECT admitted_at, waiting_since FROM lobby_entries WHERE tenant_id = ${tenantId} AND admitted_at IS NOT NULL
        ORDER BY admitted_at DESC LIMIT ${sampleSize}) recent`);
    return { seconds: Math.round(Number(r?.avg ?? 0) / 1000), samples: Number(r?.n ?? 0) };
  }

  addLobbyMessage(entryId: string, text: string, at: number, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      await q`INSERT INTO lobby_messages (entry_id, text, at) VALUES (${entryId}, ${text}, ${at})`;
      await this.audit(q, audit);
    });
  }

  async listLobbyMessages(entryId: string): Promise<LobbyMessageRow[]> {
    return (await this.q`SELECT * FROM lobby_messages WHERE entry_id = ${entryId} ORDER BY id`).map(toMessage);
  }

  setWaitingNotice(consultationId: string, text: string | null, at: number, audit: AuditRow): Promise<void> {
    return this.atomically(async (q) => {
      if (text === null) await q`DELETE FROM waiting_notices WHERE consultation_id = ${consultationId}`;
      else {
        await q`INSERT INTO waiting_notices (consultation_id, text, at) VALUES (${consultationId}, ${text}, ${at})
                ON CONFLICT (consultation_id) DO UPDATE SET text = excluded.text, at = excluded.at`;
      }
      await this.audit(q, audit);
    });
  }

  async getWaitingNotice(consultationId: string): Promise<WaitingNoticeRow | undefined> {
    const r = await this.one(this.q`SELECT text, at FROM waiting_notices WHERE consultation_id = ${consultationId}`);
    return r && { text: str(r.text), at: Number(r.at) };
  }

  rateConnection(entryId: string, tenantId: string, rating: ConnectionRating, day: number): Promise<boolean> {
    return this.atomically(async (q) => {
      const marked = await q`UPDATE lobby_entries SET rated = 1 WHERE id = ${entryId} AND rated = 0 AND admitted_at IS NOT NULL`;
      if (marked.count !== 1) return false;
      await q`INSERT INTO connection_ratings (tenant_id, day, rating) VALUES (${tenantId}, ${day}, ${rating})`;
      return true;
    });
  }

  async countRatings(tenantId: string, from: number, to: number): Promise<Record<ConnectionRating, number>> {
    return ratingCounts(
      await this.q`SELECT rating, COUNT(*) AS n FROM connection_ratings
                   WHERE tenant_id = ${tenantId} AND day >= ${from} AND day < ${to} GROUP BY rating`,
    );
  }

  async addIssuedIdentity(
    consultationId: string,
    identity: string,
    kind: 'patient' | 'practitioner',
    osFamily: string,
    at: number,
  ): Promise<void> {
    await this.q`INSERT INTO issued_identities (consultation_id, identity, kind, os_family, issued_at)
                 VALUES (${consultationId}, ${identity}, ${kind}, ${osFamily}, ${at}) ON CONFLICT (consultation_id, identity) DO NOTHING`;
  }

  async isIdentityAllowed(consultationId: string, identity: string): Promise<boolean> {
    const r = await this.one(
      this.q`SELECT revoked FROM issued_identities WHERE consultation_id = ${consultationId} AND identity = ${identity}`,
    );
    return r !== undefined && Number(r.revoked) === 0;
  }

  async revokeIdentity(consultationId: string, identity: string): Promise<void> {
    await this.q`UPDATE issued_identities SET revoked = 1 WHERE consultation_id = ${consultationId} AND identity = ${identity}`;
  }

  revokePractitionerTokens(row: TokenRevocationRow, identity: string | undefined, audit: AuditRow): Promise<string[]> {
    return this.atomically(async (q) => {
      await q`DELETE FROM practitioner_token_revocations WHERE expires_at <= ${row.revokedAt}`;
      await q`INSERT INTO practitioner_token_revocations (consultation_id, token_id, revoked_at, expires_at)
              VALUES (${row.consultationId}, ${row.tokenId}, ${row.revokedAt}, ${row.expiresAt})
              ON CONFLICT (consultation_id, token_id) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`;
      const only = identity ?? null;
      const revoked = (
        await q`UPDATE issued_identities SET revoked = 1
                WHERE consultation_id = ${row.consultationId} AND kind = 'practitioner' AND (${only}::text IS NULL OR identity = ${only})
                RETURNING identity`
      ).map((r) => str(r.identity));
      await this.audit(q, audit);
      return identity && !revoked.includes(identity) ? [...revoked, identity] : revoked;
    });
  }

  async listTokenRevocations(consultationId: string, now: number): Promise<TokenRevocationRow[]> {
    return (
      await this.q`SELECT * FROM practitioner_token_revocations WHERE consultation_id = ${consultationId} AND expires_at > ${now}`
    ).map(toRevocation);
  }

  async recordWebhookEvent(id: string, at: number): Promise<boolean> {
    return (await this.q`INSERT INTO webhook_events (id, received_at) VALUES (${id}, ${at}) ON CONFLICT (id) DO NOTHING`).count === 1;
  }

  async enqueueWebhookEvent(e: OutboxEvent): Promise<number> {
    return (
      await this.q`INSERT INTO webhook_outbox (event_id, endpoint_id, tenant_id, type, body, created_at, attempts, next_attempt_at)
        SELECT ${e.id}, id, tenant_id, ${e.type}, ${e.body}, ${e.createdAt}, 0, ${e.createdAt} FROM webhook_endpoints
        WHERE tenant_id = ${e.tenantId} AND disabled_at IS NULL`
    ).count;
  }

  async listStats(tenantId: string, from: number, to: number): Promise<SessionStatsRow[]> {
    return (
      await this
        .q`SELECT * FROM session_stats WHERE tenant_id = ${tenantId} AND ended_at >= ${from} AND ended_at < ${to} ORDER BY ended_at, id`
    ).map(toStats);
  }

  async listAudit(tenantId: string, from: number, to: number): Promise<AuditRow[]> {
    return (await this.q`SELECT * FROM audit_log WHERE tenant_id = ${tenantId} AND at >= ${from} AND at < ${to} ORDER BY at, id`).map(
      toAudit,
    );
  }

  deleteOlderThan(cutoff: number): Promise<RetentionResult> {
    return this.atomically(async (q) => {
      const accessCodes = (await q`DELETE FROM access_codes WHERE expires_at < ${cutoff}`).count;
      const lobbyEntries = (
        await q`DELETE FROM lobby_entries WHERE waiting_since < ${cutoff}
        AND consultation_id IN (SELECT id FROM consultations WHERE status = 'ended')`
      ).count;
      // ON DELETE CASCADE removes the remaining codes, entries, messages and identities of these.
      const consultations = (await q`DELETE FROM consultations WHERE status = 'ended' AND ended_at < ${cutoff}`).count;
      const audit = (await q`DELETE FROM audit_log WHERE at < ${cutoff}`).count;
      const stats =
        (await q`DELETE FROM session_stats WHERE ended_at < ${cutoff}`).count +
        (await q`DELETE FROM connection_ratings WHERE day < ${cutoff}`).count;
      const webhookEvents = (await q`DELETE FROM webhook_events WHERE received_at < ${cutoff}`).count;
      return { consultations, accessCodes, lobbyEntries, audit, stats, webhookEvents };
    });
  }
}

/** Connection failures, shutdowns, timeouts and exhausted resources: the database, not the request, is at fault. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ENOENT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  // SQLSTATE: admin/crash shutdown, cannot connect now, statement timeout, too many connections, out of resources.
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '53300',
  '53100',
  '53200',
]);

export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // SQLSTATE class 08: connection exceptions.
  return typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'));
}

function unavailable(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
  return new StoreUnavailableError(`PostgreSQL is unavailable: ${(err as Error).message}`, { cause: err });
}

/** Lets the class declare StoreOps's methods, which the constructor installs. */
const AsyncStoreOps = class {} as new () => StoreOps;

export class PostgresStore extends AsyncStoreOps implements Store {
  readonly sql: Sql;
  readonly groupCommitSize: number;
  private migrated: Promise<void> | undefined;
  /** Longest a call may take before we answer without it (the connection may hang without an error). */
  private readonly guardMs: number;

  constructor(options: Pick<DatabaseConfig, 'poolSize' | 'connectTimeoutSeconds' | 'statementTimeoutMs'> & { url: string }) {
    super();
    this.guardMs = options.connectTimeoutSeconds * 1000 + options.statementTimeoutMs + 1000;
    this.groupCommitSize = options.poolSize;
    this.sql = postgres(options.url, {
      max: options.poolSize,
      connect_timeout: options.connectTimeoutSeconds,
      idle_timeout: 60,
      onnotice: () => undefined,
      connection: { statement_timeout: options.statementTimeoutMs, application_name: 'videoconsult' },
    });
    const ops = new PgOps(this.sql, this.sql);
    const view: Record<string, unknown> = {};
    for (const name of STORE_OPS) {
      const method = ops[name] as (...args: unknown[]) => Promise<unknown>;
      view[name] = (...args: unknown[]) => this.guard(() => method.apply(ops, args));
    }
    Object.assign(this, view);
  }

  /**
   * Applies pending migrations once, before the first call (createApp is synchronous). A failure (database
   * down at start) is not remembered: the next call tries again, so the server recovers by itself.
   */
  private migrate(): Promise<void> {
    this.migrated ??= this.sql
      .begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
        await tx`CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`;
        const applied = new Set((await tx`SELECT version FROM migrations`).map((r) => Number(r.version)));
        for (const m of pgMigrations) {
          if (applied.has(m.version)) continue;
          await tx.unsafe(m.sql);
          await tx`INSERT INTO migrations (version, applied_at) VALUES (${m.version}, ${Date.now()})`;
        }
      })
      .then(() => undefined)
      .catch((err: unknown) => {
        this.migrated = undefined;
        throw err;
      });
    return this.migrated;
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`PostgreSQL did not answer within ${this.guardMs} ms`)), this.guardMs);
    });
    try {
      return await Promise.race([this.migrate().then(call), timeout]);
    } catch (err) {
      throw unavailable(err);
    } finally {
      clearTimeout(timer);
    }
  }

  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> {
    return this.guard(() => this.sql.begin((tx) => fn(new PgOps(tx, undefined))) as Promise<T>);
  }

  /**
   * Runs SQL of a module with tables of its own (pg-outbox.ts, pg-tenants.ts) under the same rules as the
   * store's own calls: after the migrations, bounded in time, failures of the database as StoreUnavailableError.
   */
  query<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.guard(() => fn(this.sql));
  }

  /** Ready for calls: migrations applied. Optional (every call waits for it anyway); rejects while unreachable. */
  async ready(): Promise<void> {
    await this.guard(() => Promise.resolve());
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}
