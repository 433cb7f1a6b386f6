/**
 * What the store-level tests write (tenant `t`, consultation `c1` unless told otherwise) and the hooks that close
 * the stores a test opened: one preamble for store.test.ts and group-commit.test.ts.
 */
import { after, afterEach } from 'node:test';
import type { AccessCodeRow, ConsultationRow, NewLobbyEntry } from '../../server/store/store.js';
import type { OpenStore, StoreBackend } from './store-backends.js';

export const audit = { tenantId: 't', at: 1, actor: 'integrator' as const, action: 'x', consultationId: null };

export function consultationRow(id = 'c1'): ConsultationRow {
  return {
    id,
    tenantId: 't',
    roomName: `vc-${id}`,
    title: null,
    status: 'scheduled',
    scheduledAt: null,
    createdAt: 1,
    startedAt: null,
    endedAt: null,
    maxParticipants: 4,
    patientScreenShare: false,
    e2ee: true,
    locale: 'en',
    e2eeKey: 'k',
    practiceId: null,
  };
}

/** An unused patient code, valid for a minute. */
export const accessCodeRow = (codeHash: string, consultationId = 'c1', expiresAt = Date.now() + 60_000): AccessCodeRow => ({
  codeHash,
  consultationId,
  tenantId: 't',
  alias: null,
  role: 'patient',
  createdAt: 1,
  expiresAt,
  usedAt: null,
});

export const lobbyEntry = (id: string, ticketHash = `th-${id}`, waitingSince = 1): NewLobbyEntry => ({
  id,
  ticketHash,
  name: 'n',
  status: 'waiting',
  waitingSince,
  deviceCheck: null,
  identity: null,
  declineReason: null,
  osFamily: 'other',
});

/**
 * Registers the suite's hooks (inside its `describe`): the stores a test opened are closed after it, the
 * backend is stopped after the suite. Returns `open()`, a fresh store of the backend.
 */
export function storesOf(backend: StoreBackend): () => Promise<OpenStore> {
  const opened: OpenStore[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  after(() => backend.stop());
  return async () => {
    const s = await backend.open();
    opened.push(s);
    return s;
  };
}
