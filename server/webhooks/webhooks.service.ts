import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import type { ConsultationService } from '../consultations/consultations.service.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { LobbyService } from '../lobby/lobby.service.js';

export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

/** Verifies and applies the SFU's webhooks. Each event id is applied at most once. */
export class WebhookService {
  private readonly receiver: WebhookReceiver;

  constructor(
    private readonly ctx: AppContext,
    private readonly consultations: ConsultationService,
    private readonly lobby: LobbyService,
  ) {
    this.receiver = new WebhookReceiver(ctx.config.livekit.apiKey, ctx.config.livekit.apiSecret);
  }

  async receive(rawBody: string, authorization: string | undefined): Promise<WebhookOutcome> {
    let event: WebhookEvent;
    try {
      event = await this.receiver.receive(rawBody, authorization);
    } catch {
      throw new ApiError(401, 'invalid_signature', 'The webhook signature is missing or does not match the body.');
    }
    if (!event.id) throw new ApiError(400, 'invalid_request', 'body.id: the webhook event has no id');
    if (!(await this.ctx.store.recordWebhookEvent(event.id, this.ctx.now()))) return 'duplicate';
    return this.apply(event);
  }

  private async apply(event: WebhookEvent): Promise<WebhookOutcome> {
    const roomName = event.room?.name ?? '';
    const consultation = roomName.startsWith('vc-') ? await this.ctx.store.getConsultation(roomName.slice(3)) : undefined;
    if (!consultation || consultation.roomName !== roomName) return 'ignored';

    switch (event.event) {
      case 'room_finished':
        // A room nobody ever joined closes on its empty timeout; it is re-created before the next grant.
        if (consultation.status !== 'active') return 'ignored';
        await this.consultations.end(consultation, 'sfu');
        return 'applied';
      case 'participant_joined': {
        const identity = event.participant?.identity;
        if (!identity) return 'ignored';
        if (consultation.status === 'ended' || !(await this.ctx.store.isIdentityAllowed(consultation.id, identity))) {
          await this.ctx.store.insertAudit({
            tenantId: consultation.tenantId,
            at: this.ctx.now(),
            actor: 'system',
            action: 'participant.remove_unknown',
            consultationId: consultation.id,
          });
          await this.lobby.removeFromRoom(consultation.roomName, identity);
          return 'applied';
        }
        const at = this.ctx.now();
        await this.ctx.store.transaction(async (tx) => {
          if (!(await tx.recordParticipantJoined(consultation.id, identity, at))) return;
          await this.ctx.webhooks.emit(tx, consultation.tenantId, 'consultation.started', {
            consultationId: consultation.id,
            startedAt: new Date(at).toISOString(),
          });
        });
        return 'applied';
      }
      default:
        return 'ignored';
    }
  }
}
