import { z } from 'zod';

/**
 * Free text a person types: at most `max` characters as sent, at least one that is not white space, trimmed.
 * The checks run before the trim so that the published JSON Schema (`maxLength`, `pattern: \S`) says exactly
 * what is accepted; a `.trim().min(1)` would publish `minLength: 1` and then refuse `" "`.
 */
export function text(max: number) {
  return z.string().max(max).regex(/\S/, 'must not be blank').trim();
}
