import { html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { VcJoinSubmitEvent, VcLeaveRequestEvent, type DeviceCheckHandover, type VcDeviceCheckCompleteEvent } from '../../events/events.js';
import { VcSessionElement } from '../../internal/session-element.js';
import { VcElement } from '../../internal/vc-element.js';
import { srcObject } from '../../internal/src-object.js';
import { MicLevelController } from '../../controllers/mic-level.js';
import '../device-check/connection-test.js';
import '../device-check/device-check.js';
import type { PractitionerQueue } from './practitioner-queue.js';
import { waitingRoomStyles } from './waiting-room.styles.js';

const MODES = ['auto', 'patient', 'practitioner'] as const;
type Mode = (typeof MODES)[number];

/**
 * @tagname vc-waiting-room
 * The waiting room. Patients: access-code + name form (unless the host supplies them), device check, then the
 * queue position, estimated wait and practitioner messages ("you are being transferred" after a transfer).
 * Practitioners: the live queue with admit, decline, message and admit-all, plus a sound and a title badge when
 * someone arrives; with a practice token, the practice's shared queue (the consultation each patient is for, who
 * took whom) with a transfer to another consultation of the practice.
 *
 * @fires vc-join-submit - Cancelable; the patient submitted a valid code and name (`preventDefault()` stops there).
 * @fires vc-leave-request - Cancelable; the patient asked to leave the waiting room.
 * @fires vc-device-check-complete - Re-dispatched from the embedded device check.
 * @fires vc-error - An attribute has an invalid value, or no session was found.
 * @csspart base - The wrapper.
 * @csspart form - The access-code form.
 * @csspart join-button - The form's submit button.
 * @csspart device-check - The embedded `<vc-device-check>`.
 * @csspart connection-test - The connection test (`<vc-connection-test>`) shown while the patient waits.
 * @csspart status - The waiting status (position, estimate).
 * @csspart messages - The list of practitioner messages.
 * @csspart notice - The practitioner's note for everyone waiting.
 * @csspart self-view - The patient's own camera while waiting (small, mirrored; the device check's track).
 * @csspart self-view-button - Hides or shows the self-view.
 * @csspart mic-meter - The live microphone level while waiting.
 * @csspart leave-button - The leave button.
 * @csspart queue - The practitioner's list of waiting patients.
 * @csspart patient - One waiting patient (`data-role` carries the role the integrator gave the code).
 * @csspart role - The interpreter or relative mark on a waiting patient (from the server-set role, never from the name).
 * @csspart admit-button - Admit buttons.
 * @csspart decline-button - Decline buttons.
 * @csspart admit-all-button - The admit-all button.
 * @csspart consultation - Practice queue: which consultation a patient is for.
 * @csspart taken-by - Practice queue: who admitted (took) the patient.
 * @csspart transfer - Practice queue: the transfer form of a patient.
 * @csspart transfer-select - Practice queue: the target consultation.
 * @csspart transfer-button - Practice queue: the transfer button.
 * @csspart transferred - Patient: the "you are being transferred" note.
 * @csspart notice-form - The practitioner's form for the note everyone waiting sees.
 * @csspart notice-clear-button - Removes that note.
 * @csspart sound-toggle - The arrival sound on/off (remembered in this browser).
 * @csspart notify-button - Asks the browser's permission for arrival notifications (with `notify-arrivals`).
 * @cssprop --vc-waiting-room-background - Background (default `--vc-color-surface`).
 * @cssprop --vc-waiting-room-item-background - Background of messages and queue entries (default `--vc-color-surface-raised`).
 * @cssprop --vc-waiting-room-padding - Inner spacing (default `--vc-space-l`).
 * @cssprop --vc-waiting-room-radius - Corner radius (default `--vc-radius-m`).
 */
export class VcWaitingRoom extends VcSessionElement {
  static override styles = [...VcElement.styles, waitingRoomStyles];

  /** `patient`, `practitioner`, or `auto` (the session's role). */
  @property({ reflect: true }) mode: Mode = 'auto';
  /** The access code, when the host already knows it (e.g. from the join link). */
  @property({ attribute: 'access-code' }) accessCode = '';
  /** The patient's name, when the host already knows it. */
  @property({ attribute: 'display-name' }) displayName = '';
  /** SFU URL for the device check's connection test. */
  @property({ attribute: 'livekit-url' }) livekitUrl = '';
  /** Lets the device check remember device choices locally. */
  @property({ type: Boolean, attribute: 'remember-devices' }) rememberDevices = false;
  /** Practitioner: no sound when a patient arrives. */
  @property({ type: Boolean }) quiet = false;
  /** Practitioner: do not put the waiting count into the document title. */
  @property({ type: Boolean, attribute: 'no-title-badge' }) noTitleBadge = false;
  /**
   * Practitioner: the host allows a system notification when a patient arrives; the practitioner agrees once
   * (the browser's permission prompt, from the "Notify me" button).
   */
  @property({ type: Boolean, attribute: 'notify-arrivals' }) notifyArrivals = false;

  @state() private entered?: { code: string; name: string };
  @state() private formError = '';
  /** The patient hid their own picture in the waiting room (the camera itself stays as the device check left it). */
  @state() private selfViewHidden = false;
  private readonly micLevel = new MicLevelController(this);
  private lastCheck?: DeviceCheckHandover;

  /** The practitioner's queue: its own chunk, loaded the first time this element shows a queue (patients never do). */
  private queue?: PractitionerQueue;
  private queueLoading?: Promise<void>;

  private loadQueue(): void {
    this.queueLoading ??= import('./practitioner-queue.js').then(
      ({ PractitionerQueue }) => {
        this.queue = new PractitionerQueue(this, this.localize, () => this.sessions.session);
        this.requestUpdate();
      },
      (error: unknown) => {
        // Tried again at the next update (e.g. the next session change).
        this.queueLoading = undefined;
        console.warn('[videoconsult] could not load the queue:', error);
      },
    );
  }

  /** `updateComplete` includes loading the queue, so a practitioner's first render is a complete one. */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    if (!this.queueLoading || this.queue) return done;
    await this.queueLoading;
    return super.getUpdateComplete();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('mode')) this.validateOneOf('mode', this.mode, MODES);
    // Removing the attribute makes the property null, and a host page may assign anything: trim strings only.
    const code = typeof this.accessCode === 'string' ? this.accessCode.trim() : '';
    const name = typeof this.displayName === 'string' ? this.displayName.trim() : '';
    if ((changed.has('accessCode') || changed.has('displayName')) && code && name) {
      this.entered ??= { code, name };
    }
    // The waiting screen reads the device check's own tracks: nothing is opened twice.
    const microphone = this.lastCheck?.tracks.find((track) => track.kind === 'audio' && track.readyState === 'live');
    if (this.effectiveMode === 'patient' && this.sessions.snapshot?.state === 'waiting' && microphone) this.micLevel.start(microphone);
    else this.micLevel.stop();
    if (this.effectiveMode === 'practitioner' && !this.queue) this.loadQueue();
    if (this.effectiveMode === 'practitioner')
      this.queue?.sync(this.sessions.snapshot?.waitingPatients ?? [], {
        quiet: this.quiet,
        noTitleBadge: this.noTitleBadge,
        notify: this.notifyArrivals,
      });
  }

  protected override get step(): string {
    const state = this.sessions.snapshot?.state ?? 'idle';
    if (this.effectiveMode === 'practitioner') return 'queue';
    if (state === 'idle' || state === 'checking-devices') return this.entered ? 'device-check' : 'form';
    return state;
  }

  private get effectiveMode(): 'patient' | 'practitioner' {
    if (this.mode === 'patient' || this.mode === 'practitioner') return this.mode;
    return this.sessions.snapshot?.role ?? 'patient';
  }

  override disconnectedCallback(): void {
    // Asked before super: the session controller lets go of the session as the host disconnects, and without a
    // session the device check's tracks and blur would look unowned and be stopped on their way into the call.
    const handedToSession = !!this.sessions.session;
    super.disconnectedCallback();
    this.queue?.reset();
    if (!handedToSession) {
      for (const track of this.lastCheck?.tracks ?? []) track.stop();
      void this.lastCheck?.effects?.blurProcessor?.destroy();
    }
  }

  private submit(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const code = String(data.get('code') ?? '').trim();
    const name = String(data.get('name') ?? '').trim();
    const missing = !code ? 'wr.code' : !name ? 'wr.name' : undefined;
    if (missing) {
      this.formError = this.localize.t('wr.required', { field: this.localize.t(missing) });
      (form.querySelector(`[name=${missing === 'wr.code' ? 'code' : 'name'}]`) as HTMLInputElement | null)?.focus();
      return;
    }
    this.formError = '';
    // The host may take over here (e.g. look the code up itself): a cancelled submit goes no further.
    if (!this.dispatchEvent(new VcJoinSubmitEvent({ code, name }))) return;
    this.entered = { code, name };
    if (this.lastCheck) void this.join();
    else this.sessions.session?.beginDeviceCheck();
  }

  private onDeviceCheck(event: VcDeviceCheckCompleteEvent): void {
    this.lastCheck = event.detail;
    void this.join();
  }

  private async join(): Promise<void> {
    const session = this.sessions.session;
    if (!session || !this.entered || !this.lastCheck) return;
    await session.join({
      ...this.entered,
      deviceCheck: this.lastCheck.result,
      tracks: this.lastCheck.tracks,
      ...(this.lastCheck.effects ? { effects: this.lastCheck.effects } : {}),
    });
    // A refused code brings the form back; the device-check tracks stay with the session for the next try.
    if (session.snapshot.error) this.entered = undefined;
  }

  private requestLeave(): void {
    const request = new VcLeaveRequestEvent();
    this.dispatchEvent(request);
    if (!request.defaultPrevented) void this.sessions.session?.leave();
  }

  override render() {
    const body = this.effectiveMode === 'practitioner' ? (this.queue?.render() ?? nothing) : this.renderPatient();
    return html`<section part="base" class="base">${body}</section>`;
  }

  private renderPatient() {
    const t = this.localize.t.bind(this.localize);
    const snapshot = this.sessions.snapshot;
    const state = snapshot?.state ?? 'idle';
    if (state === 'idle' || state === 'checking-devices') {
      if (!this.entered) return this.renderForm(this.localize.error(snapshot?.error) || undefined);
      return html`<vc-device-check
        data-step-focus
        part="device-check"
        theme=${this.theme}
        livekit-url=${this.livekitUrl || nothing}
        ?remember-devices=${this.rememberDevices}
        continue-label=${t('wr.join')}
        @vc-device-check-complete=${this.onDeviceCheck}
      ></vc-device-check>`;
    }
    if (state === 'joining-lobby') {
      return html`<div class="spinner" aria-hidden="true"></div>
        <p role="status" tabindex="-1" data-step-focus>${t('wr.joining')}</p>`;
    }
    if (state === 'waiting') {
      const queue = snapshot?.queue;
      const transferredTo = snapshot?.transferredTo;
      const minutes = queue?.estimatedWaitSeconds !== undefined ? Math.max(1, Math.round(queue.estimatedWaitSeconds / 60)) : undefined;
      const notice = snapshot?.notice;
      return html`<h2 tabindex="-1" data-step-focus>${t('wr.waitingTitle')}</h2>
        <div class="waiting">
          ${this.renderSelf()}
          <div class="waiting-status">
            <div class="spinner" aria-hidden="true"></div>
            <div part="status" role="status" aria-live="polite">
              ${transferredTo ? html`<p part="transferred">${transferredTo.title ? t('wr.transferred', { title: transferredTo.title }) : t('wr.transferredUntitled')}</p>` : nothing}
              ${queue ? html`<p class="position">${t('wr.position', { position: this.localize.number(queue.position) })}</p>` : nothing}
              ${minutes !== undefined ? html`<p>${t('wr.estimate', { minutes: this.localize.number(minutes) })}</p>` : nothing}
            </div>
          </div>
        </div>
        <div role="status" aria-live="polite">
          ${notice ? html`<p class="notice" part="notice"><strong>${t('wr.notice')}:</strong> ${notice.text}</p>` : nothing}
        </div>
        ${
          snapshot?.connectionTest
            ? html`<vc-connection-test part="connection-test" theme=${this.theme} .test=${snapshot.connectionTest}></vc-connection-test>`
            : nothing
        }
        ${
          snapshot && snapshot.messages.length
            ? html`<h3>${t('wr.messages')}</h3>
              <div role="log" aria-live="polite">
                <ul part="messages">
                  ${snapshot.messages.map((m) => html`<li class="message">${m.text}</li>`)}
                </ul>
              </div>`
            : nothing
        }
        <div class="actions">
          <button class="button" part="leave-button" type="button" @click=${this.requestLeave}>${t('wr.leave')}</button>
        </div>`;
    }
    if (state === 'declined') {
      return html`<h2 tabindex="-1" data-step-focus>${t('wr.declinedTitle')}</h2>
        <p role="status">${snapshot?.declineReason ?? t('wr.declinedText')}</p>`;
    }
    if (state === 'failed') {
      return html`<h2 tabindex="-1" data-step-focus>${t('wr.failedTitle')}</h2>
        <p role="alert">${this.localize.error(snapshot?.error)}</p>`;
    }
    if (state === 'ended') return html`<h2 tabindex="-1" data-step-focus>${t('c.endedTitle')}</h2>`;
    return html`<p role="status" tabindex="-1" data-step-focus>${t('wr.admitted')}</p>`;
  }

  /** Own camera (mirrored, as people expect a mirror) and microphone level, from the device check's tracks. */
  private renderSelf() {
    const t = this.localize.t.bind(this.localize);
    const tracks = this.lastCheck?.tracks ?? [];
    // With blur chosen, the self-view shows what will be published: the blur's output.
    const blurred = this.lastCheck?.effects?.blurProcessor?.processedTrack;
    const camera = [blurred, ...tracks].find((track) => track?.kind === 'video' && track.readyState === 'live');
    const microphone = tracks.some((track) => track.kind === 'audio' && track.readyState === 'live');
    if (!camera && !microphone) return nothing;
    return html`<div class="self">
      ${
        camera && !this.selfViewHidden
          ? html`<video part="self-view" class="self-view" aria-label=${t('wr.selfView')} muted playsinline autoplay ${srcObject(camera)}></video>`
          : nothing
      }
      ${
        camera
          ? html`<button class="button" part="self-view-button" type="button" aria-pressed=${String(this.selfViewHidden)}
            @click=${() => (this.selfViewHidden = !this.selfViewHidden)}>${t(this.selfViewHidden ? 'wr.showSelf' : 'wr.hideSelf')}</button>`
          : nothing
      }
      ${
        microphone
          ? html`<label for="mic-meter">${t('wr.micLevel')}</label>
            <meter id="mic-meter" part="mic-meter" min="0" max="1" .value=${this.micLevel.level}></meter>`
          : nothing
      }
    </div>`;
  }

  private renderForm(serverError: string | undefined) {
    const t = this.localize.t.bind(this.localize);
    const error = this.formError || serverError || '';
    return html`<h2 id="form-title" tabindex="-1" data-step-focus>${t('wr.title')}</h2>
      <form part="form" novalidate aria-labelledby="form-title" @submit=${this.submit}>
        <div class="field">
          <label for="code">${t('wr.code')}</label>
          <input id="code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required
            .value=${this.accessCode} aria-invalid=${error ? 'true' : 'false'} aria-describedby="form-error" />
        </div>
        <div class="field">
          <label for="name">${t('wr.name')}</label>
          <input id="name" name="name" autocomplete="name" required .value=${this.displayName} aria-describedby="form-error" />
        </div>
        <p id="form-error" class="error" role="alert">${error}</p>
        <div class="actions">
          <button class="button primary" part="join-button" type="submit">${t('wr.join')}</button>
        </div>
      </form>`;
  }
}

VcWaitingRoom.define('vc-waiting-room');

declare global {
  interface HTMLElementTagNameMap {
    'vc-waiting-room': VcWaitingRoom;
  }
}
