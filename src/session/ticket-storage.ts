/**
 * The patient's waiting-room ticket in sessionStorage: this tab only, gone when it closes or the consultation
 * ends, so a reload returns to the same place (`ConsultationSession.resume()`). Storage may be disabled: then
 * nothing is kept and a reload starts over.
 */
import type { ConsultationInfo } from './types.js';

export interface SavedTicket {
  ticket: string;
  consultation?: ConsultationInfo;
}

const storageKey = (serverUrl: string): string => `videoconsult.ticket:${serverUrl}`;

export function readTicket(serverUrl: string): SavedTicket | undefined {
  try {
    const raw = sessionStorage.getItem(storageKey(serverUrl));
    const saved = raw ? (JSON.parse(raw) as Partial<SavedTicket>) : undefined;
    return saved && typeof saved.ticket === 'string' && saved.ticket.length <= 200 ? (saved as SavedTicket) : undefined;
  } catch {
    return undefined;
  }
}

export function saveTicket(serverUrl: string, saved: SavedTicket): void {
  try {
    sessionStorage.setItem(storageKey(serverUrl), JSON.stringify(saved));
  } catch {
    /* storage disabled: a reload then starts over */
  }
}

export function forgetTicket(serverUrl: string): void {
  try {
    sessionStorage.removeItem(storageKey(serverUrl));
  } catch {
    /* nothing stored */
  }
}
