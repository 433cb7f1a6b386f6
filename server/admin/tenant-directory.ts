import type { Config } from '../config.js';
import type { ChangeHints } from '../shared-state.js';
import type { TenantStore } from './tenants.js';

export type { ChangeHints };

/**
 * Keeps `config.tenants` (what authentication, CORS and the origin checks read) equal to the store's tenants.
 * The list is replaced, never edited in place, so derived caches keyed on it renew themselves. A change made
 * here re-reads at once and hints the other instances; a rotated-out key drops out by a timer at the end of
 * its grace period on every instance that read it; a periodic re-read covers a hint that was lost.
 */
export class TenantDirectory {
  private expiryTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private reloading: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly config: Config,
    private readonly store: TenantStore,
    private readonly options: { now: () => number; hints?: ChangeHints; refreshMs?: number; log: (line: string) => void },
  ) {}

  async start(): Promise<void> {
    await this.store.seedTenants(this.config.tenants, this.options.now());
    await this.reload();
    this.unsubscribe = this.options.hints?.subscribe(() => void this.reload());
    const refreshMs = this.options.refreshMs ?? 30_000;
    if (refreshMs > 0) {
      this.refreshTimer = setInterval(() => void this.reload(), refreshMs);
      this.refreshTimer.unref();
    }
  }

  /** Re-reads the store; concurrent calls collapse into one more read after the current one. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = this.read()
      .catch((err: unknown) => this.options.log(`reading the tenants failed: ${(err as Error).message}`))
      .finally(() => {
        this.reloading = undefined;
        if (this.again) {
          this.again = false;
          void this.reload();
        }
      });
    return this.reloading;
  }

  /** After a change through the admin API: this instance at once, the others by hint. */
  async changed(): Promise<void> {
    await this.reload();
    this.options.hints?.publish();
  }

  stop(): void {
    clearTimeout(this.expiryTimer);
    clearInterval(this.refreshTimer);
    this.unsubscribe?.();
  }

  private async read(): Promise<void> {
    const now = this.options.now();
    const records = await this.store.listTenants();
    this.config.tenants = records.map((r) => ({
      id: r.id,
      name: r.name,
      allowedOrigins: r.allowedOrigins,
      apiKeySha256: r.apiKeys.filter((k) => k.expiresAt === null || k.expiresAt > now).map((k) => k.sha256),
    }));
    const nextExpiry = Math.min(
      ...records.flatMap((r) => r.apiKeys.flatMap((k) => (k.expiresAt !== null && k.expiresAt > now ? [k.expiresAt] : []))),
    );
    clearTimeout(this.expiryTimer);
    if (Number.isFinite(nextExpiry)) {
      this.expiryTimer = setTimeout(() => void this.reload(), Math.min(nextExpiry - now + 1, 2 ** 31 - 1));
      this.expiryTimer.unref();
    }
  }
}
