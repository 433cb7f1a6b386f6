/**
 * Roles shown next to a name: the practitioner, and the roles an integrator may give an access code. They come
 * from the participant attribute (or queue field) the token server set, never from a name anyone could type.
 * A plain `patient` is not marked.
 */
export const MARKED_ROLES = ['practitioner', 'interpreter', 'relative'] as const;
export type MarkedRole = (typeof MARKED_ROLES)[number];

export function markedRole(role: string | undefined): MarkedRole | undefined {
  return MARKED_ROLES.find((marked) => marked === role);
}
