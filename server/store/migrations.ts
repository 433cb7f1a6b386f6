/** Schema migrations, applied in order, each once, inside a transaction. Never edit a shipped one. */
export const migrations: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE consultations (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        room_name TEXT NOT NULL UNIQUE,
        title TEXT,
        status TEXT NOT NULL CHECK (status IN ('scheduled', 'active', 'ended')),
        scheduled_at INTEGER,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
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
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE INDEX access_codes_consultation ON access_codes (consultation_id);

      CREATE TABLE lobby_entries (
        id TEXT PRIMARY KEY,
        ticket_hash TEXT NOT NULL UNIQUE,
        consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
        tenant_id TEXT NOT NULL,
        name TEXT NOT NULL,
        alias TEXT,
        status TEXT NOT NULL CHECK (status IN ('waiting', 'admitted', 'declined', 'left', 'ended')),
        waiting_since INTEGER NOT NULL,
        device_check TEXT,
        identity TEXT,
        decline_reason TEXT,
        os_family TEXT NOT NULL
      );
      CREATE INDEX lobby_entries_consultation ON lobby_entries (consultation_id, status, waiting_since);

      CREATE TABLE lobby_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id TEXT NOT NULL REFERENCES lobby_entries (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX lobby_messages_entry ON lobby_messages (entry_id, id);

      CREATE TABLE issued_identities (
        consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
        identity TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('patient', 'practitioner')),
        os_family TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        joined_at INTEGER,
        revoked INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (consultation_id, identity)
      );

      CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        received_at INTEGER NOT NULL
      );

      -- Anonymous by construction: no consultation id, room, identity, name or address.
      CREATE TABLE session_stats (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id TEXT NOT NULL,
        started_at INTEGER,
        ended_at INTEGER NOT NULL,
        duration_seconds INTEGER,
        participant_count INTEGER NOT NULL,
        os_families TEXT NOT NULL
      );
      CREATE INDEX session_stats_tenant ON session_stats (tenant_id, ended_at);

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id TEXT NOT NULL,
        at INTEGER NOT NULL,
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
    sql: `
      ALTER TABLE lobby_entries ADD COLUMN admitted_at INTEGER;
      CREATE INDEX lobby_entries_admitted ON lobby_entries (tenant_id, admitted_at);
    `,
  },
  {
    // Counting a consultation's open codes (the per-consultation cap, checked on every issue) walked all of
    // its codes: 15% of the server's time in the lobby benchmark. This index answers it by itself and
    // replaces the consultation-only one, which is its prefix.
    version: 3,
    sql: `
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
    sql: `
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
    sql: `
      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        url TEXT NOT NULL,
        secrets TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        disabled_at INTEGER,
        disabled_reason TEXT
      );
      CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);

      CREATE TABLE webhook_outbox (
        event_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        tenant_id TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_until INTEGER,
        PRIMARY KEY (event_id, endpoint_id)
      );
      CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);

      CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        next_attempt_at INTEGER
      );
      CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant_id, at);
    `,
  },
  {
    // Tenants managed through the admin API (server/admin/); the config file seeds them. Only SHA-256 hashes of
    // API keys are kept; a rotated-out key carries the end of its grace period. Practices group consultations.
    version: 6,
    sql: `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        allowed_origins TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE tenant_api_keys (
        sha256 TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        -- Keys from the config file: removing one there removes it here at the next start.
        from_config INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX tenant_api_keys_tenant ON tenant_api_keys (tenant_id);
      CREATE TABLE practices (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX practices_tenant ON practices (tenant_id);
    `,
  },
  {
    // Practice-wide waiting room (server/practice/): a consultation may belong to one of its tenant's practices, and
    // an admission records the practitioner's display name, so everyone watching the practice queue sees who took whom.
    version: 7,
    sql: `
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
    sql: `
      ALTER TABLE access_codes ADD COLUMN role TEXT NOT NULL DEFAULT 'patient';
      ALTER TABLE lobby_entries ADD COLUMN role TEXT NOT NULL DEFAULT 'patient';
      CREATE TABLE practitioner_token_revocations (
        consultation_id TEXT NOT NULL,
        token_id TEXT NOT NULL,
        revoked_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (consultation_id, token_id)
      );
      CREATE INDEX practitioner_token_revocations_expiry ON practitioner_token_revocations (expires_at);
    `,
  },
  {
    // The practitioner's note to everyone waiting (issue 17): deleted when the consultation ends. Connection
    // ratings are anonymous by construction (tenant, UTC day, rating); \`rated\` only stops a ticket rating twice.
    version: 9,
    sql: `
      CREATE TABLE waiting_notices (
        consultation_id TEXT PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE TABLE connection_ratings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('good', 'fair', 'poor'))
      );
      CREATE INDEX connection_ratings_tenant ON connection_ratings (tenant_id, day);
      ALTER TABLE lobby_entries ADD COLUMN rated INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
