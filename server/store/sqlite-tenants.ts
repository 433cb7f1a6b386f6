import type Database from 'better-sqlite3';
import type { SqliteStore } from './sqlite.js';
import type { PracticeRecord, TenantRecord, TenantStore } from '../admin/tenants.js';
import { toPractice, toTenants, type SqlRow } from './integration-rows.js';

/** Tenants, their key hashes and practices on SQLite (tables from migration 6). */
export class SqliteTenants implements TenantStore {
  private readonly db: Database.Database;

  constructor(private readonly store: SqliteStore) {
    this.db = store.db;
  }

  /** The store's connection is shared: run in its turn, never inside another caller's transaction. */
  private exclusive<T>(fn: () => T): Promise<T> {
    return this.store.exclusive(fn);
  }

  seedTenants(
    tenants: readonly { id: string; name: string; apiKeySha256: string[]; allowedOrigins: string[] }[],
    at: number,
  ): Promise<void> {
    return this.exclusive(() => {
      this.db.transaction(() => {
        for (const t of tenants) {
          this.db
            .prepare('INSERT INTO tenants (id, name, allowed_origins, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING')
            .run(t.id, t.name, JSON.stringify(t.allowedOrigins), at);
          const configured = new Set(t.apiKeySha256);
          for (const row of this.db
            .prepare('SELECT sha256 FROM tenant_api_keys WHERE tenant_id = ? AND from_config = 1')
            .all(t.id) as SqlRow[]) {
            if (!configured.has(String(row.sha256))) this.db.prepare('DELETE FROM tenant_api_keys WHERE sha256 = ?').run(row.sha256);
          }
          for (const sha of configured) {
            this.db
              .prepare(
                'INSERT INTO tenant_api_keys (sha256, tenant_id, created_at, from_config) VALUES (?, ?, ?, 1) ON CONFLICT (sha256) DO NOTHING',
              )
              .run(sha, t.id, at);
          }
        }
      })();
    });
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.exclusive(() => {
      const keys = this.db.prepare('SELECT * FROM tenant_api_keys ORDER BY created_at').all() as SqlRow[];
      return toTenants(this.db.prepare('SELECT * FROM tenants ORDER BY id').all() as SqlRow[], keys);
    });
  }

  createTenant(t: Omit<TenantRecord, 'apiKeys'>, keySha256: string): Promise<boolean> {
    return this.exclusive(() => {
      return this.db.transaction(() => {
        const created =
          this.db
            .prepare('INSERT INTO tenants (id, name, allowed_origins, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING')
            .run(t.id, t.name, JSON.stringify(t.allowedOrigins), t.createdAt).changes > 0;
        if (created)
          this.db.prepare('INSERT INTO tenant_api_keys (sha256, tenant_id, created_at) VALUES (?, ?, ?)').run(keySha256, t.id, t.createdAt);
        return created;
      })();
    });
  }

  rotateApiKey(tenantId: string, keySha256: string, at: number, graceUntil: number): Promise<boolean> {
    return this.exclusive(() => {
      return this.db.transaction(() => {
        if (!this.db.prepare('SELECT 1 FROM tenants WHERE id = ?').get(tenantId)) return false;
        this.db
          .prepare('UPDATE tenant_api_keys SET expires_at = ? WHERE tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)')
          .run(graceUntil, tenantId, graceUntil);
        this.db.prepare('INSERT INTO tenant_api_keys (sha256, tenant_id, created_at) VALUES (?, ?, ?)').run(keySha256, tenantId, at);
        return true;
      })();
    });
  }

  setAllowedOrigins(tenantId: string, origins: string[]): Promise<boolean> {
    return this.exclusive(() => {
      return this.db.prepare('UPDATE tenants SET allowed_origins = ? WHERE id = ?').run(JSON.stringify(origins), tenantId).changes > 0;
    });
  }

  createPractice(p: PracticeRecord): Promise<boolean> {
    return this.exclusive(() => {
      return (
        this.db
          .prepare('INSERT INTO practices (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING')
          .run(p.id, p.tenantId, p.name, p.createdAt).changes > 0
      );
    });
  }

  listPractices(tenantId: string): Promise<PracticeRecord[]> {
    return this.exclusive(() => {
      return (this.db.prepare('SELECT * FROM practices WHERE tenant_id = ? ORDER BY created_at, id').all(tenantId) as SqlRow[]).map(
        toPractice,
      );
    });
  }
}
