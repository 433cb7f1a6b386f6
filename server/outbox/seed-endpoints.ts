import { createHash } from 'node:crypto';
import type { TenantConfig } from '../config.js';
import type { OutboxStore, WebhookEndpointRow } from './outbox.js';

/** Endpoints from the config file carry this prefix, so a start can tell them from those the admin API made. */
const CONFIG_PREFIX = 'cfg_';

export const isConfigEndpoint = (id: string): boolean => id.startsWith(CONFIG_PREFIX);

export function configEndpointId(tenantId: string, endpoint: { id?: string; url: string }): string {
  const name = endpoint.id ?? createHash('sha256').update(endpoint.url).digest('hex').slice(0, 16);
  return `${CONFIG_PREFIX}${tenantId}_${name}`;
}

/**
 * Makes the store's config-file endpoints equal to the config's: new ones are added, changed ones replaced (which
 * re-enables them), those no longer in the config removed. An unchanged one is left alone, so an endpoint that
 * answered 410 stays disabled across restarts until its entry changes. Endpoints made through the admin API are
 * never touched.
 */
export async function seedWebhookEndpoints(outbox: OutboxStore, tenants: readonly TenantConfig[], now: number): Promise<void> {
  for (const tenant of tenants) {
    const stored = new Map((await outbox.listWebhookEndpoints(tenant.id)).map((e) => [e.id, e]));
    const wanted = new Set<string>();
    for (const endpoint of tenant.webhookEndpoints ?? []) {
      const id = configEndpointId(tenant.id, endpoint);
      wanted.add(id);
      const current = stored.get(id);
      if (current && current.url === endpoint.url && current.secrets.join(' ') === endpoint.secrets.join(' ')) continue;
      const row: WebhookEndpointRow = {
        id,
        tenantId: tenant.id,
        url: endpoint.url,
        secrets: endpoint.secrets,
        createdAt: current?.createdAt ?? now,
        disabledAt: null,
        disabledReason: null,
      };
      await outbox.putWebhookEndpoint(row);
    }
    for (const id of stored.keys()) {
      if (isConfigEndpoint(id) && !wanted.has(id)) await outbox.deleteWebhookEndpoint(tenant.id, id);
    }
  }
}
