/**
 * The practitioner desk slice: the waiting-room queue stream (it also carries the end and key rotations),
 * starting the practitioner's call, and the desk's actions (admit, admit all, decline, message, end for everyone).
 */
import type { CallConnection } from './call-connection.js';
import { resolvePractitionerGrant } from './grant.js';
import { ApiRequestError, describe, joinUrl, postJson } from './http.js';
import { LobbyStream } from './lobby-client.js';
import { parseNotice, parsePatients } from './lobby-events.js';
import { practitionerTokenExpiry, refreshDelay, TOKEN_EXPIRED } from './practitioner-token.js';
import type { SessionCore } from './session-core.js';
import { PracticeWatch } from './practice-watch.js';
import { isTerminal } from './state-machine.js';
import { saveTicket } from './ticket-storage.js';
import type { Admission, PractitionerStart } from './types.js';

/** A refresh that failed for want of a network is tried again this much later (while the token lasts). */
const REFRESH_RETRY_MS = 15_000;

export class PractitionerDesk {
  private stream?: LobbyStream;
  private readonly practice: PracticeWatch;
  /** The refreshed token, for as long as the host keeps configuring the token it replaced. */
  private refreshed?: { from: string; token: string };
  private refreshTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly core: SessionCore,
    private readonly call: CallConnection,
  ) {
    this.practice = new PracticeWatch(core, () => this.token());
  }

  async start(options: PractitionerStart = {}): Promise<void> {
    const { core } = this;
    if (core.store.snapshot.role !== 'practitioner') return core.fail('wrong_role', 'This session is not a practitioner session.');
    if (!['idle', 'checking-devices'].includes(core.store.snapshot.state)) return;
    this.call.tracks = options.tracks ?? [];
    this.call.chooseEffects(options.effects);
    if (options.deviceCheck) core.store.update({ deviceCheck: options.deviceCheck });
    this.watchQueue();
    core.transition('connecting');
    let admission: Admission;
    try {
      admission = await this.freshGrant();
    } catch (error) {
      const { code, message } = describe(error);
      return core.fail(code, message);
    }
    await this.call.connect(admission);
    this.remember();
  }

  /** The token to send: the latest refresh of the configured one (a token the host configures anew wins). */
  private token(): string | undefined {
    const configured = this.core.config.practitionerToken;
    return this.refreshed && this.refreshed.from === configured ? this.refreshed.token : configured;
  }

  private remember(): void {
    const { serverUrl, resumeOnReload } = this.core.config;
    const practitionerToken = this.token();
    if (resumeOnReload !== true || !serverUrl || !practitionerToken) return;
    if (this.core.store.snapshot.state !== 'in-call') return;
    saveTicket(serverUrl, { ticket: practitionerToken }, 'practitioner');
  }

  freshGrant(): Promise<Admission> {
    return resolvePractitionerGrant({ ...this.core.config, practitionerToken: this.token() }, this.core.fetch);
  }

  /** Refreshes the token (POST /v1/practitioner/token) shortly before it expires; a revoked token fails the session. */
  private scheduleRefresh(token: string): void {
    clearTimeout(this.refreshTimer);
    const expiresAt = practitionerTokenExpiry(token);
    if (expiresAt === undefined) return;
    this.refreshTimer = setTimeout(() => void this.refresh(expiresAt), refreshDelay(expiresAt, Date.now()));
  }

  private async refresh(expiresAt: number): Promise<void> {
    const { core } = this;
    const { serverUrl, practitionerToken: configured } = core.config;
    const token = this.token();
    if (!serverUrl || !configured || !token || isTerminal(core.store.snapshot.state)) return;
    try {
      const next = await postJson<{ token: string }>(core.fetch, joinUrl(serverUrl, '/v1/practitioner/token'), { token, body: {} });
      if (core.config.practitionerToken !== configured || isTerminal(core.store.snapshot.state)) return;
      this.refreshed = { from: configured, token: next.token };
      this.remember();
      // The stream authenticated with the old token: reopen it with the new one (this also schedules the next refresh).
      this.stream?.close();
      this.stream = undefined;
      this.practice.close();
      this.watchQueue();
    } catch (error) {
      const { code, message } = describe(error);
      if (code === 'token_revoked') return core.fail(code, message);
      if (error instanceof ApiRequestError && error.status === 0 && Date.now() + REFRESH_RETRY_MS < expiresAt) {
        this.refreshTimer = setTimeout(() => void this.refresh(expiresAt), REFRESH_RETRY_MS);
        return;
      }
      // Refreshable no longer (or refused otherwise): the token works until it expires; say why it will stop.
      core.store.update({ error: { code, message } });
    }
  }

  /** Follows the waiting-room queue (idempotent). */
  watchQueue(): void {
    const { core } = this;
    if (core.store.snapshot.role !== 'practitioner' || isTerminal(core.store.snapshot.state)) return;
    const { serverUrl } = core.config;
    const practitionerToken = this.token();
    if (!serverUrl || !practitionerToken || this.stream) return;
    this.practice.watch();
    this.stream = new LobbyStream({
      url: joinUrl(serverUrl, '/v1/practitioner/events'),
      token: practitionerToken,
      eventTypes: ['queue', 'ended', 'key', 'revoked', 'expired'],
      onEvent: (type, data) => {
        if (type === 'ended') return core.finish('ended');
        if (type === 'revoked') return core.fail('token_revoked', 'This practitioner token was revoked.');
        if (type === 'expired') return void (this.stream?.close(), core.store.update({ error: { ...TOKEN_EXPIRED } }));
        if (type === 'key') return this.call.rotateKey(data);
        const patients = parsePatients(data);
        if (patients) core.store.update({ waitingPatients: patients, notice: parseNotice(data.notice) });
      },
      onFatal: (_status, code, message) =>
        code === 'token_revoked' ? core.fail(code, message) : core.store.update({ error: { code, message } }),
      ...(core.config.fetch ? { fetch: core.config.fetch } : {}),
      ...(core.config.lobbyBackoff ? { backoff: core.config.lobbyBackoff } : {}),
    });
    this.stream.open();
    this.scheduleRefresh(practitionerToken);
  }

  admit(ticketId: string): Promise<void> {
    return this.act('/v1/practitioner/admit', { ticketId });
  }
  admitAll(): Promise<void> {
    return this.act('/v1/practitioner/admit-all', undefined);
  }
  decline(ticketId: string, reason?: string): Promise<void> {
    return this.act('/v1/practitioner/decline', reason ? { ticketId, reason } : { ticketId });
  }
  sendMessage(ticketId: string, text: string): Promise<void> {
    return this.act('/v1/practitioner/message', { ticketId, text: text.slice(0, 280) });
  }
  transfer(ticketId: string, toConsultationId: string): Promise<void> {
    return this.practice.transfer(ticketId, toConsultationId);
  }
  setNotice(text: string | null): Promise<void> {
    return this.act('/v1/practitioner/notice', { text: text === null ? null : text.slice(0, 280) });
  }
  async endForEveryone(): Promise<void> {
    await this.act('/v1/practitioner/end', undefined);
    this.core.finish('ended');
  }

  private async act(path: string, body: unknown): Promise<void> {
    const { core } = this;
    const { serverUrl } = core.config;
    const practitionerToken = this.token();
    if (!serverUrl || !practitionerToken) {
      core.store.update({ error: { code: 'missing_practitioner_token', message: 'No practitioner token is configured.' } });
      return;
    }
    try {
      await postJson(core.fetch, joinUrl(serverUrl, path), { token: practitionerToken, body });
    } catch (error) {
      core.store.update({ error: describe(error) });
    }
  }

  close(): void {
    this.practice.close();
    clearTimeout(this.refreshTimer);
    this.stream?.close();
    this.stream = undefined;
  }
}
