import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { addEnglish, type LocalizeController } from '../../controllers/localize.js';
import { connectionPath } from '../../session/devices.js';
import { markedRole } from '../../session/roles.js';
import type { ConnectionSteps, PracticePatient, PracticeQueue, VcSession, WaitingPatient } from '../../session/types.js';
import { enQueue } from '../../translations/en-queue.js';

addEnglish(enQueue);

const SOUND_KEY = 'videoconsult.arrival-sound';

/** The practitioner's own choice, kept in this browser (localStorage: no cookie, never sent anywhere). */
function soundMuted(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) === 'off';
  } catch {
    return false;
  }
}

export interface ArrivalOptions {
  /** The host turned the sound off (`quiet`): no sound, no toggle. */
  quiet: boolean;
  noTitleBadge: boolean;
  /** The host allows system notifications (`notify-arrivals`); the practitioner still has to agree once. */
  notify: boolean;
}

/**
 * The practitioner side of `<vc-waiting-room>`: renders the queue and owns its side effects (arrival sound,
 * title badge, the "waiting N min" clock). A controller rather than an element so it shares the host's session.
 * With a practice token it lists the practice's shared queue instead: every patient with the consultation they
 * are for, who took whom, and a transfer to another consultation of the practice.
 */
export class PractitionerQueue implements ReactiveController {
  private known = new Set<string>();
  private primed = false;
  private originalTitle?: string;
  private announcement = '';
  private messaging?: string;
  private clock?: ReturnType<typeof setInterval>;
  private muted = soundMuted();
  private options: ArrivalOptions = { quiet: false, noTitleBadge: false, notify: false };

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly localize: LocalizeController,
    private readonly session: () => VcSession | undefined,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    // Minutes only: a 30 s refresh keeps "waiting N min" honest without busy re-rendering.
    this.clock = setInterval(() => this.host.requestUpdate(), 30_000);
  }

  hostDisconnected(): void {
    clearInterval(this.clock);
    this.reset();
  }

  /** Restores the document title and forgets who was seen. */
  reset(): void {
    if (this.originalTitle !== undefined) document.title = this.originalTitle;
    this.originalTitle = undefined;
    this.known.clear();
    this.primed = false;
  }

  /** Called before each render with the current queue: detects arrivals and updates the title badge. */
  sync(patients: readonly WaitingPatient[], options: ArrivalOptions): void {
    this.options = options;
    const { noTitleBadge } = options;
    const arrivals = patients.filter((p) => !this.known.has(p.ticketId));
    this.known = new Set(patients.map((p) => p.ticketId));
    // Patients already waiting when the page opens are not "new".
    if (this.primed && arrivals.length) {
      this.announcement = arrivals.map((p) => this.localize.t('q.arrived', { name: p.alias || p.name })).join('. ');
      if (!options.quiet && !this.muted) playChime();
      if (options.notify && notificationPermission() === 'granted') this.showNotification(this.announcement);
    }
    this.primed = true;
    if (noTitleBadge) {
      if (this.originalTitle !== undefined) document.title = this.originalTitle;
      this.originalTitle = undefined;
      return;
    }
    this.originalTitle ??= document.title;
    const badged = patients.length ? `(${patients.length}) ${this.originalTitle}` : this.originalTitle;
    if (document.title !== badged) document.title = badged;
  }

  private showNotification(body: string): void {
    try {
      // One tag: a second arrival replaces the first notice instead of stacking up.
      const notification = new Notification(this.localize.t('q.notifyTitle'), { body, tag: 'videoconsult-arrival' });
      notification.onclick = () => {
        window.focus();
        notification.close();
      };
    } catch {
      /* Notifications unavailable here (e.g. only from a service worker on some phones): the badge remains. */
    }
  }

  private toggleSound(event: Event): void {
    this.muted = !(event.target as HTMLInputElement).checked;
    try {
      if (this.muted) localStorage.setItem(SOUND_KEY, 'off');
      else localStorage.removeItem(SOUND_KEY);
    } catch {
      /* storage blocked: the choice lasts for this page */
    }
    this.host.requestUpdate();
  }

  private async askNotifications(): Promise<void> {
    await Notification.requestPermission().catch(() => 'denied');
    this.host.requestUpdate();
  }

  private setNotice(event: SubmitEvent): void {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('notice') as HTMLInputElement;
    const text = input.value.trim();
    if (!text) return input.focus();
    this.act((s) => s.setNotice?.(text) ?? Promise.resolve());
    input.value = '';
  }

  private renderSettings() {
    const t = this.localize.t.bind(this.localize);
    const notice = this.session()?.snapshot.notice;
    const canAsk = this.options.notify && notificationPermission() === 'default';
    return html`<form class="message-form" part="notice-form" @submit=${(e: SubmitEvent) => this.setNotice(e)}>
        <div class="field">
          <label for="notice-input">${t('q.notice')}</label>
          <input id="notice-input" name="notice" maxlength="280" autocomplete="off" />
        </div>
        <button class="button" type="submit">${t('q.noticeSet')}</button>
      </form>
      ${
        notice
          ? html`<p class="notice" part="notice">
            ${t('q.noticeCurrent', { text: notice.text })}
            <button class="button" part="notice-clear-button" type="button"
              @click=${() => this.act((s) => s.setNotice?.(null) ?? Promise.resolve())}>${t('q.noticeClear')}</button>
          </p>`
          : nothing
      }
      <div class="arrival-settings">
        ${
          this.options.quiet
            ? nothing
            : html`<label class="toggle"><input type="checkbox" part="sound-toggle" .checked=${!this.muted} @change=${(e: Event) => this.toggleSound(e)} />
              ${t('q.sound')}</label>`
        }
        ${
          canAsk
            ? html`<button class="button" part="notify-button" type="button" @click=${() => void this.askNotifications()}>${t('q.notify')}</button>`
            : nothing
        }
      </div>`;
  }

  private act(action: (session: VcSession) => Promise<void>): void {
    const session = this.session();
    if (session) void action(session);
  }

  private sendMessage(event: SubmitEvent, patient: WaitingPatient): void {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('text') as HTMLInputElement;
    const text = input.value.trim();
    if (!text) return input.focus();
    this.act((s) => s.sendMessage(patient.ticketId, text));
    this.messaging = undefined;
    this.host.requestUpdate();
  }

  private toggleMessage(ticketId: string): void {
    this.messaging = this.messaging === ticketId ? undefined : ticketId;
    this.host.requestUpdate();
    if (this.messaging) {
      void this.host.updateComplete.then(() => this.host.shadowRoot?.querySelector<HTMLInputElement>('#message-input')?.focus());
    }
  }

  private transfer(event: SubmitEvent, patient: WaitingPatient): void {
    event.preventDefault();
    const select = (event.target as HTMLFormElement).elements.namedItem('to') as HTMLSelectElement;
    if (select.value) this.act((s) => s.transfer?.(patient.ticketId, select.value) ?? Promise.resolve());
  }

  render() {
    const t = this.localize.t.bind(this.localize);
    const practice = this.session()?.snapshot.practiceQueue;
    if (practice) return this.renderPractice(practice);
    const patients = this.session()?.snapshot.waitingPatients ?? [];
    return html`<header>
        <h2 id="queue-title">${t('q.title')}</h2>
        <span class="badge">${t('q.count', { count: this.localize.number(patients.length) })}</span>
        ${
          patients.length > 1
            ? html`<button class="button primary" part="admit-all-button" type="button" @click=${() => this.act((s) => s.admitAll())}>
              ${t('q.admitAll')}
            </button>`
            : nothing
        }
      </header>
      <p class="visually-hidden" role="status" aria-live="polite">${this.announcement}</p>
      ${this.renderSettings()}
      ${
        patients.length === 0
          ? html`<p class="muted">${t('q.empty')}</p>`
          : html`<ul part="queue" aria-labelledby="queue-title">
            ${patients.map((p) => this.renderPatient(p))}
          </ul>`
      }`;
  }

  /** The patient's connection test: how the call will get through, then each step in words. */
  private renderConnection(steps: ConnectionSteps) {
    const t = this.localize.t.bind(this.localize);
    const path = connectionPath(steps);
    const level = path === 'ok' ? 'ok' : path === 'blocked' ? 'failed' : 'warning';
    const detail = (['websocket', 'udp', 'tcp', 'turn'] as const)
      .map((step) => `${t(`cn.${step}`)}: ${t(`cn.${steps[step]}`)}`)
      .join(' · ');
    return html`<p class="connection" part="connection" data-path=${path}>
      <span class="badge ${level}">${t(`q.net.${path}`)}</span> <span class="muted">${detail}</span>
    </p>`;
  }

  private renderPractice(queue: PracticeQueue) {
    const t = this.localize.t.bind(this.localize);
    const waiting = queue.patients.filter((p) => p.status === 'waiting').length;
    return html`<header>
        <h2 id="queue-title">${t('q.practiceTitle')}</h2>
        <span class="badge">${t('q.count', { count: this.localize.number(waiting) })}</span>
      </header>
      <p class="visually-hidden" role="status" aria-live="polite">${this.announcement}</p>
      ${
        queue.patients.length === 0
          ? html`<p class="muted">${t('q.empty')}</p>`
          : html`<ul part="queue" aria-labelledby="queue-title">
            ${queue.patients.map((p) => this.renderPatient(p, queue))}
          </ul>`
      }`;
  }

  private consultationName(queue: PracticeQueue, id: string): string {
    const index = queue.consultations.findIndex((c) => c.id === id);
    const title = queue.consultations[index]?.title;
    return title || this.localize.t('q.untitled', { number: this.localize.number(index + 1) });
  }

  /** Which consultation a practice entry is for, and who took them (admitted) or how long they wait. */
  private renderPracticeLine(patient: PracticePatient, queue: PracticeQueue) {
    const t = this.localize.t.bind(this.localize);
    const own = patient.consultationId === queue.ownConsultationId;
    const taken = patient.takenBy ? t('q.takenBy', { name: patient.takenBy }) : t('q.inCall');
    return html`<span class="muted" part="consultation">
        ${own ? t('q.forYou') : t('q.for', { consultation: this.consultationName(queue, patient.consultationId) })}
      </span>
      ${patient.status === 'admitted' ? html`<span class="badge ok" part="taken-by">${taken}</span>` : nothing}`;
  }

  private renderTransfer(patient: PracticePatient, queue: PracticeQueue, name: string) {
    const t = this.localize.t.bind(this.localize);
    const targets = queue.consultations.filter((c) => c.id !== patient.consultationId);
    if (!targets.length) return nothing;
    const id = `transfer-${patient.ticketId}`;
    return html`<form class="message-form" part="transfer" @submit=${(e: SubmitEvent) => this.transfer(e, patient)}>
      <div class="field">
        <label for=${id}>${t('q.transferTo', { name })}</label>
        <select id=${id} name="to" part="transfer-select">
          ${targets.map((c) => html`<option value=${c.id}>${c.id === queue.ownConsultationId ? t('q.forYou') : this.consultationName(queue, c.id)}</option>`)}
        </select>
      </div>
      <button class="button" part="transfer-button" type="submit">${t('q.transfer')}</button>
    </form>`;
  }

  private renderPatient(patient: WaitingPatient | PracticePatient, practice?: PracticeQueue) {
    const t = this.localize.t.bind(this.localize);
    const name = patient.alias ? `${patient.alias} (${patient.name})` : patient.name;
    const since = Date.parse(patient.waitingSince);
    const minutes = Number.isNaN(since) ? 0 : Math.max(0, Math.floor((Date.now() - since) / 60_000));
    const verdict = patient.deviceCheck?.verdict;
    const connection = patient.deviceCheck?.connection;
    const role = markedRole(patient.role);
    const entry = practice && 'consultationId' in patient ? patient : undefined;
    // In the practice list, admitting, messages and declining are for the practitioner's own consultation.
    const ownWaiting = !entry || (entry.status === 'waiting' && entry.consultationId === practice?.ownConsultationId);
    return html`<li class="patient" part="patient" data-ticket=${patient.ticketId} data-role=${role ?? nothing}
      data-status=${entry?.status ?? 'waiting'}>
      <div class="patient-head">
        <strong>${name}</strong>
        ${role ? html`<span class="badge role" part="role">${t(`role.${role}`)}</span>` : nothing}
        ${entry && practice ? this.renderPracticeLine(entry, practice) : nothing}
        ${
          entry?.status === 'admitted'
            ? nothing
            : html`<span class="muted">${t('q.waitingSince', { minutes: this.localize.number(minutes) })}</span>
              <span class="badge ${verdict ?? ''}">${t(verdict ? `q.verdict.${verdict}` : 'q.verdict.none')}</span>`
        }
      </div>
      ${connection && entry?.status !== 'admitted' ? this.renderConnection(connection) : nothing}
      ${entry && practice ? this.renderTransfer(entry, practice, name) : nothing}
      ${ownWaiting ? this.renderActions(patient, name) : nothing}
    </li>`;
  }

  private renderActions(patient: WaitingPatient, name: string) {
    const t = this.localize.t.bind(this.localize);
    return html`<div class="actions">
        <button class="button primary" part="admit-button" type="button" aria-label=${t('q.admitNamed', { name })}
          @click=${() => this.act((s) => s.admit(patient.ticketId))}>${t('q.admit')}</button>
        <button class="button" part="message-button" type="button" aria-label=${t('q.messageNamed', { name })}
          aria-expanded=${this.messaging === patient.ticketId ? 'true' : 'false'}
          @click=${() => this.toggleMessage(patient.ticketId)}>${t('q.message')}</button>
        <button class="button danger" part="decline-button" type="button" aria-label=${t('q.declineNamed', { name })}
          @click=${() => this.act((s) => s.decline(patient.ticketId))}>${t('q.decline')}</button>
      </div>
      ${
        this.messaging === patient.ticketId
          ? html`<form class="message-form" @submit=${(e: SubmitEvent) => this.sendMessage(e, patient)}>
            <div class="field">
              <label for="message-input">${t('q.messageLabel', { name })}</label>
              <input id="message-input" name="text" maxlength="280" autocomplete="off" />
            </div>
            <button class="button primary" type="submit">${t('common.send')}</button>
          </form>`
          : nothing
      }`;
  }
}

function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'function' ? Notification.permission : 'unsupported';
}

/** A short two-note chime made on the spot: no audio files, no third-party requests. */
function playChime(): void {
  try {
    const context = new AudioContext();
    const gain = context.createGain();
    gain.connect(context.destination);
    gain.gain.setValueAtTime(0.15, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.6);
    [880, 660].forEach((frequency, i) => {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(context.currentTime + i * 0.15);
      oscillator.stop(context.currentTime + 0.6);
    });
    setTimeout(() => void context.close(), 1000);
  } catch {
    /* no audio available: the visual badge and the announcement remain */
  }
}
