import type { CreateOptions } from 'livekit-server-sdk';
import type { Config } from './config.js';
import type { WebhookEmitter } from './outbox/emit.js';
import type { ConsultationBus } from './shared-state.js';
import type { Store } from './store/store.js';
import type { TokenRevocations } from './tokens/revocations.js';
import type { GrantService, PractitionerTokens } from './tokens/tokens.service.js';
import type { UploadService } from './uploads/index.js';

/** The part of livekit-server-sdk's RoomServiceClient we use; tests may pass a fake. */
export interface RoomService {
  createRoom(options: CreateOptions): Promise<unknown>;
  deleteRoom(room: string): Promise<void>;
  removeParticipant(room: string, identity: string): Promise<void>;
  listRooms(names?: string[]): Promise<{ name: string }[]>;
  /** Who is in a room now (the sweeper removes whoever no longer may be); fakes may leave it out. */
  listParticipants?(room: string): Promise<{ identity: string }[]>;
}

/** Sends an access code by e-mail or SMS; the address or number is used for this call only and never stored. */
export interface CodeSender {
  sendAccessCode(to: string, message: { code: string; joinUrl: string; expiresAt: string; locale: string }): Promise<void>;
  close?(): void;
}

/**
 * What the services share: configuration, the store, the bus and the outside services they call. Live
 * state (open streams, their caps, counters) belongs to the module that owns it, not here.
 */
export interface AppContext {
  config: Config;
  store: Store;
  /** Streams re-read the store on each notification, so the store stays the one source of truth. */
  bus: ConsultationBus;
  rooms: RoomService;
  grants: GrantService;
  practitionerTokens: PractitionerTokens;
  /** Revoked practitioner tokens, checked by every practitioner call. */
  revocations: TokenRevocations;
  mailer: CodeSender | undefined;
  sms: CodeSender | undefined;
  uploads: UploadService | undefined;
  /** Outgoing webhooks to integrators: emit on a store transaction's `tx` (see server/outbox/emit.ts). */
  webhooks: WebhookEmitter;
  now: () => number;
  log: (line: string) => void;
}
