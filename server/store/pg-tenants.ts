import type { PracticeRecord, TenantRecord, TenantStore } from '../admin/tenants.js';
import { toPractice, toTenants } from './integration-rows.js';
import type { PostgresStore } from './postgres.js';

/** Tenants, their key hashes and practices on PostgreSQL (tables from migration 6), as sqlite-tenants.ts. */
export class PgTenants implements TenantStore {
  constructor(private readonly store: PostgresStore) {}

  seedTenants(
    tenants: readonly { id: string; name: string; apiKeySha256: string[]; allowedOrigins: string[] }[],
    at: number,
  ): Promise<void> {
    return this.store.query(
      (sql) =>
        sql.begin(async (tx) => {
          for (const t of tenants) {
            await tx`INSERT INTO tenants (id, name, allowed_origins, created_at) VALUES (${t.id}, ${t.name}, ${JSON.stringify(t.allowedOrigins)}, ${at})
              ON CONFLICT (id) DO NOTHING`;
            await tx`DELETE FROM tenant_api_keys WHERE tenant_id = ${t.id} AND from_config = 1 AND NOT (sha256 = ANY(${t.apiKeySha256}))`;
            for (const sha of new Set(t.apiKeySha256)) {
              await tx`INSERT INTO tenant_api_keys (sha256, tenant_id, created_at, from_config) VALUES (${sha}, ${t.id}, ${at}, 1)
                ON CONFLICT (sha256) DO NOTHING`;
            }
          }
        }) as Promise<unknown> as Promise<void>,
    );
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.store.query(async (sql) => {
      const keys = await sql`SELECT * FROM tenant_api_keys ORDER BY created_at, sha256`;
      return toTenants(await sql`SELECT * FROM tenants ORDER BY id COLLATE "C"`, keys);
    });
  }

  createTenant(t: Omit<TenantRecord, 'apiKeys'>, keySha256: string): Promise<boolean> {
    return this.store.query(
      (sql) =>
        sql.begin(async (tx) => {
          const created = await tx`INSERT INTO tenants (id, name, allowed_origins, created_at)
            VALUES (${t.id}, ${t.name}, ${JSON.stringify(t.allowedOrigins)}, ${t.createdAt}) ON CONFLICT (id) DO NOTHING`;
          if (created.count === 0) return false;
          await tx`INSERT INTO tenant_api_keys (sha256, tenant_id, created_at) VALUES (${keySha256}, ${t.id}, ${t.createdAt})`;
          return true;
        }) as Promise<boolean>,
    );
  }

  rotateApiKey(tenantId: string, keySha256: string, at: number, graceUntil: number): Promise<boolean> {
    return this.store.query(
      (sql) =>
        sql.begin(async (tx) => {
          // FOR UPDATE: two rotations at once on two instances apply one after the other.
          if ((await tx`SELECT 1 FROM tenants WHERE id = ${tenantId} FOR UPDATE`).length === 0) return false;
          await tx`UPDATE tenant_api_keys SET expires_at = ${graceUntil}
            WHERE tenant_id = ${tenantId} AND (expires_at IS NULL OR expires_at > ${graceUntil})`;
          await tx`INSERT INTO tenant_api_keys (sha256, tenant_id, created_at) VALUES (${keySha256}, ${tenantId}, ${at})`;
          return true;
        }) as Promise<boolean>,
    );
  }

  setAllowedOrigins(tenantId: string, origins: string[]): Promise<boolean> {
    return this.store.query(
      async (sql) => (await sql`UPDATE tenants SET allowed_origins = ${JSON.stringify(origins)} WHERE id = ${tenantId}`).count > 0,
    );
  }

  createPractice(p: PracticeRecord): Promise<boolean> {
    return this.store.query(
      async (sql) =>
        (
          await sql`INSERT INTO practices (id, tenant_id, name, created_at) VALUES (${p.id}, ${p.tenantId}, ${p.name}, ${p.createdAt})
            ON CONFLICT (id) DO NOTHING`
        ).count > 0,
    );
  }

  listPractices(tenantId: string): Promise<PracticeRecord[]> {
    return this.store.query(async (sql) =>
      (await sql`SELECT * FROM practices WHERE tenant_id = ${tenantId} ORDER BY created_at, id COLLATE "C"`).map(toPractice),
    );
  }
}
