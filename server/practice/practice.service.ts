import type { z } from 'zod';
import type { TenantConfig } from '../config.js';
import type { ConsultationService } from '../consultations/consultations.service.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { LobbyService } from '../lobby/lobby.service.js';
import type { deviceCheck } from '../lobby/lobby.schema.js';
import type { AuditRow, ConsultationRow } from '../store/store.js';
import type { PractitionerClaims } from '../tokens/tokens.service.js';
import type { createPracticeTokenBody, PracticePatient, PracticeQueue } from './practice.schema.js';

/** Which practices a tenant has (the admin API's store); undefined where the store keeps none. */
export type PracticeLookup = (tenantId: string) => Promise<{ id: string }[]>;

/**
 * An admitted patient removed from the old room only after this delay: their page hears of the transfer on
 * its lobby stream and hangs up by itself first; a removal arriving earlier would read as "you were removed".
 * Their grant is revoked and the room key rotated at once, so the delay gives them nothing new to see.
 */
export const TRANSFER_REMOVAL_DELAY_MS = 10_000;

/** Practices (inside a tenant) group consultations into one waiting room, watched by several practitioners. */
export class PracticeService {
  private lookup: PracticeLookup | undefined;
  /** Pending removals from old rooms, by timer. */
  private readonly removals = new Map<NodeJS.Timeout, () => void>();

  constructor(
    private readonly ctx: AppContext,
    private readonly lobby: LobbyService,
    private readonly consultations: ConsultationService,
  ) {}

  /** The admin API's practices, once the store that keeps them is open. */
  usePractices(lookup: PracticeLookup | undefined): void {
    this.lookup = lookup;
  }

  async requirePractice(tenant: TenantConfig, practiceId: string): Promise<void> {
    const practices = this.lookup ? await this.lookup(tenant.id) : [];
    if (!practices.some((p) => p.id === practiceId)) {
      throw new ApiError(404, 'practice_not_found', 'There is no such practice for this tenant.');
    }
  }

  async issueToken(
    tenant: TenantConfig,
    practiceId: string,
    input: z.output<typeof createPracticeTokenBody>,
  ): Promise<{ token: string; expiresAt: string }> {
    await this.requirePractice(tenant, practiceId);
    const { consultationId, ...options } = input;
    const consultation = await this.consultations.get(tenant, consultationId);
    if (consultation.practiceId !== practiceId) {
      throw new ApiError(409, 'not_in_practice', 'This consultation does not belong to this practice.');
    }
    return this.consultations.issuePractitionerToken(tenant, consultation, options, practiceId);
  }

  /** The practice a token is scoped to; a token for one consultation only is refused. */
  practiceOf(claims: PractitionerClaims): string {
    if (!claims.pr) {
      throw new ApiError(403, 'not_practice_token', 'This practitioner token is for one consultation only, not for a practice.');
    }
    return claims.pr;
  }

  async queue(practiceId: string): Promise<PracticeQueue> {
    const [consultations, entries] = await Promise.all([
      this.ctx.store.listPracticeConsultations(practiceId),
      this.ctx.store.listPracticeEntries(practiceId),
    ]);
    return {
      practiceId,
      consultations: consultations.map((c) => ({
        id: c.id,
        ...(c.title ? { title: c.title } : {}),
        status: c.status === 'active' ? 'active' : 'scheduled',
      })),
      patients: entries.map((e) => {
        const p: PracticePatient = {
          ticketId: e.id,
          name: e.name,
          consultationId: e.consultationId,
          status: e.status === 'admitted' ? 'admitted' : 'waiting',
          waitingSince: new Date(e.waitingSince).toISOString(),
        };
        if (e.alias) p.alias = e.alias;
        if (e.deviceCheck) p.deviceCheck = JSON.parse(e.deviceCheck) as z.output<typeof deviceCheck>;
        if (e.status === 'admitted' && e.admittedBy) p.takenBy = e.admittedBy;
        return p;
      }),
    };
  }

  /**
   * Moves a waiting or admitted patient to another open consultation of the same practice. They wait there
   * again with their original arrival time (so their place among the waiting follows the same rule as
   * everyone's), keep their ticket and device check, and need no new code.
   */
  async transfer(claims: PractitionerClaims, ticketId: string, toConsultationId: string): Promise<void> {
    const practiceId = this.practiceOf(claims);
    const entry = await this.ctx.store.getLobbyEntry(ticketId);
    const from = entry && (await this.ctx.store.getConsultation(entry.consultationId));
    if (!entry || !from || from.tenantId !== claims.t || from.practiceId !== practiceId) {
      throw new ApiError(404, 'patient_not_found', 'This patient is not in the waiting room of this practice.');
    }
    if (entry.status !== 'waiting' && entry.status !== 'admitted') {
      throw new ApiError(409, 'not_waiting', 'This patient is no longer waiting or in a call.');
    }
    const to = await this.ctx.store.getConsultation(toConsultationId);
    if (!to || to.tenantId !== claims.t) throw new ApiError(404, 'consultation_not_found', 'There is no such consultation.');
    if (to.practiceId !== practiceId) {
      throw new ApiError(409, 'not_same_practice', 'Patients can only be transferred to a consultation of the same practice.');
    }
    if (to.id === from.id) throw new ApiError(409, 'same_consultation', 'The patient is already in this consultation.');
    if (to.status === 'ended') throw new ApiError(409, 'target_ended', 'The consultation to transfer to has ended.');
    const moved = await this.ctx.store.transaction(async (tx) => {
      const before = await tx.transferLobbyEntry({
        entryId: entry.id,
        fromConsultationId: from.id,
        toConsultationId: to.id,
        audits: [this.audit(from, 'patient.transfer_out'), this.audit(to, 'patient.transfer_in')],
      });
      if (before) {
        await this.ctx.webhooks.emit(tx, from.tenantId, 'patient.transferred', {
          ticketId: entry.id,
          fromConsultationId: from.id,
          toConsultationId: to.id,
          practiceId,
        });
      }
      return before;
    });
    if (!moved) throw new ApiError(409, 'not_waiting', 'This patient is no longer waiting or in a call.');
    this.ctx.bus.publish('changed', from.id);
    this.ctx.bus.publish('changed', to.id);
    if (moved.status === 'admitted') await this.leaveRoom(from, moved.identity);
  }

  /** The transferred patient held the old room's key and grant: both are withdrawn. */
  private async leaveRoom(from: ConsultationRow, identity: string | null): Promise<void> {
    await this.lobby.rotateKey(from);
    if (!identity) return;
    const remove = (): void => {
      this.removals.delete(timer);
      void this.lobby.removeFromRoom(from.roomName, identity);
    };
    const timer = setTimeout(remove, TRANSFER_REMOVAL_DELAY_MS);
    timer.unref();
    this.removals.set(timer, remove);
  }

  private audit(c: ConsultationRow, action: string): AuditRow {
    return { tenantId: c.tenantId, actor: 'practitioner', action, consultationId: c.id, at: this.ctx.now() };
  }

  /** Runs the pending removals now (shutdown). */
  close(): void {
    for (const [timer, remove] of [...this.removals]) {
      clearTimeout(timer);
      remove();
    }
  }
}
