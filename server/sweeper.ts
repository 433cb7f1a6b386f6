import type { ConsultationService } from './consultations/consultations.service.js';
import type { AppContext } from './context.js';
import type { LobbyService } from './lobby/lobby.service.js';
import type { RetentionResult } from './store/store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface SweepResult {
  ended: number;
  /** Waiting patients whose page closed and did not come back within the grace period (their timer was lost). */
  departed: number;
  retention: RetentionResult;
}

/**
 * Finishes what lost webhooks left behind and enforces retention:
 * - an active consultation whose SFU room is gone is ended (the room_finished webhook never arrived);
 * - any consultation older than staleAfterHours (from its start, or scheduled time) is ended;
 * - a participant whose identity was revoked (declined, left) but who is in the room again is removed: livekit-server
 *   hands every connected client a token valid for 10 minutes (roommanager.go refreshToken, not configurable), so a
 *   removed client can rejoin with it whatever our grant's TTL; the participant_joined webhook removes it at once,
 *   and should that webhook be lost, this sweep does;
 * - a waiting patient whose page closed and did not come back leaves, should the instance that heard it have
 *   restarted meanwhile (its timer is gone);
 * - rows older than retentionDays are deleted.
 */
export async function sweep(ctx: AppContext, consultations: ConsultationService, lobby?: LobbyService): Promise<SweepResult> {
  const now = ctx.now();
  let departed = 0;
  try {
    departed = (await lobby?.departures.completeDue()) ?? 0;
  } catch (err) {
    // The rest of the sweep does not depend on it: the next round tries again.
    ctx.log(`sweeper could not complete departures: ${(err as Error).message}`);
  }
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
    } else if (liveRooms?.has(c.roomName)) {
      // Not only 'active': a consultation becomes active through that same webhook, which may be the one lost.
      await removeRevoked(ctx, c.id, c.roomName);
    }
  }
  const retention = await ctx.store.deleteOlderThan(now - ctx.config.retentionDays * DAY_MS);
  if (ctx.uploads) await ctx.uploads.sweep((await ctx.store.listOpenConsultations()).map((c) => c.roomName));
  return { ended, departed, retention };
}

async function removeRevoked(ctx: AppContext, consultationId: string, roomName: string): Promise<void> {
  let participants: { identity: string }[];
  try {
    participants = (await ctx.rooms.listParticipants?.(roomName)) ?? [];
  } catch (err) {
    ctx.log(`sweeper could not list the participants of a room: ${(err as Error).message}`);
    return;
  }
  for (const { identity } of participants) {
    if (await ctx.store.isIdentityAllowed(consultationId, identity)) continue;
    await ctx.rooms.removeParticipant(roomName, identity).catch(() => undefined);
  }
}
