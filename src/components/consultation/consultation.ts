// Over 400 lines on purpose: the element's documented API (the JSDoc the manifest is generated from), its session wiring and the call layout with the sidebar; the end screen lives in end-screen.ts.
import { ContextProvider } from '@lit/context';
import { html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { CONSULTATION_LOCALE, patientLocale } from '../../controllers/localize.js';
import { sessionContext } from '../../controllers/session-controller.js';
import {
  VcAdmittedEvent,
  VcDeclinedEvent,
  VcEndedEvent,
  VcErrorEvent,
  VcJoinedEvent,
  VcLeftEvent,
  VcStateChangeEvent,
  VcWaitingEvent,
  type VcDeviceCheckCompleteEvent,
} from '../../events/events.js';
import { VcElement } from '../../internal/vc-element.js';
import { ConsultationSession } from '../../session/consultation-session.js';
import type { StateChangeDetail } from '../../session/session-config.js';
import { CALL_STATES, isTerminal } from '../../session/state-machine.js';
import type { Admission, ConnectionRating, GrantInput, SessionRole } from '../../session/types.js';
import { collaborationFor } from '../../session/collaboration.js';
import { loadCall } from '../call/lazy.js';
import type { VcChat } from '../chat/chat.js';
import { loadChat } from '../chat/lazy.js';
import { loadWhiteboard } from '../whiteboard/lazy.js';
import '../device-check/device-check.js';
import '../waiting-room/waiting-room.js';
import { consultationStyles } from './consultation.styles.js';
import { renderEndScreen } from './end-screen.js';
import { startModuleWorker } from '../../internal/module-worker.js';

const ROLES = ['patient', 'practitioner'] as const;
const NARROW_PORTRAIT = '(max-width: 48rem) and (orientation: portrait)';
const URL_PATTERN = /^https?:\/\/\S+$/;
const SFU_PATTERN = /^(wss?|https?):\/\/\S+$/;

/**
 * @tagname vc-consultation
 * The one-tag drop-in: waiting room, device check and call for a patient or a practitioner.
 *
 * The current session state is mirrored (read-only) in the `state` attribute, e.g. `vc-consultation[state='waiting']`.
 *
 * @fires vc-state-change - Every session state change, `{ state, previous }`.
 * @fires vc-waiting - The patient is in the waiting room.
 * @fires vc-admitted - The patient was admitted.
 * @fires vc-joined - The local participant is in the call.
 * @fires vc-left - The local participant left.
 * @fires vc-ended - The consultation is over for this page, `{ reason }`.
 * @fires vc-declined - The patient was declined, `{ reason? }`.
 * @fires vc-error - `{ code, message }`: refused requests, lost connections, invalid attributes.
 * @fires vc-leave-request - Cancelable, before leaving (bubbles from the inner elements).
 * @fires vc-end-request - Cancelable, before ending for everyone.
 * In the call a chat sits beside the video (collapsible, with an unread count; on a phone held upright it
 * opens from the "Chat" button), and the "Whiteboard" button loads the shared board on first use; it also
 * opens by itself when another participant opens theirs.
 *
 * @slot chat - Replaces the built-in `<vc-chat>` beside the call.
 * @slot whiteboard - Extra content beside the call (e.g. a `<vc-whiteboard>` of your own).
 * @csspart base - The wrapper.
 * @csspart waiting-room - The inner `<vc-waiting-room>`.
 * @csspart device-check - The practitioner's `<vc-device-check>`.
 * @csspart call - The inner `<vc-call>`.
 * @csspart sidebar - The column beside the call (queue, chat, whiteboard).
 * @csspart chat - The built-in `<vc-chat>`.
 * @csspart whiteboard - The `<vc-whiteboard>`, while open.
 * @csspart tools - The row with the chat and whiteboard buttons.
 * @csspart chat-button - Opens and closes the chat (shown on narrow portrait screens).
 * @csspart whiteboard-button - Opens and closes the whiteboard.
 * @csspart end-screen - The "consultation ended" screen: who ended it, how long it lasted, the patient's rating.
 * @csspart duration - The call's duration on the end screen.
 * @csspart rate-button - The patient's one-tap connection rating buttons (good, fair, poor; anonymous stats only).
 * @cssprop --vc-consultation-background - Background (default `--vc-color-surface`).
 * @cssprop --vc-consultation-radius - Corner radius (default `--vc-radius-m`).
 * @cssprop --vc-consultation-min-height - Minimum height (default 28rem).
 * @cssprop --vc-consultation-sidebar-width - Width of the sidebar (default 20rem).
 * @cssprop --vc-consultation-call-height-with-board - Height of the call while the whiteboard is open (default 14rem).
 * @cssprop --vc-consultation-whiteboard-height - Height of the open whiteboard's drawing area (default `min(30rem, 45vh)`).
 */
export class VcConsultation extends VcElement {
  static override styles = [...VcElement.styles, consultationStyles];

  /**
   * `patient` (default) or `practitioner`. Fixed once the consultation starts. Not reflected: `role` is also an
   * ARIA attribute, so we never write it ourselves.
   */
  @property() override role: SessionRole = 'patient';
  /** Base URL of the token server. */
  @property({ attribute: 'server-url' }) serverUrl = '';
  /** Patient: the access code (otherwise the patient types it). */
  @property({ attribute: 'access-code' }) accessCode = '';
  /** Patient: the display name (otherwise the patient types it). */
  @property({ attribute: 'display-name' }) displayName = '';
  /** Practitioner: the token minted by the integrator API (queue and grant requests). */
  @property({ attribute: 'practitioner-token' }) practitionerToken = '';
  /**
   * Practitioner: after a reload of this tab the call resumes by itself, without the host passing the token
   * again (it is kept in this tab's sessionStorage until the consultation ends). A patient always resumes.
   */
  @property({ type: Boolean, attribute: 'resume-on-reload' }) resumeOnReload = false;
  /** Practitioner: a grant from the host — JSON `Admission` or a bare LiveKit token (with `livekit-url`). */
  @property() grant: GrantInput = '';
  /** Practitioner: called whenever a fresh grant is needed; takes precedence over `grant`. */
  @property({ attribute: false }) getGrant?: () => Promise<GrantInput>;
  /** SFU URL: connection check, connection warm-up, and the URL for a bare grant token. */
  @property({ attribute: 'livekit-url' }) livekitUrl = '';
  /**
   * URL of livekit-client's E2EE worker (`livekit-client/e2ee-worker`), same origin as the page. Defaults to
   * `livekit-e2ee-worker.mjs` beside the embed bundle, where the build puts it.
   */
  @property({ attribute: 'e2ee-worker-url' }) e2eeWorkerUrl = '';
  /** Lets the device check remember device choices in this browser. */
  @property({ type: Boolean, attribute: 'remember-devices' }) rememberDevices = false;

  /** Practitioner: the host allows a system notification when a patient arrives (the practitioner agrees once). */
  @property({ type: Boolean, attribute: 'notify-arrivals' }) notifyArrivals = false;

  /** Hides the built-in chat. */
  @property({ type: Boolean, attribute: 'no-chat' }) noChat = false;
  /** Hides the whiteboard button (the board still opens nowhere: it is never loaded). */
  @property({ type: Boolean, attribute: 'no-whiteboard' }) noWhiteboard = false;

  @state() private hasSideContent = false;
  @state() private chatCollapsed?: boolean;
  @state() private board: 'closed' | 'loading' | 'open' | 'failed' = 'closed';
  /** When this page's call started and ended (the end screen's duration). */
  private callStartedAt?: number;
  private callEndedAt?: number;
  /** This page ended the consultation for everyone (the end screen says who ended it). */
  private endedHere = false;
  @state() private rated?: ConnectionRating;
  /** The user closed the board: a peer's activity does not reopen it. */
  private boardDismissed = false;

  /** The session behind this consultation: stable for the element's lifetime. */
  readonly session = new ConsultationSession();

  private readonly provider = new ContextProvider(this, { context: sessionContext, initialValue: this.session });
  private announcement = '';
  /** Chat and whiteboard of this session (they start once the call is connected). */
  private readonly collaboration = collaborationFor(this.session);

  constructor() {
    super();
    this.session.addEventListener('statechange', (event) => this.onStateChange((event as CustomEvent<StateChangeDetail>).detail));
    this.session.subscribe(
      (s) => s.error,
      (error) => {
        if (error) this.dispatchEvent(new VcErrorEvent(error));
      },
    );
    this.addEventListener('vc-end-request', (event) => {
      // After every listener ran (dispatch is synchronous): only an end nobody vetoed counts.
      queueMicrotask(() => {
        if (!event.defaultPrevented) this.endedHere = true;
      });
    });
    this.collaboration.addEventListener('change', () => {
      if (this.collaboration.whiteboardActive && this.board === 'closed' && !this.boardDismissed && !this.noWhiteboard) {
        void this.openWhiteboard();
      }
      this.requestUpdate();
    });
  }

  /** A patient's UI speaks the consultation's locale (set by the integrator) unless the host sets `lang`. */
  get [CONSULTATION_LOCALE](): string | undefined {
    return patientLocale(this.session.snapshot);
  }

  /** Loads the whiteboard (once) and shows it. */
  async openWhiteboard(): Promise<void> {
    if (this.board === 'open' || this.board === 'loading') return;
    this.board = 'loading';
    try {
      await loadWhiteboard();
      await this.collaboration.openWhiteboard();
      this.board = CALL_STATES.includes(this.session.state) ? 'open' : 'closed';
    } catch (error) {
      this.board = 'failed';
      this.emitError('whiteboard_unavailable', `The whiteboard could not be loaded: ${String(error)}`);
    }
  }

  /** Hides the whiteboard (it keeps syncing in the background while the call lasts). */
  closeWhiteboard(): void {
    this.boardDismissed = true;
    this.board = 'closed';
  }

  private toggleWhiteboard(): void {
    if (this.board === 'open') this.closeWhiteboard();
    else void this.openWhiteboard();
  }

  private get chatElement(): VcChat | null {
    return this.renderRoot.querySelector('vc-chat');
  }

  private toggleChat(): void {
    this.chatCollapsed = !(this.chatCollapsed ?? false);
    if (!this.chatCollapsed) void this.updateComplete.then(() => this.chatElement?.focus());
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.provider.setValue(this.session);
    if (!this.hasAttribute('state')) this.setAttribute('state', this.session.state);
  }

  /**
   * The call (its UI and livekit-client) is not part of the first load. A patient fetches it while waiting
   * (onStateChange); a practitioner sees the queue first and gets the call as soon as the page is idle.
   */
  override firstUpdated(changed: PropertyValues<this>): void {
    super.firstUpdated(changed);
    if (this.role !== 'practitioner') return;
    const whenIdle = globalThis.requestIdleCallback ?? ((callback: () => void) => setTimeout(callback, 200));
    whenIdle(() => this.loadCallCode());
  }

  private loadCallCode(): void {
    void this.session.preloadCall();
    loadCall().catch((error: unknown) => this.emitError('call_unavailable', `The call could not be loaded: ${String(error)}`));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Moving the element (disconnect + connect in one task) must not end the call; removing it does.
    queueMicrotask(() => {
      if (!this.isConnected) void this.session.leave();
    });
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('role') && !this.validateOneOf('role', this.role, ROLES)) this.role = 'patient';
    if (changed.has('serverUrl') && this.serverUrl && !URL_PATTERN.test(this.serverUrl)) {
      this.reportInvalid('server-url', this.serverUrl, 'an http:// or https:// URL');
    }
    if (changed.has('livekitUrl') && this.livekitUrl && !SFU_PATTERN.test(this.livekitUrl)) {
      this.reportInvalid('livekit-url', this.livekitUrl, 'a ws://, wss://, http:// or https:// URL');
    }
    if (changed.has('role') && this.session.state !== 'idle' && this.session.snapshot.role !== this.role) {
      this.reportInvalid('role', this.role, `unchanged once the consultation started ("${this.session.snapshot.role}")`);
    }
    const workerUrl = this.e2eeWorkerUrl;
    this.session.configure({
      role: this.role,
      ...(URL_PATTERN.test(this.serverUrl) ? { serverUrl: this.serverUrl } : {}),
      ...(SFU_PATTERN.test(this.livekitUrl) ? { livekitUrl: this.livekitUrl } : {}),
      ...(this.practitionerToken ? { practitionerToken: this.practitionerToken } : {}),
      ...(this.grant ? { grant: this.grant as string | Admission } : {}),
      ...(this.getGrant ? { getGrant: this.getGrant } : {}),
      ...(workerUrl ? { createE2EEWorker: () => startModuleWorker(workerUrl) } : {}),
      ...(this.role === 'practitioner' ? { resumeOnReload: this.resumeOnReload } : {}),
    });
    // A tab that reloaded goes straight back to its place (patient: waiting or the call; practitioner: the call,
    // if the host allows it); the practitioner otherwise sees who is waiting while checking their devices.
    if (this.role === 'practitioner') {
      if (this.session.state === 'idle' && this.session.snapshot.role === 'practitioner') this.session.resume();
      this.session.watchQueue();
    } else if (this.session.state === 'idle' && this.session.snapshot.role === 'patient') this.session.resume();
  }

  private onStateChange({ state, previous, snapshot }: StateChangeDetail): void {
    // Read-only mirror for host CSS and end-to-end tests: vc-consultation[state='in-call'].
    this.setAttribute('state', state);
    this.dispatchEvent(new VcStateChangeEvent({ state, previous }));
    if (state === 'waiting') this.dispatchEvent(new VcWaitingEvent(snapshot.queue ? { position: snapshot.queue.position } : {}));
    // Neither the call nor the chat is part of the first load: they load while the patient waits (or the
    // practitioner connects), and at the latest when a call starts (a reload straight back into it).
    if (state === 'waiting' || CALL_STATES.includes(state)) this.loadCallCode();
    if (!this.noChat && (state === 'waiting' || CALL_STATES.includes(state))) {
      loadChat().catch((error: unknown) => this.emitError('chat_unavailable', `The chat could not be loaded: ${String(error)}`));
    }
    if (state === 'admitted') {
      this.announcement = this.localize.t('wr.admitted');
      this.dispatchEvent(new VcAdmittedEvent());
    }
    if (state === 'in-call' && previous === 'connecting') this.dispatchEvent(new VcJoinedEvent());
    if (state === 'in-call') this.callStartedAt ??= Date.now();
    if (state === 'declined') this.dispatchEvent(new VcDeclinedEvent(snapshot.declineReason ? { reason: snapshot.declineReason } : {}));
    if (isTerminal(state)) {
      this.board = 'closed';
      this.boardDismissed = false;
      this.chatCollapsed = undefined;
    }
    if (state === 'ended') {
      this.callEndedAt = Date.now();
      if (snapshot.endReason === 'left') this.dispatchEvent(new VcLeftEvent());
      this.dispatchEvent(new VcEndedEvent({ reason: snapshot.endReason ?? 'ended' }));
    }
    this.requestUpdate();
  }

  protected override get step(): string {
    const state = this.session.snapshot.state;
    if (state === 'ended') return 'ended';
    if (CALL_STATES.includes(state)) return 'call';
    return 'pre-call';
  }

  private startPractitioner(event: VcDeviceCheckCompleteEvent): void {
    void this.session.startPractitioner({
      tracks: event.detail.tracks,
      deviceCheck: event.detail.result,
      ...(event.detail.effects ? { effects: event.detail.effects } : {}),
    });
  }

  private onSlotChange(): void {
    const slots = [...(this.shadowRoot?.querySelectorAll('aside slot') ?? [])] as HTMLSlotElement[];
    this.hasSideContent = slots.some((slot) => slot.assignedElements().length > 0);
  }

  override render() {
    return html`<div part="base" class="base">
      ${this.renderStep()}
      <p class="visually-hidden" role="status" aria-live="polite">${this.announcement}</p>
    </div>`;
  }

  private renderCall(practitioner: boolean) {
    const t = this.localize.t.bind(this.localize);
    // Phones held upright start with the chat closed behind its button; everything else with it open.
    const collapsed = (this.chatCollapsed ??= typeof matchMedia === 'function' && matchMedia(NARROW_PORTRAIT).matches);
    const unread = collapsed ? (this.chatElement?.unreadCount ?? 0) : 0;
    const boardOpen = this.board === 'open';
    const showChat = !this.noChat;
    return html`<div class="with-sidebar in-call ${boardOpen ? 'board-open' : ''}">
      <div class="main">
        ${
          showChat || !this.noWhiteboard
            ? html`<div class="tools" part="tools" role="toolbar" aria-label=${t('c.tools')}>
              ${
                showChat
                  ? html`<button class="button chat-button" part="chat-button" type="button" aria-controls="chat"
                    aria-expanded=${String(!collapsed)} @click=${this.toggleChat}>
                    ${unread > 0 ? t('c.chatUnread', { count: unread }) : t('c.chat')}
                  </button>`
                  : nothing
              }
              ${
                this.noWhiteboard
                  ? nothing
                  : html`<button class="button" part="whiteboard-button" type="button" aria-pressed=${String(boardOpen)}
                    ?disabled=${this.board === 'loading'} @click=${this.toggleWhiteboard}>
                    ${this.board === 'loading' ? t('c.whiteboardLoading') : t('c.whiteboard')}
                  </button>`
              }
              <span class="error" role="status">${this.board === 'failed' ? t('c.whiteboardFailed') : ''}</span>
            </div>`
            : nothing
        }
        ${boardOpen ? html`<vc-whiteboard part="whiteboard" theme=${this.theme} .session=${this.session}></vc-whiteboard>` : nothing}
        <vc-call part="call" data-step-focus theme=${this.theme} .session=${this.session}></vc-call>
      </div>
      <aside part="sidebar" ?hidden=${!practitioner && !showChat && !this.hasSideContent}>
        ${
          practitioner
            ? html`<vc-waiting-room mode="practitioner" theme=${this.theme} .session=${this.session}
          ?notify-arrivals=${this.notifyArrivals}></vc-waiting-room>`
            : nothing
        }
        <slot name="chat" @slotchange=${this.onSlotChange}
          >${
            showChat
              ? html`<vc-chat id="chat" part="chat" theme=${this.theme} .session=${this.session} ?collapsed=${collapsed}
                @vc-chat-toggle=${(e: CustomEvent<{ collapsed: boolean }>) => (this.chatCollapsed = e.detail.collapsed)}
                @vc-chat-message=${() => this.requestUpdate()}></vc-chat>`
              : nothing
          }</slot
        >
        <slot name="whiteboard" @slotchange=${this.onSlotChange}></slot>
      </aside>
    </div>`;
  }

  private rate(rating: ConnectionRating): void {
    this.rated = rating;
    // One tap, no second chance and no error to show: a lost rating costs the patient nothing.
    void this.session.rateConnection(rating).catch(() => undefined);
  }

  private renderStep() {
    const t = this.localize.t.bind(this.localize);
    const snapshot = this.session.snapshot;
    const state = snapshot.state;
    const practitioner = snapshot.role === 'practitioner';
    if (state === 'ended') {
      return renderEndScreen({
        localize: this.localize,
        practitioner,
        endReason: snapshot.endReason,
        endedHere: this.endedHere,
        callStartedAt: this.callStartedAt,
        callEndedAt: this.callEndedAt,
        rated: this.rated,
        onRate: (rating) => this.rate(rating),
      });
    }
    if (CALL_STATES.includes(state) && !(practitioner && state === 'admitted')) {
      return this.renderCall(practitioner);
    }
    if (practitioner && (state === 'idle' || state === 'checking-devices')) {
      return html`<div class="with-sidebar">
        <vc-device-check part="device-check" theme=${this.theme} livekit-url=${this.livekitUrl || nothing}
          ?remember-devices=${this.rememberDevices} @vc-device-check-complete=${this.startPractitioner}></vc-device-check>
        <aside part="sidebar">
          <vc-waiting-room mode="practitioner" theme=${this.theme} .session=${this.session}
          ?notify-arrivals=${this.notifyArrivals}></vc-waiting-room>
        </aside>
      </div>`;
    }
    if (practitioner && state === 'failed') {
      return html`<div class="message" role="alert"><h2>${t('wr.failedTitle')}</h2><p>${this.localize.error(snapshot.error)}</p></div>`;
    }
    return html`<vc-waiting-room part="waiting-room" data-step-focus mode="patient" theme=${this.theme} .session=${this.session}
      access-code=${this.accessCode} display-name=${this.displayName} livekit-url=${this.livekitUrl || nothing}
      ?remember-devices=${this.rememberDevices}></vc-waiting-room>`;
  }
}

VcConsultation.define('vc-consultation');

declare global {
  interface HTMLElementTagNameMap {
    'vc-consultation': VcConsultation;
  }
}
