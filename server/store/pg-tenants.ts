import type { PracticeRecord, TenantRecord, TenantStore } from '../admin/tenants.js';
import { toPractice, toTenants } from './integration-rows.js';
import { count, rows } from './pg-query.js';
import type { PostgresStore } from './postgres.js';

/** Tenants, their key hashes and practices on PostgreSQL (tables from migration 6), as sqlite-tenants.ts. */
export class PgTenants implements TenantStore {
  constructor(private readonly store: PostgresStore) {}

  seedTenants(
    tenants: readonly { id: string; name: string; apiKeySha256: string[]; allowedOrigins: string[] }[],
    at: number,
  ): Promise<void> {
    return this.store.atomically(async (q) => {
      for (const t of tenants) {
        await count(q, 'INSERT INTO tenants (id, name, allowed_origins, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [
          t.id,
          t.name,
          JSON.stringify(t.allowedOrigins),
          at,
        ]);
        await count(q, 'DELETE FROM tenant_api_keys WHERE tenant_id = $1 AND from_config = 1 AND NOT (sha256 = ANY($2::text[]))', [
          t.id,
          t.apiKeySha256,
        ]);
        for (const sha of new Set(t.apiKeySha256)) {
          await count(
            q,
            'INSERT INTO tenant_api_keys (sha256, tenant_id, created_at, from_config) VALUES ($1, $2, $3, 1) ON CONFLICT (sha256) DO NOTHING',
            [sha, t.id, at],
          );
        }
      }
    });
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.store.query(async (q) => {
      const keys = await rows(q, 'SELECT * FROM tenant_api_keys ORDER BY created_at, sha256');
      return toTenants(await rows(q, 'SELECT * FROM tenants ORDER BY id COLLATE "C"'), keys);
    });
  }

  createTenant(t: Omit<TenantRecord, 'apiKeys'>, keySha256: string): Promise<boolean> {
    return this.store.atomically(async (q) => {
      const created = await count(
        q,
        'INSERT INTO tenants (id, name, allowed_origins, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING',
        [t.id, t.name, JSON.stringify(t.allowedOrigins), t.createdAt],
      );
      if (created === 0) return false;
      await count(q, 'INSERT INTO tenant_api_keys (sha256, tenant_id, created_at) VALUES ($1, $2, $3)', [keySha256, t.id, t.createdAt]);
      return true;
    });
  }

  rotateApiKey(tenantId: string, keySha256: string, at: number, graceUntil: number): Promise<boolean> {
    return this.store.atomically(async (q) => {
      // FOR UPDATE: two rotations at once on two instances apply one after the other.
      if ((await rows(q, 'SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE', [tenantId])).length === 0) return false;
      await count(q, 'UPDATE tenant_api_keys SET expires_at = $2 WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > $2)', [
        tenantId,
        graceUntil,
      ]);
      await count(q, 'INSERT INTO tenant_api_keys (sha256, tenant_id, created_at) VALUES ($1, $2, $3)', [keySha256, tenantId, at]);
      return true;
    });
  }

  setAllowedOrigins(tenantId: string, origins: string[]): Promise<boolean> {
    return this.store.query(
      async (q) => (await count(q, 'UPDATE tenants SET allowed_origins = $2 WHERE id = $1', [tenantId, JSON.stringify(origins)])) > 0,
    );
  }

  createPractice(p: PracticeRecord): Promise<boolean> {
    return this.store.query(
      async (q) =>
        (await count(q, 'INSERT INTO practices (id, tenant_id, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [
          p.id,
          p.tenantId,
          p.name,
          p.createdAt,
        ])) > 0,
    );
  }

  listPractices(tenantId: string): Promise<PracticeRecord[]> {
    return this.store.query(async (q) =>
      (await rows(q, 'SELECT * FROM practices WHERE tenant_id = $1 ORDER BY created_at, id COLLATE "C"', [tenantId])).map(toPractice),
    );
  }
}
