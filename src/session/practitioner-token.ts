/**
 * The practitioner token's expiry, read from its payload (`vcp.<base64url JSON>.<signature>`, field `e` in epoch
 * seconds). The server checks the signature; the SDK only needs the time to refresh before it. Undefined for a
 * token of another shape (the host's own scheme): then nothing is refreshed.
 */
export function practitionerTokenExpiry(token: string): number | undefined {
  const [prefix, payload] = token.split('.');
  if (prefix !== 'vcp' || !payload) return undefined;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { e?: unknown };
    return typeof claims.e === 'number' ? claims.e * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Refresh two minutes before expiry, or halfway through a shorter remainder. */
export function refreshDelay(expiresAt: number, now: number): number {
  const remaining = expiresAt - now;
  return Math.max(0, remaining - Math.min(120_000, remaining / 2));
}

/**
 * A practitioner stream's `expired`: the token it was opened with is over (the desk reopens its streams with every
 * refresh, so this one could not be refreshed). Reconnecting with it could only be refused: the stream stays closed.
 */
export const TOKEN_EXPIRED = {
  code: 'token_expired',
  message: 'This practitioner token has expired. Ask the practice software for a new one.',
} as const;
