import type { ConsultationService } from './consultations/consultations.service.js';
import type { AppContext } from './context.js';
import type { RetentionResult } from './store/store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface SweepResult {
  ended: number;
  retention: RetentionResult;
}

/**
 * Finishes what lost webhooks left behind and enforces retention:
 * - an active consultation whose SFU room is gone is ended (the room_finished webhook never arrived);
 * - any consultation older than staleAfterHours (from its start, or scheduled time) is ended;
 * - rows older than retentionDays are deleted.
 */
export async function sweep(ctx: AppContext, consultations: ConsultationService): Promise<SweepResult> {
  const now = ctx.now();
  let liveRooms: Set<string> | undefined;
  try {
    liveRooms = new Set((await ctx.rooms.listRooms()).map((r) => r.name));
  } catch (err) {
    // SFU down: only age-based ending this round, never end a call because we could not look.
    ctx.log(`sweeper could not list SFU rooms: ${(err as Error).message}`);
  }
  let ended = 0;
  for (const c of await ctx.store.listOpenConsultations()) {
    const reference = c.startedAt ?? Math.max(c.createdAt, c.scheduledAt ?? 0);
    const stale = now - reference > ctx.config.staleAfterHours * HOUR_MS;
    const orphaned = c.status === 'active' && liveRooms !== undefined && !liveRooms.has(c.roomName);
    if (stale || orphaned) {
      await consultations.end(c, 'system');
      ended++;
    }
  }
  const retention = await ctx.store.deleteOlderThan(now - ctx.config.retentionDays * DAY_MS);
  if (ctx.uploads) await ctx.uploads.sweep((await ctx.store.listOpenConsultations()).map((c) => c.roomName));
  return { ended, retention };
}
