import type { AppContext } from '../context.js';
import type { LobbyEntryRow, LobbyStatusPatch } from '../store/store.js';

/** How long, after a departure's grace period, the patient's open streams have to call it off (across instances). */
export const RETURN_CHECK_MS = 1000;

/** Marks the entry as left (with its patient.left event) only if the patch's conditions still hold; true if it did. */
export type MarkLeft = (entry: LobbyEntryRow, reason: 'left' | 'page_closed', patch: LobbyStatusPatch) => Promise<boolean>;

/**
 * Waiting patients whose page closed or navigated away (the SDK's keepalive request on `pagehide`). A reload sends
 * the same, so the patient is only marked: they leave once `departureGraceSeconds` have passed without their page
 * coming back (`returned`). Patients in a call are left to the call's own handling.
 */
export class Departures {
  /** Departures announced by closing pages, due after the grace period. */
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly ctx: AppContext,
    private readonly markLeft: MarkLeft,
  ) {}

  private get graceMs(): number {
    return this.ctx.config.departureGraceSeconds * 1000;
  }

  async departing(entry: LobbyEntryRow): Promise<void> {
    if (entry.status !== 'waiting') return;
    const at = this.ctx.now();
    if (!(await this.ctx.store.setLobbyDeparture(entry.id, at))) return;
    this.later(this.graceMs, async () => {
      // The closing page's own stream ended long ago (or opened long before the mark: mayCallOff), so a stream still
      // open for this ticket now, on any instance, is the page come back, even if its leave reached the server only
      // after the reloaded page had connected. Such streams call the departure off when they hear this
      // (LobbyStreams.patient); then the rest leaves. The entry may have moved to another consultation meanwhile
      // (a transfer): its stream follows that one.
      const current = await this.ctx.store.getLobbyEntry(entry.id);
      if (current?.status !== 'waiting' || current.departingAt !== at) return;
      this.ctx.bus.publish('changed', current.consultationId);
      this.later(RETURN_CHECK_MS, () => this.complete(entry.id, at));
    });
  }

  /**
   * Whether a patient stream opened at `openedAt` is the page come back for this entry's departure: only one that
   * opened after the closing page could have (a reload's new page connects shortly before the old page's late
   * leave), and only once it has stayed open past half the grace period. A closing page's stream that a proxy keeps
   * half-open is noticed only at the next ping write; it opened long before and must not cancel its own departure.
   */
  mayCallOff(entry: LobbyEntryRow, openedAt: number): boolean {
    if (entry.status !== 'waiting' || entry.departingAt == null) return false;
    return openedAt > entry.departingAt - this.graceMs && this.ctx.now() - entry.departingAt >= this.graceMs / 2;
  }

  /** A departure step after `ms`; dropped on shutdown (`close`). A failing step is logged: the sweeper retries. */
  private later(ms: number, step: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      step().catch((err: unknown) => this.ctx.log(`departure failed: ${(err as Error).message}`));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** The page of a departing patient is back (its stream reconnected): they keep their place. */
  async returned(entry: LobbyEntryRow): Promise<void> {
    if (entry.departingAt != null) await this.ctx.store.setLobbyDeparture(entry.id, null);
  }

  /**
   * Makes due departures take effect: those whose timer was lost to a restart or ran on another instance (the
   * sweeper calls this). Each leaves once, whichever instance gets there first.
   */
  async completeDue(): Promise<number> {
    // Past the grace period and the timer's own check, so a running timer is not raced.
    const due = await this.ctx.store.listLobbyDepartures(this.ctx.now() - this.graceMs - 2 * RETURN_CHECK_MS);
    let left = 0;
    for (const entry of due) if (entry.departingAt != null && (await this.complete(entry.id, entry.departingAt))) left++;
    return left;
  }

  /** Only while the entry still waits with this very mark: a page that came back (or left again since) keeps it. */
  private async complete(entryId: string, at: number): Promise<boolean> {
    const entry = await this.ctx.store.getLobbyEntry(entryId);
    if (!entry || entry.status !== 'waiting' || entry.departingAt !== at) return false;
    return this.markLeft(entry, 'page_closed', { from: ['waiting'], declineReason: null, departingAt: at });
  }

  /** Drops the pending timers (shutdown); the sweeper of the next start completes what is due. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
