import { EventEmitter } from 'node:events';
import type { CreateOptions } from 'livekit-server-sdk';
import type { Config } from './config.js';
import type { StreamSlots } from './security.js';
import type { Store } from './store/store.js';
import type { GrantService, PractitionerTokens } from './tokens/tokens.service.js';
import type { UploadService } from './uploads/index.js';

/** The part of livekit-server-sdk's RoomServiceClient we use; tests may pass a fake. */
export interface RoomService {
  createRoom(options: CreateOptions): Promise<unknown>;
  deleteRoom(room: string): Promise<void>;
  removeParticipant(room: string, identity: string): Promise<void>;
  listRooms(names?: string[]): Promise<{ name: string }[]>;
}

/** Sends an access code by e-mail or SMS; the address or number is used for this call only and never stored. */
export interface CodeSender {
  sendAccessCode(to: string, message: { code: string; joinUrl: string; expiresAt: string; locale: string }): Promise<void>;
  close?(): void;
}

/**
 * In-process notifications that something changed for a consultation. Streams re-read the store on
 * each, so the store stays the one source of truth (and state survives a restart).
 */
export class ConsultationBus extends EventEmitter<{
  changed: [consultationId: string];
  ended: [consultationId: string];
  /** The consultation's E2EE key was replaced (someone was removed): tell everyone still in the call. */
  key: [consultationId: string];
}> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}

export interface AppContext {
  config: Config;
  store: Store;
  rooms: RoomService;
  grants: GrantService;
  practitionerTokens: PractitionerTokens;
  bus: ConsultationBus;
  mailer: CodeSender | undefined;
  sms: CodeSender | undefined;
  uploads: UploadService | undefined;
  now: () => number;
  log: (line: string) => void;
  /** Closers of the open event streams, so close() can end them. */
  streams: Set<() => void>;
  /** Concurrent stream caps (newest wins): 3 per lobby ticket, 10 per consultation for practitioners. */
  patientSlots: StreamSlots;
  practitionerSlots: StreamSlots;
}
