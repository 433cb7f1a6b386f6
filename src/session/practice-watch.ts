/**
 * The practice-wide waiting room, for a practitioner whose token is a practice token: the shared live queue of
 * every consultation of the practice (who waits for which, who took whom) and transfers between them.
 */
import { describe, joinUrl, postJson } from './http.js';
import { LobbyStream } from './lobby-client.js';
import { parsePracticeQueue } from './lobby-events.js';
import { TOKEN_EXPIRED } from './practitioner-token.js';
import type { SessionCore } from './session-core.js';

/**
 * The practice a practitioner token is scoped to and the practitioner's own consultation, read from its payload
 * (`vcp.<base64url JSON>.<signature>`, claims `pr` and `c`). Only decides whether to open the practice stream and
 * which entries are the practitioner's own: the server checks the signature and the claims on every call.
 */
export function practiceOfToken(token: string): { practiceId: string; consultationId?: string } | undefined {
  const payload = token.split('.')[1];
  if (!token.startsWith('vcp.') || !payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { pr?: unknown; c?: unknown };
    if (typeof claims.pr !== 'string' || !claims.pr) return undefined;
    return { practiceId: claims.pr, ...(typeof claims.c === 'string' ? { consultationId: claims.c } : {}) };
  } catch {
    return undefined;
  }
}

export class PracticeWatch {
  private stream?: LobbyStream;

  constructor(
    private readonly core: SessionCore,
    /** The token to send (the desk's latest refresh of the configured one). */
    private readonly token: () => string | undefined = () => core.config.practitionerToken,
  ) {}

  /** Opens the practice stream when the token is a practice token (idempotent). */
  watch(): void {
    const { core } = this;
    const { serverUrl } = core.config;
    const practitionerToken = this.token();
    const scope = practitionerToken ? practiceOfToken(practitionerToken) : undefined;
    if (this.stream || !serverUrl || !practitionerToken || !scope) return;
    this.stream = new LobbyStream({
      url: joinUrl(serverUrl, '/v1/practice/events'),
      token: practitionerToken,
      eventTypes: ['queue', 'revoked', 'expired'],
      onEvent: (type, data) => {
        if (type === 'revoked') return core.fail('token_revoked', 'This practitioner token was revoked.');
        if (type === 'expired') return void (this.stream?.close(), core.store.update({ error: { ...TOKEN_EXPIRED } }));
        const practiceQueue = parsePracticeQueue(data);
        if (practiceQueue) core.store.update({ practiceQueue: { ...practiceQueue, ownConsultationId: scope.consultationId } });
      },
      onFatal: (_status, code, message) =>
        code === 'token_revoked' ? core.fail(code, message) : core.store.update({ error: { code, message } }),
      ...(core.config.fetch ? { fetch: core.config.fetch } : {}),
      ...(core.config.lobbyBackoff ? { backoff: core.config.lobbyBackoff } : {}),
    });
    this.stream.open();
  }

  async transfer(ticketId: string, toConsultationId: string): Promise<void> {
    const { core } = this;
    const { serverUrl } = core.config;
    const practitionerToken = this.token();
    if (!serverUrl || !practitionerToken || !practiceOfToken(practitionerToken)) {
      core.store.update({ error: { code: 'not_practice_token', message: 'Transfers need a practice token.' } });
      return;
    }
    try {
      await postJson(core.fetch, joinUrl(serverUrl, '/v1/practice/transfer'), {
        token: practitionerToken,
        body: { ticketId, toConsultationId },
      });
    } catch (error) {
      core.store.update({ error: describe(error) });
    }
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }
}
