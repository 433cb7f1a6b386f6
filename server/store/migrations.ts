/**
 * Schema migrations of both stores: one ordered list, applied in order, each once, inside a transaction, and
 * recorded by version in the table `migrations`. Never edit a shipped one: a database that recorded a version
 * never runs it again, so a new database must end up with the same schema as an old one that applied it.
 *
 * The SQL is the same for SQLite and PostgreSQL but for the column types in `ColumnTypes` (times are epoch
 * milliseconds: SQLite's INTEGER holds 64 bits, PostgreSQL needs BIGINT; SQLite's implicit rowid, which orders
 * lobby entries that arrived in the same millisecond, is the identity column `seq` there). The texts each
 * dialect gets are those both stores applied before the lists were merged.
 */
export type Dialect = 'sqlite' | 'postgres';

interface ColumnTypes {
  /** Epoch milliseconds. */
  time: string;
  /** An ever-growing surrogate key. */
  id: string;
  /** The first column of lobby_entries where the dialect has no rowid. */
  arrivalOrder: string;
}

const COLUMN_TYPES: Record<Dialect, ColumnTypes> = {
  sqlite: { time: 'INTEGER', id: 'INTEGER PRIMARY KEY AUTOINCREMENT', arrivalOrder: '' },
  postgres: {
    time: 'BIGINT',
    id: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
    arrivalOrder: 'seq BIGINT GENERATED ALWAYS AS IDENTITY,\n        ',
  },
};

export interface Migration {
  version: number;
  sql: (t: ColumnTypes) => string;
}

/** The bookkeeping table, created if missing before anything else. */
export const migrationsTableSql = (dialect: Dialect): string =>
  `CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at ${COLUMN_TYPES[dialect].time} NOT NULL)`;

/** The migrations a database that recorded `applied` still needs, in order, as SQL of its dialect. */
export function pendingMigrations(dialect: Dialect, applied: Iterable<number>): { version: number; sql: string }[] {
  const done = new Set(applied);
  return migrations.filter((m) => !done.has(m.version)).map((m) => ({ version: m.version, sql: m.sql(COLUMN_TYPES[dialect]) }));
}

export const migrations: Migration[] = [
  {
    version: 1,
    sql: (t) => `
      CREATE TABLE consultations (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        room_name TEXT NOT NULL UNIQUE,
        title TEXT,
        status TEXT NOT NULL CHECK (status IN ('scheduled', 'active', 'ended')),
        scheduled_at ${t.time},
        created_at ${t.time} NOT NULL,
        started_at ${t.time},
        ended_at ${t.time},
        max_participants INTEGER NOT NULL,
        patient_screen_share INTEGER NOT NULL,
        e2ee INTEGER NOT NULL,
        locale TEXT NOT NULL,
        e2ee_key TEXT
      );
      CREATE INDEX consultations_tenant ON consultations (tenant_id, created_at DESC, id DESC);
      CREATE INDEX consultations_status ON consultations (status);

      CREATE TABLE access_codes (
        code_hash TEXT PRIMARY KEY,
        consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
        tenant_id TEXT NOT NULL,
        alias TEXT,
        created_at ${t.time} NOT NULL,
        expires_at ${t.time} NOT NULL,
        used_at ${t.time}
      );
      CREATE INDEX access_codes_consultation ON access_codes (consultation_id);

      CREATE TABLE lobby_entries (
        ${t.arrivalOrder}id TEXT PRIMARY KEY,
        ticket_hash TEXT NOT NULL UNIQUE,
        consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
        tenant_id TEXT NOT NULL,
        name TEXT NOT NULL,
        alias TEXT,
        status TEXT NOT NULL CHECK (status IN ('waiting', 'admitted', 'declined', 'left', 'ended')),
        waiting_since ${t.time} NOT NULL,
        device_check TEXT,
        identity TEXT,
        decline_reason TEXT,
        os_family TEXT NOT NULL
      );
      CREATE INDEX lobby_entries_consultation ON lobby_entries (consultation_id, status, waiting_since);

      CREATE TABLE lobby_messages (
        id ${t.id},
        entry_id TEXT NOT NULL REFERENCES lobby_entries (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        at ${t.time} NOT NULL
      );
      CREATE INDEX lobby_messages_entry ON lobby_messages (entry_id, id);

      CREATE TABLE issued_identities (
        consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
        identity TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('patient', 'practitioner')),
        os_family TEXT NOT NULL,
        issued_at ${t.time} NOT NULL,
        joined_at ${t.time},
        revoked INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (consultation_id, identity)
      );

      CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        received_at ${t.time} NOT NULL
      );

      -- Anonymous by construction: no consultation id, room, identity, name or address.
      CREATE TABLE session_stats (
        id ${t.id},
        tenant_id TEXT NOT NULL,
        started_at ${t.time},
        ended_at ${t.time} NOT NULL,
        duration_seconds INTEGER,
        participant_count INTEGER NOT NULL,
        os_families TEXT NOT NULL
      );
      CREATE INDEX session_stats_tenant ON session_stats (tenant_id, ended_at);

      CREATE TABLE audit_log (
        id ${t.id},
        tenant_id TEXT NOT NULL,
        at ${t.time} NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        consultation_id TEXT
      );
      CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at);
    `,
  },
  {
    // When patients were admitted: feeds the waiting-time estimate shown in the lobby.
    version: 2,
    sql: (t) => `
      ALTER TABLE lobby_entries ADD COLUMN admitted_at ${t.time};
      CREATE INDEX lobby_entries_admitted ON lobby_entries (tenant_id, admitted_at);
    `,
  },
  {
    // Counting a consultation's open codes (the per-consultation cap, checked on every issue) walked all of
    // its codes: 15% of the server's time in the lobby benchmark. This index answers it by itself and
    // replaces the consultation-only one, which is its prefix.
    version: 3,
    sql: () => `
      CREATE INDEX access_codes_open ON access_codes (consultation_id, used_at, expires_at);
      DROP INDEX access_codes_consultation;
    `,
  },
  {
    // Every lobby join marks a code used and inserts an entry: each index those rows sit in is a page more
    // to write per join (bench: lobby join). Both indexes serve only queries that filter on the condition
    // below, so partial indexes answer them alike while a join no longer moves the code within the first
    // (it just leaves it) and no longer touches the second (a waiting entry has no admitted_at). used_at stays a
    // column of the first so that the count remains an index-only read. Ending a consultation (and the
    // cascade from deleting one) finds its codes, used or not, through the plain index on consultation_id,
    // which a join does not touch either.
    version: 4,
    sql: () => `
      DROP INDEX access_codes_open;
      CREATE INDEX access_codes_consultation ON access_codes (consultation_id);
      CREATE INDEX access_codes_open ON access_codes (consultation_id, expires_at, used_at) WHERE used_at IS NULL;
      DROP INDEX lobby_entries_admitted;
      CREATE INDEX lobby_entries_admitted ON lobby_entries (tenant_id, admitted_at) WHERE admitted_at IS NOT NULL;
    `,
  },
  {
    // Outgoing webhooks (server/outbox/): endpoints per tenant, the outbox of pending deliveries (a row per event
    // and endpoint, deleted once delivered or given up) and the per-tenant delivery log (ids and statuses only).
    version: 5,
    sql: (t) => `
      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        url TEXT NOT NULL,
        secrets TEXT NOT NULL,
        created_at ${t.time} NOT NULL,
        disabled_at ${t.time},
        disabled_reason TEXT
      );
      CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);

      CREATE TABLE webhook_outbox (
        event_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        tenant_id TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at ${t.time} NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at ${t.time} NOT NULL,
        lease_owner TEXT,
        lease_until ${t.time},
        PRIMARY KEY (event_id, endpoint_id)
      );
      CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);

      CREATE TABLE webhook_deliveries (
        id ${t.id},
        tenant_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        at ${t.time} NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        next_attempt_at ${t.time}
      );
      CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant_id, at);
    `,
  },
  {
    // Tenants managed through the admin API (server/admin/); the config file seeds them. Only SHA-256 hashes of
    // API keys are kept; a rotated-out key carries the end of its grace period. Practices group consultations.
    version: 6,
    sql: (t) => `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        allowed_origins TEXT NOT NULL,
        created_at ${t.time} NOT NULL
      );
      CREATE TABLE tenant_api_keys (
        sha256 TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        created_at ${t.time} NOT NULL,
        expires_at ${t.time},
        -- Keys from the config file: removing one there removes it here at the next start.
        from_config INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX tenant_api_keys_tenant ON tenant_api_keys (tenant_id);
      CREATE TABLE practices (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_at ${t.time} NOT NULL
      );
      CREATE INDEX practices_tenant ON practices (tenant_id);
    `,
  },
  {
    // Practice-wide waiting room (server/practice/): a consultation may belong to one of its tenant's practices, and
    // an admission records the practitioner's display name, so everyone watching the practice queue sees who took whom.
    version: 7,
    sql: () => `
      ALTER TABLE consultations ADD COLUMN practice_id TEXT;
      CREATE INDEX consultations_practice ON consultations (practice_id) WHERE practice_id IS NOT NULL;
      ALTER TABLE lobby_entries ADD COLUMN admitted_by TEXT;
    `,
  },
  {
    // Roles the integrator gives an access code (copied to the lobby entry, carried as the participant attribute of
    // the grant) and revoked practitioner tokens: one row per token id, or token_id '*' for every token of the
    // consultation issued up to revoked_at. A row is useless once every token it could refuse has expired.
    version: 8,
    sql: (t) => `
      ALTER TABLE access_codes ADD COLUMN role TEXT NOT NULL DEFAULT 'patient';
      ALTER TABLE lobby_entries ADD COLUMN role TEXT NOT NULL DEFAULT 'patient';
      CREATE TABLE practitioner_token_revocations (
        consultation_id TEXT NOT NULL,
        token_id TEXT NOT NULL,
        revoked_at ${t.time} NOT NULL,
        expires_at ${t.time} NOT NULL,
        PRIMARY KEY (consultation_id, token_id)
      );
      CREATE INDEX practitioner_token_revocations_expiry ON practitioner_token_revocations (expires_at);
    `,
  },
  {
    // The practitioner's note to everyone waiting (issue 17): deleted when the consultation ends. Connection
    // ratings are anonymous by construction (tenant, UTC day, rating); \`rated\` only stops a ticket rating twice.
    version: 9,
    sql: (t) => `
      CREATE TABLE waiting_notices (
        consultation_id TEXT PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        at ${t.time} NOT NULL
      );
      CREATE TABLE connection_ratings (
        id ${t.id},
        tenant_id TEXT NOT NULL,
        day ${t.time} NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('good', 'fair', 'poor'))
      );
      CREATE INDEX connection_ratings_tenant ON connection_ratings (tenant_id, day);
      ALTER TABLE lobby_entries ADD COLUMN rated INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    // A waiting patient whose page closed (or navigated away) said so on its way out; they leave the queue once the
    // grace period (departureGraceSeconds) has passed without their page coming back, e.g. from a reload.
    version: 10,
    sql: (t) => `
      ALTER TABLE lobby_entries ADD COLUMN departing_at ${t.time};
    `,
  },
  {
    // The sweeper looks for due departures every round: only the few marked entries, not the whole table.
    version: 11,
    sql: () => `
      CREATE INDEX lobby_entries_departing ON lobby_entries (departing_at) WHERE departing_at IS NOT NULL;
    `,
  },
  {
    // The practice of a practice token's grant: revoking the practice's tokens marks these identities revoked and
    // removes them from their rooms, whichever desk consultation each grant was for.
    version: 12,
    sql: () => `
      ALTER TABLE issued_identities ADD COLUMN practice_id TEXT;
      CREATE INDEX issued_identities_practice ON issued_identities (practice_id) WHERE practice_id IS NOT NULL;
    `,
  },
];
