/** Validation of lobby-stream payloads: a malformed event is dropped with a reason, never trusted. */
import type { Admission, DeviceCheckResult, LobbyMessage, PracticePatient, PracticeQueue, QueueInfo, WaitingPatient } from './types.js';

type Json = Record<string, unknown>;

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function reject(type: string, reason: string): undefined {
  console.warn(`[videoconsult] ignoring lobby event "${type}": ${reason}`);
  return undefined;
}

export function parseQueue(data: Json): QueueInfo | undefined {
  const { position, estimatedWaitSeconds } = data;
  if (typeof position !== 'number' || !Number.isInteger(position) || position < 1) {
    return reject('queue', 'position must be a positive integer');
  }
  if (estimatedWaitSeconds !== undefined && (typeof estimatedWaitSeconds !== 'number' || estimatedWaitSeconds < 0)) {
    return reject('queue', 'estimatedWaitSeconds must be a non-negative number');
  }
  return estimatedWaitSeconds === undefined ? { position } : { position, estimatedWaitSeconds };
}

export function parseMessage(data: Json): LobbyMessage | undefined {
  if (!isString(data.text)) return reject('message', 'text must be a non-empty string');
  return { text: data.text, at: isString(data.at) ? data.at : new Date().toISOString() };
}

/** The note for everyone waiting: `{ text, at }`, or absent / `{ text: null }` when there is none. */
export function parseNotice(data: unknown): LobbyMessage | undefined {
  if (!data || typeof data !== 'object' || (data as Json).text === null) return undefined;
  return parseMessage(data as Json);
}

export function parseAdmission(data: Json, type = 'admitted'): Admission | undefined {
  if (!isString(data.livekitUrl) || !/^(wss?|https?):\/\//.test(data.livekitUrl)) {
    return reject(type, 'livekitUrl must be a ws(s) or http(s) URL');
  }
  if (!isString(data.token)) return reject(type, 'token must be a non-empty string');
  const admission: Admission = { livekitUrl: data.livekitUrl, token: data.token };
  if (isString(data.identity)) admission.identity = data.identity;
  if (isString(data.expiresAt)) admission.expiresAt = data.expiresAt;
  if (isString(data.e2eeKey)) admission.e2eeKey = data.e2eeKey;
  if (isString(data.consultationId)) admission.consultationId = data.consultationId;
  return admission;
}

const DEVICE = ['ok', 'denied', 'missing', 'busy', 'skipped'];

export function parseDeviceCheck(value: unknown): DeviceCheckResult | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Json;
  if (!['ok', 'warning', 'failed'].includes(v.verdict as string)) return undefined;
  if (!DEVICE.includes(v.camera as string) || !DEVICE.includes(v.microphone as string)) return undefined;
  if (!['ok', 'blocked', 'unknown'].includes(v.network as string)) return undefined;
  return v as unknown as DeviceCheckResult;
}

export function parsePatients(data: Json): WaitingPatient[] | undefined {
  if (!Array.isArray(data.patients)) return reject('queue', 'patients must be an array');
  const patients: WaitingPatient[] = [];
  for (const entry of data.patients as unknown[]) {
    const p = entry as Json;
    if (typeof p !== 'object' || p === null || !isString(p.ticketId) || typeof p.name !== 'string' || !isString(p.waitingSince)) {
      reject('queue', 'a patient entry lacks ticketId, name or waitingSince');
      continue;
    }
    const patient: WaitingPatient = { ticketId: p.ticketId, name: p.name, waitingSince: p.waitingSince };
    if (isString(p.alias)) patient.alias = p.alias;
    if (isString(p.role)) patient.role = p.role;
    const deviceCheck = parseDeviceCheck(p.deviceCheck);
    if (deviceCheck) patient.deviceCheck = deviceCheck;
    patients.push(patient);
  }
  return patients;
}

/** The practice stream's `queue`: entries without a known consultation or status are dropped. */
export function parsePracticeQueue(data: Json): PracticeQueue | undefined {
  if (!isString(data.practiceId) || !Array.isArray(data.consultations)) return reject('queue', 'practiceId and consultations are required');
  const consultations = (data.consultations as Json[])
    .filter((c) => typeof c === 'object' && c !== null && isString(c.id))
    .map((c) => ({
      id: c.id as string,
      ...(isString(c.title) ? { title: c.title } : {}),
      status: c.status === 'active' ? ('active' as const) : ('scheduled' as const),
    }));
  const base = parsePatients(data) ?? [];
  const raw = new Map((data.patients as Json[]).map((p) => [p.ticketId, p]));
  const known = new Set(consultations.map((c) => c.id));
  const patients = base.flatMap((patient): PracticePatient[] => {
    const p = raw.get(patient.ticketId) ?? {};
    if (!isString(p.consultationId) || !known.has(p.consultationId) || (p.status !== 'waiting' && p.status !== 'admitted')) {
      reject('queue', 'a practice entry lacks a known consultationId or status');
      return [];
    }
    const status: PracticePatient['status'] = p.status;
    return [{ ...patient, consultationId: p.consultationId, status, ...(isString(p.takenBy) ? { takenBy: p.takenBy } : {}) }];
  });
  return { practiceId: data.practiceId, consultations, patients };
}
