/** Tenants as the admin API keeps them (the store is the source of truth; the config file only seeds it). */
export interface TenantRecord {
  id: string;
  name: string;
  allowedOrigins: string[];
  createdAt: number;
  /** SHA-256 hashes of the API keys; `expiresAt` is the end of a rotated-out key's grace period. */
  apiKeys: { sha256: string; createdAt: number; expiresAt: number | null }[];
}

export interface PracticeRecord {
  id: string;
  tenantId: string;
  name: string;
  createdAt: number;
}

export interface TenantStore {
  /**
   * Adds the config's tenants that the store does not have yet (their name and origins are the admin API's from
   * then on), adds every config key and removes the config keys no longer in the config.
   */
  seedTenants(
    tenants: readonly { id: string; name: string; apiKeySha256: string[]; allowedOrigins: string[] }[],
    at: number,
  ): Promise<void>;
  listTenants(): Promise<TenantRecord[]>;
  /** False if the id is taken. */
  createTenant(tenant: Omit<TenantRecord, 'apiKeys'>, keySha256: string): Promise<boolean>;
  /** Adds a key; every key without an earlier end now ends at `graceUntil`. False for an unknown tenant. */
  rotateApiKey(tenantId: string, keySha256: string, at: number, graceUntil: number): Promise<boolean>;
  setAllowedOrigins(tenantId: string, origins: string[]): Promise<boolean>;
  createPractice(practice: PracticeRecord): Promise<boolean>;
  listPractices(tenantId: string): Promise<PracticeRecord[]>;
}
