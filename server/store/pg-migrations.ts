/**
 * The SQLite migrations (migrations.ts) expressed for PostgreSQL: same versions, same tables and columns, so
 * both stores read rows alike (rows.ts). Times are epoch milliseconds in BIGINT; flags stay INTEGER 0/1.
 * SQLite's implicit rowid (insertion order of lobby entries) is an identity column here. Never edit a shipped one.
 */
export const pgMigrations: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE consultations (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        room_name TEXT NOT NULL UNIQUE,
        title TEXT,
        status TEXT NOT NULL CHECK (status IN ('scheduled', 'active', 'ended')),
        scheduled_at BIGINT,
        created_at BIGINT NOT NULL,
        started_at BIGINT,
        ended_at BIGINT,
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
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
      );
      CREATE INDEX access_codes_consultation ON access_codes (consultation_id);

      CREATE TABLE lobby_entries (
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        id TEXT PRIMARY KEY,
        ticket_hash TEXT NOT NULL UNIQUE,
        consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
        tenant_id TEXT NOT NULL,
        name TEXT NOT NULL,
        alias TEXT,
        status TEXT NOT NULL CHECK (status IN ('waiting', 'admitted', 'declined', 'left', 'ended')),
        waiting_since BIGINT NOT NULL,
        device_check TEXT,
        identity TEXT,
        decline_reason TEXT,
        os_family TEXT NOT NULL
      );
      CREATE INDEX lobby_entries_consultation ON lobby_entries (consultation_id, status, waiting_since);

      CREATE TABLE lobby_messages (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        entry_id TEXT NOT NULL REFERENCES lobby_entries (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE INDEX lobby_messages_entry ON lobby_messages (entry_id, id);

      CREATE TABLE issued_identities (
        consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
        identity TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('patient', 'practitioner')),
        os_family TEXT NOT NULL,
        issued_at BIGINT NOT NULL,
        joined_at BIGINT,
        revoked INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (consultation_id, identity)
      );

      CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        received_at BIGINT NOT NULL
      );

      -- Anonymous by construction: no consultation id, room, identity, name or address.
      CREATE TABLE session_stats (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        started_at BIGINT,
        ended_at BIGINT NOT NULL,
        duration_seconds INTEGER,
        participant_count INTEGER NOT NULL,
        os_families TEXT NOT NULL
      );
      CREATE INDEX session_stats_tenant ON session_stats (tenant_id, ended_at);

      CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        consultation_id TEXT
      );
      CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at);
    `,
  },
  {
    version: 2,
    sql: `
      ALTER TABLE lobby_entries ADD COLUMN admitted_at BIGINT;
      CREATE INDEX lobby_entries_admitted ON lobby_entries (tenant_id, admitted_at);
    `,
  },
  {
    version: 3,
    sql: `
      CREATE INDEX access_codes_open ON access_codes (consultation_id, used_at, expires_at);
      DROP INDEX access_codes_consultation;
    `,
  },
  {
    // Partial indexes, as in SQLite's version 4 (see there why).
    version: 4,
    sql: `
      DROP INDEX access_codes_open;
      CREATE INDEX access_codes_consultation ON access_codes (consultation_id);
      CREATE INDEX access_codes_open ON access_codes (consultation_id, expires_at, used_at) WHERE used_at IS NULL;
      DROP INDEX lobby_entries_admitted;
      CREATE INDEX lobby_entries_admitted ON lobby_entries (tenant_id, admitted_at) WHERE admitted_at IS NOT NULL;
    `,
  },
  {
    // Outgoing webhooks (integrators): endpoints, the outbox with leases, the delivery log.
    version: 5,
    sql: `
      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        url TEXT NOT NULL,
        secrets TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        disabled_at BIGINT,
        disabled_reason TEXT
      );
      CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);

      CREATE TABLE webhook_outbox (
        event_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        tenant_id TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT,
        PRIMARY KEY (event_id, endpoint_id)
      );
      CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);

      CREATE TABLE webhook_deliveries (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        at BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        next_attempt_at BIGINT
      );
      CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant_id, at);
    `,
  },
  {
    // Tenants managed through the admin API, as in SQLite's version 6 (see there).
    version: 6,
    sql: `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        allowed_origins TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE tenant_api_keys (
        sha256 TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        from_config INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX tenant_api_keys_tenant ON tenant_api_keys (tenant_id);
      CREATE TABLE practices (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX practices_tenant ON practices (tenant_id);
    `,
  },
  {
    // As SQLite's version 7: practices group consultations; admissions record who took the patient.
    version: 7,
    sql: `
      ALTER TABLE consultations ADD COLUMN practice_id TEXT;
      CREATE INDEX consultations_practice ON consultations (practice_id) WHERE practice_id IS NOT NULL;
      ALTER TABLE lobby_entries ADD COLUMN admitted_by TEXT;
    `,
  },
  {
    // As in SQLite's version 8: roles the integrator gives an access code (copied to the lobby entry, carried as the participant attribute of
    // the grant) and revoked practitioner tokens: one row per token id, or token_id '*' for every token of the
    // consultation issued up to revoked_at. A row is useless once every token it could refuse has expired.
    version: 8,
    sql: `
      ALTER TABLE access_codes ADD COLUMN role TEXT NOT NULL DEFAULT 'patient';
      ALTER TABLE lobby_entries ADD COLUMN role TEXT NOT NULL DEFAULT 'patient';
      CREATE TABLE practitioner_token_revocations (
        consultation_id TEXT NOT NULL,
        token_id TEXT NOT NULL,
        revoked_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (consultation_id, token_id)
      );
      CREATE INDEX practitioner_token_revocations_expiry ON practitioner_token_revocations (expires_at);
    `,
  },
  {
    // The practitioner's note to everyone waiting; anonymous connection ratings (as SQLite's version 9).
    version: 9,
    sql: `
      CREATE TABLE waiting_notices (
        consultation_id TEXT PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE TABLE connection_ratings (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        day BIGINT NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('good', 'fair', 'poor'))
      );
      CREATE INDEX connection_ratings_tenant ON connection_ratings (tenant_id, day);
      ALTER TABLE lobby_entries ADD COLUMN rated INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
