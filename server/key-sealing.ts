import { hkdfSync } from 'node:crypto';
import { open, seal } from './uploads/sealing.js';

/**
 * Key material at rest is sealed under keys derived from the server secret (HKDF-SHA256, one key per
 * purpose), so a copied database file or upload directory reveals nothing without the secret, which lives
 * in the config or environment, never in the store.
 */
const derived = new Map<string, Buffer>();

export function deriveKey(secret: string, purpose: 'e2ee-key-at-rest' | 'upload-keys-at-rest'): Buffer {
  const id = `${purpose}\0${secret}`;
  let key = derived.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('videoconsult/v1', 'utf8'), purpose, 32));
    derived.set(id, key);
  }
  return key;
}

const E2EE_MAGIC = Buffer.from('VCE1', 'latin1');
const PREFIX = 'sealed:';

/** The stored form of a consultation's E2EE key: AES-256-GCM, bound to the consultation by its id. */
export function sealE2eeKey(secret: string, consultationId: string, keyBase64: string): string {
  const envelope = seal(deriveKey(secret, 'e2ee-key-at-rest'), E2EE_MAGIC, `e2ee:${consultationId}`, Buffer.from(keyBase64, 'base64'));
  return `${PREFIX}${envelope.toString('base64')}`;
}

/** The key to hand to participants, or undefined if there is none (or it does not open: another secret). */
export function openE2eeKey(secret: string, consultation: { id: string; e2ee: boolean; e2eeKey: string | null }): string | undefined {
  if (!consultation.e2ee || !consultation.e2eeKey) return undefined;
  // Written in clear by a version before sealing: still served, so a call running across the upgrade keeps its key.
  if (!consultation.e2eeKey.startsWith(PREFIX)) return consultation.e2eeKey;
  try {
    const envelope = Buffer.from(consultation.e2eeKey.slice(PREFIX.length), 'base64');
    return open(deriveKey(secret, 'e2ee-key-at-rest'), E2EE_MAGIC, `e2ee:${consultation.id}`, envelope).toString('base64');
  } catch {
    return undefined;
  }
}
