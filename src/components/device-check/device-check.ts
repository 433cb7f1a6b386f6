import { html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { VcDeviceCheckCompleteEvent } from '../../events/events.js';
import { VcElement } from '../../internal/vc-element.js';
import { acquire, checkNetwork, computeVerdict, listDevices, nextCamera, type DeviceLists } from '../../session/devices.js';
import type { DeviceCheckResult, DeviceStatus, NetworkStatus } from '../../session/types.js';
import { deviceCheckStyles } from './device-check.styles.js';

const STORAGE_KEY = 'videoconsult.devices';

/**
 * @tagname vc-device-check
 * Checks camera, microphone, speaker and the connection to the SFU, and explains how to fix each failure.
 * Nothing leaves the browser; device choices are stored locally only when the host sets `remember-devices`.
 *
 * @fires vc-device-check-complete - The user continued; `detail.result` is the verdict, `detail.tracks` the live
 *   tracks (the receiver owns and must stop them).
 * @fires vc-error - An attribute has an invalid value.
 * @csspart base - The wrapper.
 * @csspart preview - The camera preview video.
 * @csspart meter - The microphone level meter.
 * @csspart results - The list of checks.
 * @csspart verdict - The overall verdict.
 * @csspart continue-button - The continue button.
 * @csspart switch-camera-button - Switches to the next camera (front/back on a phone; shown with more than one).
 * @cssprop --vc-device-check-background - Background (default `--vc-color-surface`).
 * @cssprop --vc-device-check-padding - Inner spacing (default `--vc-space-l`).
 * @cssprop --vc-device-check-radius - Corner radius (default `--vc-radius-m`).
 */
export class VcDeviceCheck extends VcElement {
  static override styles = [...VcElement.styles, deviceCheckStyles];

  /** SFU URL (`ws(s)://` or `http(s)://`) for the connection check; without it the network is "not checked". */
  @property({ attribute: 'livekit-url' }) livekitUrl = '';
  /**
   * The host allows remembering device choices in this browser's localStorage; the user still opts in with a
   * checkbox. Without it nothing is stored.
   */
  @property({ type: Boolean, attribute: 'remember-devices' }) rememberDevices = false;
  /** Label of the continue button when everything works (defaults to "Continue"). */
  @property({ attribute: 'continue-label' }) continueLabel = '';

  @state() private camera: DeviceStatus | 'pending' = 'pending';
  @state() private microphone: DeviceStatus | 'pending' = 'pending';
  @state() private network: NetworkStatus | 'pending' = 'pending';
  @state() private level = 0;
  @state() private devices: DeviceLists = { cameras: [], microphones: [], speakers: [] };
  @state() private cameraId = '';
  @state() private microphoneId = '';
  @state() private remember = false;

  @query('video') private video?: HTMLVideoElement;

  private cameraTrack?: MediaStreamTrack;
  private microphoneTrack?: MediaStreamTrack;
  private audioContext?: AudioContext;
  private meterFrame = 0;
  private handedOver = false;
  private run = 0;

  /** The current result, or undefined while checks are running. */
  get result(): DeviceCheckResult | undefined {
    if (this.camera === 'pending' || this.microphone === 'pending' || this.network === 'pending') return undefined;
    return computeVerdict(this.camera, this.microphone, this.network);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.rememberDevices) this.restoreChoices();
    if (!this.handedOver) void this.check();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.release(!this.handedOver);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('livekitUrl') && this.livekitUrl && !/^(wss?|https?):\/\/\S+$/.test(this.livekitUrl)) {
      this.reportInvalid('livekit-url', this.livekitUrl, 'a ws://, wss://, http:// or https:// URL');
    }
  }

  override updated(): void {
    if (this.video && this.cameraTrack && (this.video.srcObject as MediaStream | null)?.getVideoTracks()[0] !== this.cameraTrack) {
      this.video.srcObject = new MediaStream([this.cameraTrack]);
    }
  }

  /** Runs every check again (after the user fixed something). */
  async check(): Promise<void> {
    const run = ++this.run;
    this.release(true);
    this.camera = this.microphone = this.network = 'pending';
    const [camera, microphone, network] = await Promise.all([
      acquire('video', this.cameraId || undefined),
      acquire('audio', this.microphoneId || undefined),
      checkNetwork(this.livekitUrl || undefined),
    ]);
    if (run !== this.run || !this.isConnected) {
      camera.track?.stop();
      microphone.track?.stop();
      return;
    }
    this.cameraTrack = camera.track;
    this.microphoneTrack = microphone.track;
    this.camera = camera.status;
    this.microphone = microphone.status;
    this.network = network;
    this.devices = await listDevices().catch(() => this.devices);
    this.startMeter();
  }

  private release(stopTracks: boolean): void {
    cancelAnimationFrame(this.meterFrame);
    void this.audioContext?.close().catch(() => undefined);
    this.audioContext = undefined;
    if (stopTracks) {
      this.cameraTrack?.stop();
      this.microphoneTrack?.stop();
    }
    this.cameraTrack = this.microphoneTrack = undefined;
    if (this.video) this.video.srcObject = null;
    this.level = 0;
  }

  private startMeter(): void {
    if (!this.microphoneTrack) return;
    const context = new AudioContext();
    this.audioContext = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(new MediaStream([this.microphoneTrack])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const tick = () => {
      if (this.audioContext !== context) return;
      analyser.getFloatTimeDomainData(samples);
      const rms = Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
      const level = Math.min(1, rms * 4);
      if (Math.abs(level - this.level) > 0.02) this.level = level;
      this.meterFrame = requestAnimationFrame(tick);
    };
    tick();
  }

  private playTestSound(): void {
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 660;
    gain.gain.setValueAtTime(0.2, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.8);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.stop(context.currentTime + 0.8);
    oscillator.onended = () => void context.close();
  }

  private choose(kind: 'camera' | 'microphone', event: Event): void {
    const id = (event.target as HTMLSelectElement).value;
    if (kind === 'camera') this.cameraId = id;
    else this.microphoneId = id;
    this.store();
    void this.check();
  }

  /** One tap to the next camera (the phone's back camera, to show something), like choosing it in the list. */
  private switchCamera(): void {
    const next = nextCamera(this.devices.cameras, this.cameraTrack?.getSettings().deviceId ?? this.cameraId);
    if (!next) return;
    this.cameraId = next.deviceId;
    this.store();
    void this.check();
  }

  private store(): void {
    try {
      if (this.rememberDevices && this.remember) {
        localStorage.setItem(STORAGE_KEY, JSON.stringify({ camera: this.cameraId, microphone: this.microphoneId }));
      } else {
        localStorage.removeItem(STORAGE_KEY);
      }
    } catch {
      /* storage may be disabled in a sandboxed iframe: remembering is a convenience */
    }
  }

  private toggleRemember(event: Event): void {
    this.remember = (event.target as HTMLInputElement).checked;
    this.store();
  }

  private restoreChoices(): void {
    try {
      const raw = localStorage.getItem(STORAGE_KEY);
      if (!raw) return;
      const saved = JSON.parse(raw) as { camera?: unknown; microphone?: unknown };
      if (typeof saved.camera === 'string') this.cameraId = saved.camera;
      if (typeof saved.microphone === 'string') this.microphoneId = saved.microphone;
      this.remember = true;
    } catch {
      /* ignore */
    }
  }

  private continue(): void {
    const result = this.result;
    if (!result) return;
    const tracks = [this.cameraTrack, this.microphoneTrack].filter((t): t is MediaStreamTrack => !!t);
    this.handedOver = true;
    this.release(false);
    this.dispatchEvent(new VcDeviceCheckCompleteEvent({ result, tracks }));
  }

  private renderRow(label: string, status: string, isNetwork = false) {
    const ok = status === 'ok';
    const fix = this.fixFor(status);
    return html`<li class=${ok ? 'ok' : status === 'pending' || status === 'unknown' ? '' : 'problem'}>
      <span><strong>${label}:</strong> ${status === 'pending' ? this.localize.t('dc.checking') : this.statusText(status, isNetwork)}</span>
      ${fix ? html`<span class="fix">${fix}</span>` : nothing}
    </li>`;
  }

  private statusText(status: string, isNetwork: boolean): string {
    if (isNetwork) return this.localize.t(`dc.network.${status as NetworkStatus}`);
    return this.localize.t(`dc.status.${status as DeviceStatus}`);
  }

  private fixFor(status: string): string | undefined {
    if (status === 'denied' || status === 'missing' || status === 'busy' || status === 'blocked') {
      return this.localize.t(`dc.fix.${status}`);
    }
    return undefined;
  }

  private renderSelect(kind: 'camera' | 'microphone', list: MediaDeviceInfo[], selected: string) {
    if (list.length < 2) return nothing;
    const label = this.localize.t(kind === 'camera' ? 'dc.camera' : 'dc.microphone');
    return html`<div class="field">
      <label for="${kind}-select">${label}</label>
      <select id="${kind}-select" part="${kind}-select" @change=${(e: Event) => this.choose(kind, e)}>
        ${list.map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === selected}>${d.label || `${label} ${i + 1}`}</option>`)}
      </select>
    </div>`;
  }

  override render() {
    const t = this.localize.t.bind(this.localize);
    const result = this.result;
    const verdictKey = result ? (`dc.verdict.${result.verdict}` as const) : undefined;
    return html`<section part="base" class="base" aria-labelledby="title">
      <h2 id="title" tabindex="-1" data-step-focus>${t('dc.title')}</h2>
      <div class="layout">
        <video part="preview" aria-label=${t('dc.cameraPreview')} autoplay playsinline muted ?hidden=${this.camera !== 'ok'}></video>
        <div class="controls">
          ${
            this.devices.cameras.length > 1
              ? html`<button class="button" part="switch-camera-button" type="button" @click=${this.switchCamera}>${t('call.switchCamera')}</button>`
              : nothing
          }
          ${this.renderSelect('camera', this.devices.cameras, this.cameraId)}
          ${this.renderSelect('microphone', this.devices.microphones, this.microphoneId)}
          <div class="field">
            <label for="meter">${t('dc.micLevel')}</label>
            <meter id="meter" part="meter" min="0" max="1" .value=${this.level}></meter>
          </div>
          <button class="button" part="test-sound-button" type="button" @click=${this.playTestSound}>${t('dc.testSound')}</button>
          <span class="fix">${t('dc.testSoundHint')}</span>
          ${
            this.rememberDevices
              ? html`<label class="check"><input type="checkbox" part="remember-checkbox" .checked=${this.remember}
                @change=${this.toggleRemember} /> ${t('dc.remember')}</label>`
              : nothing
          }
        </div>
      </div>
      <ul part="results">
        ${this.renderRow(t('dc.camera'), this.camera)} ${this.renderRow(t('dc.microphone'), this.microphone)}
        ${this.renderRow(t('dc.network'), this.network, true)}
      </ul>
      <p part="verdict" class="verdict ${result?.verdict ?? ''}" role="status" aria-live="polite">
        ${verdictKey ? t(verdictKey) : t('dc.checking')}
      </p>
      <div class="actions">
        <button class="button" part="retry-button" type="button" @click=${() => void this.check()}>${t('dc.retry')}</button>
        <button class="button primary" part="continue-button" type="button" ?disabled=${!result} @click=${this.continue}>
          ${result && result.verdict !== 'ok' ? t('dc.continueAnyway') : this.continueLabel || t('dc.continue')}
        </button>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vc-device-check': VcDeviceCheck;
  }
}

VcDeviceCheck.define('vc-device-check');
