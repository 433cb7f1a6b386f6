/**
 * What a reload needs to return to the same place (`ConsultationSession.resume()`), in sessionStorage: this tab
 * only, gone when it closes or the consultation ends. The patient's waiting-room ticket; a practitioner's token,
 * only when the host allows it (`resumeOnReload: true`). Storage may be disabled: then nothing is kept and a
 * reload starts over.
 */
import type { ConsultationInfo } from './types.js';

export interface SavedTicket {
  ticket: string;
  consultation?: ConsultationInfo;
}

/** `ticket` is the patient's lobby ticket; `practitioner` the practitioner's token (in `SavedTicket.ticket`). */
export type SavedKind = 'ticket' | 'practitioner';

const storageKey = (serverUrl: string, kind: SavedKind): string => `videoconsult.${kind}:${serverUrl}`;
/** Lobby tickets are short; practitioner tokens are signed payloads (a few hundred characters). */
const MAX_LENGTH: Record<SavedKind, number> = { ticket: 200, practitioner: 4096 };

export function readTicket(serverUrl: string, kind: SavedKind = 'ticket'): SavedTicket | undefined {
  try {
    const raw = sessionStorage.getItem(storageKey(serverUrl, kind));
    const saved = raw ? (JSON.parse(raw) as Partial<SavedTicket>) : undefined;
    return saved && typeof saved.ticket === 'string' && saved.ticket.length <= MAX_LENGTH[kind] ? (saved as SavedTicket) : undefined;
  } catch {
    return undefined;
  }
}

export function saveTicket(serverUrl: string, saved: SavedTicket, kind: SavedKind = 'ticket'): void {
  try {
    sessionStorage.setItem(storageKey(serverUrl, kind), JSON.stringify(saved));
  } catch {
    /* storage disabled: a reload then starts over */
  }
}

export function forgetTicket(serverUrl: string, kind: SavedKind = 'ticket'): void {
  try {
    sessionStorage.removeItem(storageKey(serverUrl, kind));
  } catch {
    /* nothing stored */
  }
}
