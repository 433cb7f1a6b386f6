import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { tooMany } from '../security.js';
import type { WindowCounter } from '../shared-state.js';

/** Joins that come from no tenant's page (scripts, unknown origins) share one budget. */
export const NO_TENANT_BUCKET = '(no tenant origin)';

/**
 * Which budget a join attempt counts against: the tenant whose allowed origin sent it. Browsers always send
 * Origin on a POST; a script can forge one, but then it only slows that tenant's joins, and without one it
 * lands in the shared bucket. Either way every guess passes through some bounded budget.
 */
export function guessBucket(config: Config, origin: string | undefined): string {
  if (!origin) return NO_TENANT_BUCKET;
  return config.tenants.find((t) => t.allowedOrigins.includes(origin))?.id ?? NO_TENANT_BUCKET;
}

/**
 * A per-tenant failure budget for access codes. The per-client lockout stops one address; a guesser with
 * many addresses is stopped here: once a tenant's wrong codes within the window exceed the budget, its join
 * attempts are evaluated one at a time, `spacingMs` apart. Nobody is locked out: a patient with the right
 * code still gets in, after a short wait; only when the wait would exceed `maxWaitSeconds` is the attempt
 * refused with 429 + Retry-After (which the SDK honours), so waiting requests cannot pile up without bound.
 * See docs/http-api.md for the expected time to guess a code at this rate.
 */
export class GuessBudget {
  /** Per bucket: the earliest time the next over-budget attempt may be evaluated. */
  private readonly nextSlot = new Map<string, number>();

  constructor(
    private readonly options: Config['codeGuessBudget'],
    /** Counts `failuresPerWindow` per `windowMinutes` (see guessFailureWindow). */
    private readonly failures: WindowCounter,
    private readonly now: () => number,
  ) {}

  /** Resolves when this attempt may be evaluated; throws 429 when the tenant's queue is too long. */
  async admit(bucket: string): Promise<void> {
    if ((await this.failures.blockedFor(bucket)) === 0) return;
    const now = this.now();
    const slot = Math.max(now, this.nextSlot.get(bucket) ?? 0);
    const wait = slot - now;
    if (wait > this.options.maxWaitSeconds * 1000) {
      throw tooMany(Math.ceil(wait / 1000), 'too_many_attempts', 'Many people are joining right now. Please wait a moment and try again.');
    }
    this.nextSlot.set(bucket, slot + this.options.spacingMs);
    if (wait > 0) await sleep(wait);
  }

  fail(bucket: string): Promise<void> {
    return this.failures.add(bucket);
  }
}

/** The limit and window of the counter a GuessBudget needs. */
export function guessFailureWindow(options: Config['codeGuessBudget']): { limit: number; windowMs: number } {
  return { limit: options.failuresPerWindow, windowMs: options.windowMinutes * 60_000 };
}
