/**
 * The patient lobby slice: joining with an access code, waiting (the lobby event stream: queue position,
 * practitioner messages, admission, decline, end, key rotation), the ticket kept for a reload, leaving, and the
 * fresh grant a rejoin asks for. The stream stays open through the call: the server reports the end there too.
 */
import type { CallConnection } from './call-connection.js';
import { describe, joinUrl, postJson } from './http.js';
import { LobbyConnectionTest } from './lobby-connection-test.js';
import { LobbyStream } from './lobby-client.js';
import { parseAdmission, parseMessage, parseNotice, parseQueue } from './lobby-events.js';
import type { SessionCore } from './session-core.js';
import { isTerminal } from './state-machine.js';
import { forgetTicket, readTicket, saveTicket, type SavedTicket } from './ticket-storage.js';
import type { Admission, ConnectionRating, ConsultationInfo, JoinRequest } from './types.js';

const JOINABLE = ['idle', 'checking-devices'];

export class PatientLobby {
  private ticket?: string;
  private stream?: LobbyStream;
  private readonly connectionTest: LobbyConnectionTest;
  private removePageListeners?: () => void;

  constructor(
    private readonly core: SessionCore,
    private readonly call: CallConnection,
  ) {
    this.connectionTest = new LobbyConnectionTest(core);
  }

  async join(request: JoinRequest): Promise<void> {
    const { core } = this;
    const { snapshot } = core.store;
    if (snapshot.role !== 'patient') return core.fail('wrong_role', 'Only a patient joins through the waiting room.');
    if (!JOINABLE.includes(snapshot.state)) return;
    const serverUrl = core.config.serverUrl;
    if (!serverUrl) return core.fail('missing_server_url', 'No server URL is configured for this consultation.');
    this.call.tracks = request.tracks ?? [];
    this.call.chooseEffects(request.effects);
    core.store.update({ error: undefined, ...(request.deviceCheck ? { deviceCheck: request.deviceCheck } : {}) });
    core.transition('joining-lobby');
    let answer: { ticket: string; consultation: ConsultationInfo; livekitUrl?: unknown };
    try {
      answer = await postJson(core.fetch, joinUrl(serverUrl, '/v1/lobby/join'), {
        body: { code: request.code, name: request.name, ...(request.deviceCheck ? { deviceCheck: request.deviceCheck } : {}) },
      });
    } catch (error) {
      if (core.store.snapshot.state !== 'joining-lobby') return;
      // A wrong code or a busy server is worth another try: back to the form, tracks kept.
      core.store.update({ error: describe(error) });
      core.transition('checking-devices');
      return;
    }
    if (core.store.snapshot.state !== 'joining-lobby') return;
    if (typeof answer?.ticket !== 'string') return core.fail('bad_response', 'The server sent an unexpected answer.');
    this.remember({ ticket: answer.ticket, ...(answer.consultation ? { consultation: answer.consultation } : {}) });
    const warmUrl = core.config.livekitUrl ?? (typeof answer.livekitUrl === 'string' ? answer.livekitUrl : undefined);
    this.enter(serverUrl, answer.ticket, answer.consultation, warmUrl);
    this.connectionTest.start(serverUrl, answer.ticket);
  }

  /** Returns to this tab's consultation after a reload; false when there is nothing to return to. */
  resume(): boolean {
    const { core } = this;
    if (core.store.snapshot.role !== 'patient' || !JOINABLE.includes(core.store.snapshot.state)) return false;
    const serverUrl = core.config.serverUrl;
    const saved = serverUrl ? readTicket(serverUrl) : undefined;
    if (!serverUrl || !saved) return false;
    core.transition('joining-lobby');
    this.enter(serverUrl, saved.ticket, saved.consultation, core.config.livekitUrl);
    return true;
  }

  private enter(serverUrl: string, ticket: string, consultation: ConsultationInfo | undefined, warmUrl: string | undefined): void {
    const { core } = this;
    this.ticket = ticket;
    core.store.update({ ...(consultation ? { consultation } : {}) });
    core.transition('waiting');
    this.stream = new LobbyStream({
      url: joinUrl(serverUrl, '/v1/lobby/events'),
      token: ticket,
      eventTypes: ['queue', 'message', 'notice', 'admitted', 'declined', 'ended', 'error', 'key', 'transferred'],
      onEvent: (type, data) => this.onEvent(type, data),
      onFatal: (_status, code, message) => core.fail(code, message),
      ...(core.config.fetch ? { fetch: core.config.fetch } : {}),
      ...(core.config.lobbyBackoff ? { backoff: core.config.lobbyBackoff } : {}),
    });
    this.stream.open();
    this.listenToPage();
    // The patient waits for minutes: fetch the call's code now, warm up DNS/TLS to the SFU (the URL from the
    // host, or from the server if it sends one) and start the E2EE worker, so admission is no slower for it.
    if (warmUrl || consultation?.e2ee) void this.call.prepare(warmUrl, { encrypted: consultation?.e2ee === true });
    else void this.call.preload();
  }

  /**
   * A waiting patient's page that goes away (tab closed, another site, a reload, the back/forward cache) says so
   * on `pagehide` — never `unload`, which keeps a page out of the back/forward cache — with a request that
   * outlives the page: `fetch` with `keepalive` (not `sendBeacon`, which always sends cookies and cannot carry the
   * ticket in the Authorization header). The server waits a grace period before the patient leaves the queue, and
   * a page that comes back (a reload resuming with its ticket, or this page restored from the cache: the stream
   * reconnects) keeps its place.
   */
  private listenToPage(): void {
    if (this.removePageListeners || typeof globalThis.addEventListener !== 'function') return;
    const onHide = (): void => {
      const serverUrl = this.core.config.serverUrl;
      if (this.core.store.snapshot.state !== 'waiting' || !this.ticket || !serverUrl) return;
      void postJson(this.core.fetch, joinUrl(serverUrl, '/v1/lobby/leave'), {
        token: this.ticket,
        body: { reason: 'page_closed' },
        keepalive: true,
      }).catch(() => undefined);
    };
    const onShow = (event: PageTransitionEvent): void => {
      if (!event.persisted || this.core.store.snapshot.state !== 'waiting' || !this.stream) return;
      this.stream.close();
      this.stream.open();
    };
    globalThis.addEventListener('pagehide', onHide);
    globalThis.addEventListener('pageshow', onShow);
    this.removePageListeners = () => {
      globalThis.removeEventListener('pagehide', onHide);
      globalThis.removeEventListener('pageshow', onShow);
    };
  }

  private remember(saved: SavedTicket): void {
    if (this.core.config.resumeOnReload === false || !this.core.config.serverUrl) return;
    saveTicket(this.core.config.serverUrl, saved);
  }

  /** Drops the stored ticket: the consultation is over for this tab. */
  forget(): void {
    if (this.core.config.serverUrl) forgetTicket(this.core.config.serverUrl);
  }

  private onEvent(type: string, data: Record<string, unknown>): void {
    const { core } = this;
    if (type === 'transferred') return this.transferred(data);
    const state = core.store.snapshot.state;
    if (state !== 'waiting') {
      // A reconnected stream re-sends `admitted` with a fresh grant: its key is the current one.
      if (type === 'key' || (type === 'admitted' && typeof data.e2eeKey === 'string')) this.call.rotateKey(data);
      else if (type === 'ended') core.finish('ended');
      else if (type === 'declined' && !isTerminal(state)) core.finish('removed');
      return;
    }
    if (type === 'error') {
      // e.g. grant_failed: the server closes the stream and the reconnect retries.
      const code = typeof data.code === 'string' ? data.code : 'lobby_error';
      const message = typeof data.message === 'string' ? data.message : 'The waiting room reported an error.';
      core.store.update({ error: { code, message } });
    } else if (type === 'queue') {
      const queue = parseQueue(data);
      if (queue) core.store.update({ queue });
    } else if (type === 'notice') {
      core.store.update({ notice: parseNotice(data) });
    } else if (type === 'message') {
      const message = parseMessage(data);
      if (message) core.store.update({ messages: [...core.store.snapshot.messages, message] });
    } else if (type === 'admitted') {
      const admission = parseAdmission(data);
      if (!admission) return;
      core.store.update({ transferredTo: undefined });
      core.transition('admitted');
      void this.call.connect(admission);
    } else if (type === 'declined') {
      const reason = typeof data.reason === 'string' && data.reason ? data.reason : undefined;
      core.decline(reason);
    } else if (type === 'ended') {
      core.finish('ended');
    }
  }

  /**
   * Moved to another consultation of the practice: same ticket, same tracks, no new code. An admitted patient
   * hangs up first; then they wait there (the stream sends `queue`) until admitted to the new room.
   */
  private transferred(data: Record<string, unknown>): void {
    const { core } = this;
    const state = core.store.snapshot.state;
    if (isTerminal(state) || typeof data.consultationId !== 'string' || !data.consultationId) return;
    const transferredTo = { id: data.consultationId, ...(typeof data.title === 'string' && data.title ? { title: data.title } : {}) };
    const previous = core.store.snapshot.consultation;
    const consultation = previous ? { ...previous, id: transferredTo.id, title: transferredTo.title } : undefined;
    core.store.update({ transferredTo, queue: undefined, messages: [], ...(consultation ? { consultation } : {}) });
    if (this.ticket) this.remember({ ticket: this.ticket, ...(consultation ? { consultation } : {}) });
    if (state === 'waiting') return;
    core.transition('waiting');
    void this.call.leaveForTransfer();
  }

  /** A new LiveKit grant for this ticket (rejoin after a lost connection; never through the lobby again). */
  async freshGrant(): Promise<Admission> {
    const answer = await postJson<Record<string, unknown>>(this.core.fetch, joinUrl(this.core.config.serverUrl ?? '', '/v1/lobby/grant'), {
      token: this.ticket ?? '',
    });
    const admission = parseAdmission(answer ?? {}, 'grant');
    if (!admission) throw new Error('bad grant');
    return admission;
  }

  /** The one-tap connection rating of the end screen (the ticket stays valid after the end for this). */
  async rate(rating: ConnectionRating): Promise<void> {
    const serverUrl = this.core.config.serverUrl;
    if (!this.ticket || !serverUrl) throw new Error('no ticket');
    await postJson(this.core.fetch, joinUrl(serverUrl, '/v1/lobby/rating'), { token: this.ticket, body: { rating } });
  }

  /** Tells the server the patient left the queue (only while waiting; in the call the room says so). */
  async leaveQueue(): Promise<void> {
    const { ticket } = this;
    const serverUrl = this.core.config.serverUrl;
    if (!ticket || !serverUrl) return;
    await postJson(this.core.fetch, joinUrl(serverUrl, '/v1/lobby/leave'), { token: ticket }).catch(() => undefined);
  }

  close(): void {
    this.removePageListeners?.();
    this.removePageListeners = undefined;
    this.connectionTest.stop();
    this.stream?.close();
    this.stream = undefined;
  }
}
