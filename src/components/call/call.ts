// Over 400 lines on purpose: the call is one template (stage, tiles, toolbar, banners) that reads best in one place; the zoom logic lives in zoom.ts.
import { html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { VcEndRequestEvent, VcLeaveRequestEvent } from '../../events/events.js';
import { effectToggle } from '../../internal/effect-toggle.js';
import { toggleGroupStyles } from '../../internal/effect-toggle.styles.js';
import { icons } from '../../internal/icons.js';
import { srcObject } from '../../internal/src-object.js';
import { VcSessionElement } from '../../internal/session-element.js';
import { VcElement } from '../../internal/vc-element.js';
import { listDevices, nextCamera, type DeviceLists } from '../../session/devices.js';
import { effectSupport } from '../../session/effects/support.js';
import { markedRole } from '../../session/roles.js';
import type { MediaEffects, ParticipantView } from '../../session/types.js';
import { callStyles } from './call.styles.js';
import { VideoZoom } from './zoom.js';

const CORNERS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
type Corner = (typeof CORNERS)[number];

/**
 * @tagname vc-call
 * The call: 1:1 (remote large, movable self-view) or a grid with active-speaker highlight; microphone, camera,
 * screen share, device switching, leave and (practitioner) end for everyone; reconnecting banner and a one-click
 * "enable sound" when the browser blocks autoplay.
 *
 * Keyboard: Tab through the toolbar; with focus inside the call, M toggles the microphone, V the camera and
 * S screen sharing; the self-view moves between corners with the arrow keys. A remote video zooms with the
 * mouse wheel, a pinch, or + / − / 0 and the arrow keys on the focused tile. With more than one camera, a
 * button switches to the next (front/back on a phone) without renegotiating the call.
 *
 * @fires vc-leave-request - Cancelable; the user asked to leave.
 * @fires vc-end-request - Cancelable; the practitioner asked to end the consultation for everyone.
 * @fires vc-error - An attribute has an invalid value, or no session was found.
 * @csspart base - The wrapper.
 * @csspart stage - The video area.
 * @csspart tile - Each participant's video tile (`data-role` carries the server-set role).
 * @csspart role - The role mark on a tile (practitioner, interpreter, relative): from the server-set role, never from the name.
 * @csspart self-view - The local participant's tile.
 * @csspart toolbar - The control bar.
 * @csspart mic-button - Microphone toggle.
 * @csspart camera-button - Camera toggle.
 * @csspart screen-button - Screen-share toggle.
 * @csspart devices-button - Opens device selection.
 * @csspart noise-button - Noise suppression toggle (RNNoise, loaded on first use; `aria-disabled` where the browser cannot run it).
 * @csspart blur-button - Background blur toggle (MediaPipe selfie segmentation, loaded on first use; `aria-disabled` where the browser cannot run it).
 * @csspart switch-camera-button - Switches to the next camera (shown with more than one).
 * @csspart leave-button - Leave.
 * @csspart end-button - End for everyone (practitioners).
 * @csspart reconnecting-banner - Shown while reconnecting.
 * @csspart sound-banner - Shown while the browser blocks sound.
 * @csspart e2ee-badge - "End-to-end encrypted", shown while the call is.
 * @csspart sharing-banner - Shown while the local participant shares their screen.
 * @cssprop --vc-call-background - Background behind the video (default `--vc-color-video-background`).
 * @cssprop --vc-call-toolbar-background - Toolbar background (default `--vc-color-surface`).
 * @cssprop --vc-call-banner-background - Banner background (default `--vc-color-surface`).
 * @cssprop --vc-call-tile-background - Tile background without video.
 * @cssprop --vc-call-tile-radius - Tile corner radius (default `--vc-radius-s`).
 * @cssprop --vc-call-radius - Corner radius (default `--vc-radius-m`).
 * @cssprop --vc-call-speaker-color - Active-speaker outline (default `--vc-color-primary`).
 * @cssprop --vc-call-self-view-width - Width of the self-view in 1:1 layout.
 * @cssprop --vc-call-height - Height of the call (default 100%).
 */
export class VcCall extends VcSessionElement {
  static override styles = [...VcElement.styles, toggleGroupStyles, callStyles];

  /** Where the self-view starts in the 1:1 layout. */
  @property({ attribute: 'self-view-position', reflect: true }) selfViewPosition: Corner = 'bottom-right';
  /** Turns off the M / V / S shortcuts (e.g. when the host page uses those keys). */
  @property({ type: Boolean, attribute: 'no-shortcuts' }) noShortcuts = false;

  @state() private devicesOpen = false;
  @state() private devices: DeviceLists = { cameras: [], microphones: [], speakers: [] };
  @state() private announcement = '';
  @state() private dragging = false;
  /** An effect being switched: its button waits for the outcome (the snapshot then says whether it runs). */
  @state() private switching: Partial<Record<keyof MediaEffects, boolean>> = {};

  private knownRemotes?: Map<string, string>;
  private readonly zooms = new Map<string, VideoZoom>();

  constructor() {
    super();
    this.addEventListener('keydown', (event) => this.onKeyDown(event));
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('selfViewPosition') && !this.validateOneOf('self-view-position', this.selfViewPosition, CORNERS)) {
      this.selfViewPosition = 'bottom-right';
    }
    this.announceArrivals();
  }

  private lastState?: string;

  private announceArrivals(): void {
    const snapshot = this.sessions.snapshot;
    if (!snapshot) return;
    if (this.lastState === 'reconnecting' && snapshot.state === 'in-call') this.announcement = this.localize.t('call.reconnected');
    this.lastState = snapshot.state;
    const remotes = new Map(snapshot.participants.filter((p) => !p.isLocal).map((p) => [p.identity, p.name]));
    const previous = this.knownRemotes;
    this.knownRemotes = remotes;
    if (!previous) return;
    const t = this.localize.t.bind(this.localize);
    const messages = [
      ...[...remotes].filter(([id]) => !previous.has(id)).map(([, name]) => t('call.joined', { name })),
      ...[...previous].filter(([id]) => !remotes.has(id)).map(([, name]) => t('call.left', { name })),
    ];
    if (messages.length) this.announcement = messages.join('. ');
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (this.noShortcuts || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.composedPath()[0] as HTMLElement | undefined;
    if (target && ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
    const key = event.key.toLowerCase();
    if (key === 'm') this.toggleMicrophone();
    else if (key === 'v') this.toggleCamera();
    else if (key === 's' && this.sessions.snapshot?.canScreenShare) this.toggleScreen();
    else return;
    event.preventDefault();
  }

  private toggleMicrophone(): void {
    const s = this.sessions.session;
    if (s) void s.setMicrophoneEnabled(!s.snapshot.microphoneEnabled);
  }
  private toggleCamera(): void {
    const s = this.sessions.session;
    if (s) void s.setCameraEnabled(!s.snapshot.cameraEnabled);
  }
  private toggleScreen(): void {
    const s = this.sessions.session;
    if (s) void s.setScreenShareEnabled(!s.snapshot.screenShareEnabled);
  }

  private requestLeave(): void {
    const request = new VcLeaveRequestEvent();
    this.dispatchEvent(request);
    if (!request.defaultPrevented) void this.sessions.session?.leave();
  }

  private requestEnd(): void {
    const request = new VcEndRequestEvent();
    this.dispatchEvent(request);
    if (!request.defaultPrevented) void this.sessions.session?.endForEveryone();
  }

  private async toggleDevices(): Promise<void> {
    this.devicesOpen = !this.devicesOpen;
    if (this.devicesOpen) await this.refreshDevices();
  }

  private readonly refreshDevices = async (): Promise<void> => {
    this.devices = await listDevices().catch(() => this.devices);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refreshDevices();
    navigator.mediaDevices?.addEventListener?.('devicechange', this.refreshDevices);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.refreshDevices);
  }

  /** The camera after the one in use: livekit-client restarts the published track on it (no renegotiation). */
  private async switchCamera(): Promise<void> {
    const s = this.sessions.session;
    const current = s?.snapshot.participants.find((p) => p.isLocal)?.camera?.getSettings().deviceId;
    const next = nextCamera(this.devices.cameras, current);
    if (!s || !next) return;
    await s.switchDevice('videoinput', next.deviceId);
    this.announcement = next.label || this.localize.t('call.switchCamera');
  }

  private async toggleEffect(effect: keyof MediaEffects): Promise<void> {
    const session = this.sessions.session;
    const on = !session?.snapshot.effects?.[effect];
    this.switching = { ...this.switching, [effect]: true };
    try {
      await (effect === 'blur' ? session?.setBackgroundBlur?.(on) : session?.setNoiseSuppression?.(on));
    } finally {
      this.switching = { ...this.switching, [effect]: false };
    }
    if (on && !session?.snapshot.effects?.[effect]) this.announcement = this.localize.t('fx.failed');
  }

  private zoomFor(identity: string): VideoZoom {
    let zoom = this.zooms.get(identity);
    if (!zoom) this.zooms.set(identity, (zoom = new VideoZoom(() => this.requestUpdate())));
    return zoom;
  }

  private switchDevice(kind: 'audioinput' | 'videoinput' | 'audiooutput', event: Event): void {
    void this.sessions.session?.switchDevice(kind, (event.target as HTMLSelectElement).value);
  }

  private onSelfKey(event: KeyboardEvent): void {
    const [vertical, horizontal] = this.selfViewPosition.split('-') as ['top' | 'bottom', 'left' | 'right'];
    const moves: Record<string, Corner> = {
      ArrowUp: `top-${horizontal}`,
      ArrowDown: `bottom-${horizontal}`,
      ArrowLeft: `${vertical}-left`,
      ArrowRight: `${vertical}-right`,
    };
    const next = moves[event.key];
    if (!next) return;
    event.preventDefault();
    event.stopPropagation();
    this.selfViewPosition = next;
  }

  private onSelfPointerDown(event: PointerEvent): void {
    const tile = event.currentTarget as HTMLElement;
    const stage = tile.parentElement!;
    tile.setPointerCapture(event.pointerId);
    this.dragging = true;
    const start = { x: event.clientX, y: event.clientY };
    const move = (e: PointerEvent) => {
      tile.style.transform = `translate(${e.clientX - start.x}px, ${e.clientY - start.y}px)`;
    };
    const up = (e: PointerEvent) => {
      tile.removeEventListener('pointermove', move);
      tile.removeEventListener('pointerup', up);
      tile.removeEventListener('pointercancel', up);
      tile.style.transform = '';
      this.dragging = false;
      const box = stage.getBoundingClientRect();
      const top = e.clientY < box.top + box.height / 2;
      const left = e.clientX < box.left + box.width / 2;
      this.selfViewPosition = `${top ? 'top' : 'bottom'}-${left ? 'left' : 'right'}`;
    };
    tile.addEventListener('pointermove', move);
    tile.addEventListener('pointerup', up);
    tile.addEventListener('pointercancel', up);
  }

  private renderTile(p: ParticipantView, options: { self?: boolean; screen?: boolean } = {}) {
    const t = this.localize.t.bind(this.localize);
    const name = p.isLocal ? t('call.you') : p.name;
    const track = options.screen ? p.screen : p.camera;
    const label = options.screen ? t('call.screenOf', { name }) : name;
    const classes = [
      'tile',
      p.isLocal ? 'local' : 'remote',
      p.isSpeaking && !options.screen ? 'speaking' : '',
      options.screen ? 'screen' : '',
      options.self ? `self ${this.selfViewPosition}` : '',
      options.self && this.dragging ? 'dragging' : '',
    ].join(' ');
    const role = p.isLocal ? undefined : markedRole(p.role);
    // Remote videos zoom (wheel, pinch, keys on the focused tile); the self-view moves instead.
    const zoom = !p.isLocal && track ? this.zoomFor(options.screen ? `${p.identity}:screen` : p.identity) : undefined;
    return html`<figure class=${classes} part=${options.self ? 'tile self-view' : 'tile'} data-identity=${p.identity} data-role=${p.role ?? nothing}
      tabindex=${options.self || zoom ? '0' : nothing} aria-label=${options.self ? t('call.selfView') : label}
      aria-describedby=${zoom ? 'zoom-hint' : nothing} data-zoom=${zoom ? zoom.state.scale.toFixed(2) : nothing}
      @keydown=${options.self ? this.onSelfKey : zoom ? (e: KeyboardEvent) => zoom.onKey(e) && (e.preventDefault(), e.stopPropagation()) : nothing}
      @pointerdown=${options.self ? this.onSelfPointerDown : zoom ? (e: PointerEvent) => zoom.onPointerDown(e) : nothing}
      @pointermove=${zoom ? (e: PointerEvent) => zoom.onPointerMove(e, (e.currentTarget as HTMLElement).getBoundingClientRect()) : nothing}
      @pointerup=${zoom ? (e: PointerEvent) => zoom.onPointerUp(e) : nothing} @pointercancel=${zoom ? (e: PointerEvent) => zoom.onPointerUp(e) : nothing}
      @wheel=${zoom ? (e: WheelEvent) => zoom.onWheel(e) : nothing}>
      ${
        track
          ? html`<video class=${options.screen ? 'screen' : 'camera'} style=${zoom?.transform ? `transform: ${zoom.transform}` : nothing} autoplay playsinline muted ${srcObject(track)}></video>`
          : html`<div class="avatar" aria-hidden="true">${initials(name)}</div>`
      }
      <figcaption>
        ${!options.screen && !p.microphoneEnabled ? html`<span class="muted-icon" role="img" aria-label=${t('call.micOff')}>${icons.micOff}</span>` : nothing}
        <span class="name">${label}</span>
        ${role ? html`<span class="role" part="role">${t(`role.${role}`)}</span>` : nothing}
      </figcaption>
    </figure>`;
  }

  private renderStage(participants: readonly ParticipantView[]) {
    const local = participants.find((p) => p.isLocal);
    const remotes = participants.filter((p) => !p.isLocal);
    const sharer = remotes.find((p) => p.screen);
    if (sharer) {
      return html`<div class="stage" part="stage">
        ${this.renderTile(sharer, { screen: true })} ${local ? this.renderTile(local, { self: true }) : nothing}
      </div>`;
    }
    if (remotes.length <= 1) {
      return html`<div class="stage" part="stage">
        ${remotes[0] ? this.renderTile(remotes[0]) : html`<div class="waiting" role="status">${this.localize.t('call.waitingOther')}</div>`}
        ${local ? this.renderTile(local, { self: true }) : nothing}
      </div>`;
    }
    return html`<div class="stage grid" part="stage">${[...remotes, ...(local ? [local] : [])].map((p) => this.renderTile(p))}</div>`;
  }

  private renderToolbar() {
    const t = this.localize.t.bind(this.localize);
    const s = this.sessions.snapshot;
    if (!s) return nothing;
    const local = s.participants.find((p) => p.isLocal);
    const quality = local?.connectionQuality ?? 'unknown';
    const button = (
      part: string,
      pressed: boolean | undefined,
      icon: unknown,
      label: string,
      onClick: () => void,
      variant = '',
      title = label,
    ) =>
      html`<button class="button ${variant}" part=${part} type="button" aria-pressed=${pressed === undefined ? nothing : String(pressed)}
        title=${title} @click=${onClick}>${icon}<span class="label">${label}</span></button>`;
    return html`<div class="toolbar" part="toolbar" role="toolbar" aria-label=${t('call.label')}>
      <div class="toggle-group">
      ${button(
        'mic-button',
        s.microphoneEnabled,
        s.microphoneEnabled ? icons.mic : icons.micOff,
        t('dc.microphone'),
        () => this.toggleMicrophone(),
        s.microphoneEnabled ? '' : 'off',
        t(s.microphoneEnabled ? 'call.mute' : 'call.unmute'),
      )}
      ${button(
        'camera-button',
        s.cameraEnabled,
        s.cameraEnabled ? icons.camera : icons.cameraOff,
        t('dc.camera'),
        () => this.toggleCamera(),
        s.cameraEnabled ? '' : 'off',
        t(s.cameraEnabled ? 'call.cameraOff' : 'call.cameraOn'),
      )}
      ${
        s.canScreenShare && 'getDisplayMedia' in (navigator.mediaDevices ?? {})
          ? button(
              'screen-button',
              s.screenShareEnabled,
              icons.screen,
              t('call.shareStart'),
              () => this.toggleScreen(),
              s.screenShareEnabled ? 'active' : '',
              t(s.screenShareEnabled ? 'call.shareStop' : 'call.shareStart'),
            )
          : nothing
      }
      ${
        this.devices.cameras.length > 1 && s.cameraEnabled
          ? button('switch-camera-button', undefined, icons.switchCamera, t('call.switchCamera'), () => void this.switchCamera())
          : nothing
      }
      ${this.renderEffectToggles()}
      <button class="button" part="devices-button" type="button" aria-expanded=${String(this.devicesOpen)} aria-controls="devices"
        @click=${() => void this.toggleDevices()}>${icons.settings}<span class="label">${t('call.devices')}</span></button>
      </div>
      ${
        s.encrypted
          ? html`<span class="encrypted" part="e2ee-badge" title=${t('call.encryptedHint')}>${icons.lock}${t('call.encrypted')}</span>`
          : nothing
      }
      ${
        quality === 'unknown'
          ? nothing
          : html`<span class="quality ${quality}" part="quality">${t('call.quality', { quality: t(`call.quality.${quality}`) })}</span>`
      }
      <div class="toggle-group">
      ${button('leave-button', undefined, icons.leave, t('call.leave'), () => this.requestLeave(), 'danger')}
      ${s.role === 'practitioner' ? button('end-button', undefined, icons.end, t('call.end'), () => this.requestEnd(), 'danger') : nothing}
      </div>
    </div>
    <div id="devices" class="devices" ?hidden=${!this.devicesOpen}>
      ${this.renderSelect('audioinput', t('dc.microphone'), this.devices.microphones)}
      ${this.renderSelect('videoinput', t('dc.camera'), this.devices.cameras)}
      ${this.renderSelect('audiooutput', t('dc.speaker'), this.devices.speakers)}
    </div>`;
  }

  private renderEffectToggles() {
    const t = this.localize.t.bind(this.localize);
    const session = this.sessions.session;
    const s = this.sessions.snapshot;
    if (!session || !s) return nothing;
    const support = effectSupport();
    const toggle = (effect: keyof MediaEffects, part: string, label: string, icon: unknown) =>
      effectToggle({
        part,
        label,
        icon,
        pressed: !!s.effects?.[effect],
        supported: support[effect],
        unavailable: t('fx.unavailable'),
        busy: !!this.switching[effect],
        onToggle: () => void this.toggleEffect(effect),
      });
    return html`${s.cameraEnabled && session.setBackgroundBlur ? toggle('blur', 'blur-button', t('fx.blur'), icons.blur) : nothing}
    ${s.microphoneEnabled && session.setNoiseSuppression ? toggle('noiseSuppression', 'noise-button', t('fx.noise'), icons.noise) : nothing}`;
  }

  private renderSelect(kind: 'audioinput' | 'videoinput' | 'audiooutput', label: string, list: MediaDeviceInfo[]) {
    if (!list.length) return nothing;
    return html`<label>${label}
      <select @change=${(e: Event) => this.switchDevice(kind, e)}>
        ${list.map((d, i) => html`<option value=${d.deviceId}>${d.label || `${label} ${i + 1}`}</option>`)}
      </select>
    </label>`;
  }

  override render() {
    const t = this.localize.t.bind(this.localize);
    const s = this.sessions.snapshot;
    const reconnecting = s?.state === 'reconnecting';
    const connecting = s?.state === 'connecting' || s?.state === 'admitted';
    return html`<section part="base" class="base" tabindex="-1" data-step-focus aria-label=${t('call.label')} aria-describedby="shortcuts">
      <div class="banners">
        <div role="status" aria-live="assertive">
          ${reconnecting ? html`<p class="banner" part="reconnecting-banner">${t('call.reconnecting')}</p>` : nothing}
          ${connecting ? html`<p class="banner">${t('call.connecting')}</p>` : nothing}
        </div>
        ${
          s?.screenShareEnabled
            ? html`<div class="banner" part="sharing-banner">
              <span>${t('call.sharing')}</span>
              <button class="button" type="button" @click=${() => this.toggleScreen()}>${t('call.shareStop')}</button>
            </div>`
            : nothing
        }
        ${
          s?.audioBlocked
            ? html`<div class="banner" part="sound-banner">
              <span>${t('call.soundBlocked')}</span>
              <button class="button primary" part="sound-button" type="button" @click=${() => void this.sessions.session?.startAudio()}>
                ${icons.sound}${t('call.enableSound')}
              </button>
            </div>`
            : nothing
        }
      </div>
      ${this.renderStage(s?.participants ?? [])}
      <div class="controls">${this.renderToolbar()}</div>
      <p id="shortcuts" class="visually-hidden">${this.noShortcuts ? '' : t('call.shortcuts')}</p>
      <p id="zoom-hint" class="visually-hidden">${t('call.zoomHint')}</p>
      <p class="visually-hidden" role="status" aria-live="polite">${this.announcement}</p>
    </section>`;
  }
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('');
}

VcCall.define('vc-call');

declare global {
  interface HTMLElementTagNameMap {
    'vc-call': VcCall;
  }
}
