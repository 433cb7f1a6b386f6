import { z } from 'zod';

/**
 * Characters that change how a name looks without being visible themselves: C0/C1 controls, bidi
 * embeddings/overrides/isolates and marks, zero-width characters, the word joiner and invisible operators,
 * the BOM, soft hyphen, Hangul fillers and the interlinear annotation and tag blocks. Used to pose as someone
 * else ("Dr.\u200BWeber"), to reverse text, or to hide an extension in a file name.
 */
export const INVISIBLE_CHARACTERS =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g;

/** A display name as people will see it: NFC, no invisible characters, single spaces, trimmed. */
export function cleanDisplayName(raw: string): string {
  return raw.normalize('NFC').replace(INVISIBLE_CHARACTERS, '').replace(/\s+/g, ' ').trim();
}

/**
 * At least one character that stays after cleaning: not white space, not invisible, and (so the published pattern
 * means the same in every regex dialect) not half of a surrogate pair — a name of emoji alone is refused.
 */
const VISIBLE =
  /[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\ud800-\udfff]/;

/**
 * A display name field. The length (as sent) and the visible character are checked before cleaning, so the
 * OpenAPI document (`maxLength`, `pattern`) says exactly what is accepted; the cleaned name is what is stored.
 */
export const displayName = (max: number) =>
  z
    .string()
    .max(max)
    .regex(VISIBLE, 'must contain visible characters')
    .transform(cleanDisplayName)
    .pipe(z.string().min(1, 'must contain visible characters'));
