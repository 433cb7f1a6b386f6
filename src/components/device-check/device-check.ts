import { html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { MicLevelController } from '../../controllers/mic-level.js';
import { VcDeviceCheckCompleteEvent } from '../../events/events.js';
import { effectToggle } from '../../internal/effect-toggle.js';
import { toggleGroupStyles } from '../../internal/effect-toggle.styles.js';
import { VcElement } from '../../internal/vc-element.js';
import { acquire, checkNetwork, computeVerdict, listDevices, nextCamera, type DeviceLists } from '../../session/devices.js';
import type { BackgroundBlur } from '../../session/effects/blur.js';
import { effectSupport, loadBlur } from '../../session/effects/support.js';
import type { DeviceCheckResult, DeviceStatus, NetworkStatus } from '../../session/types.js';
import { deviceCheckStyles } from './device-check.styles.js';

const STORAGE_KEY = 'videoconsult.devices';

/**
 * @tagname vc-device-check
 * Checks camera, microphone, speaker and the connection to the SFU, and explains how to fix each failure.
 * Nothing leaves the browser; device choices are stored locally only when the host sets `remember-devices`.
 *
 * Background blur and noise suppression can be switched on here (blur shows in the preview at once, loading its
 * model on first use); the choice goes on into the call, where the same blurred track is published.
 *
 * @fires vc-device-check-complete - The user continued; `detail.result` is the verdict, `detail.tracks` the live
 *   tracks (the receiver owns and must stop them), `detail.effects` the chosen effects (with the running blur).
 * @fires vc-error - An attribute has an invalid value.
 * @csspart base - The wrapper.
 * @csspart preview - The camera preview video.
 * @csspart meter - The microphone level meter.
 * @csspart results - The list of checks.
 * @csspart verdict - The overall verdict.
 * @csspart continue-button - The continue button.
 * @csspart switch-camera-button - Switches to the next camera (front/back on a phone; shown with more than one).
 * @csspart blur-button - Background blur toggle (`aria-pressed`; `aria-disabled` where the browser cannot run it).
 * @csspart noise-button - Noise suppression toggle for the call (`aria-pressed`; `aria-disabled` where unsupported).
 * @csspart effect-error - Says that an effect could not start (it stays off).
 * @cssprop --vc-device-check-background - Background (default `--vc-color-surface`).
 * @cssprop --vc-device-check-padding - Inner spacing (default `--vc-space-l`).
 * @cssprop --vc-device-check-radius - Corner radius (default `--vc-radius-m`).
 */
export class VcDeviceCheck extends VcElement {
  static override styles = [...VcElement.styles, toggleGroupStyles, deviceCheckStyles];

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
  @state() private blurOn = false;
  @state() private blurStarting = false;
  @state() private noiseSuppression = false;
  @state() private effectFailed = false;
  @state() private devices: DeviceLists = { cameras: [], microphones: [], speakers: [] };
  @state() private cameraId = '';
  @state() private microphoneId = '';
  @state() private remember = false;

  @query('video') private video?: HTMLVideoElement;

  private cameraTrack?: MediaStreamTrack;
  private microphoneTrack?: MediaStreamTrack;
  private readonly micLevel = new MicLevelController(this);
  /** The blur on the camera track while it is switched on: its processed track is the preview. */
  private blurProcessor?: BackgroundBlur;
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
    void this.blurProcessor?.destroy();
    this.blurProcessor = undefined;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('livekitUrl') && this.livekitUrl && !/^(wss?|https?):\/\/\S+$/.test(this.livekitUrl)) {
      this.reportInvalid('livekit-url', this.livekitUrl, 'a ws://, wss://, http:// or https:// URL');
    }
  }

  override updated(): void {
    const preview = this.blurProcessor?.processedTrack ?? this.cameraTrack;
    if (this.video && preview && (this.video.srcObject as MediaStream | null)?.getVideoTracks()[0] !== preview) {
      this.video.srcObject = new MediaStream([preview]);
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
    if (this.microphoneTrack) this.micLevel.start(this.microphoneTrack);
    // Blur was on: it goes on with the newly chosen camera (same processed track), or off without one.
    if (this.blurOn) await this.startBlur();
  }

  private release(stopTracks: boolean): void {
    this.micLevel.stop();
    if (stopTracks) {
      this.cameraTrack?.stop();
      this.microphoneTrack?.stop();
    }
    // Handed over, the blur now belongs to the receiver with the camera track it runs on.
    if (!stopTracks) this.blurProcessor = undefined;
    this.cameraTrack = this.microphoneTrack = undefined;
    if (this.video) this.video.srcObject = null;
  }

  private async toggleBlur(): Promise<void> {
    this.effectFailed = false;
    if (this.blurOn) {
      this.blurOn = false;
      void this.blurProcessor?.destroy();
      this.blurProcessor = undefined;
      return;
    }
    this.blurOn = true;
    await this.startBlur();
  }

  /** Loads the blur on first use (its chunk, MediaPipe's WASM and model, from beside the SDK) and runs it on the camera. */
  private async startBlur(): Promise<void> {
    const camera = this.cameraTrack;
    if (!camera) {
      this.blurOn = false;
      return;
    }
    this.blurStarting = true;
    let processor: BackgroundBlur | undefined;
    try {
      processor = this.blurProcessor ?? new (await loadBlur()).BackgroundBlur();
      this.blurProcessor = processor;
      await processor.init({ track: camera });
      // Switched off, or the camera changed, while the model loaded.
      if (!this.blurOn || this.blurProcessor !== processor || this.cameraTrack !== camera) return;
    } catch (error) {
      // Switched off (another processor since, or none) meanwhile: that start was abandoned, it did not fail.
      if (!this.blurOn || (processor && this.blurProcessor !== processor)) return;
      console.warn('[videoconsult] background blur could not start:', error);
      void this.blurProcessor?.destroy();
      this.blurProcessor = undefined;
      this.blurOn = false;
      this.effectFailed = true;
    } finally {
      this.blurStarting = false;
      this.requestUpdate();
    }
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
    const blurProcessor = this.blurOn ? this.blurProcessor : undefined;
    const effects = { blur: !!blurProcessor, noiseSuppression: this.noiseSuppression, ...(blurProcessor ? { blurProcessor } : {}) };
    this.handedOver = true;
    this.release(false);
    this.dispatchEvent(new VcDeviceCheckCompleteEvent({ result, tracks, effects }));
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

  private renderEffects() {
    const t = this.localize.t.bind(this.localize);
    const support = effectSupport();
    const unsupported = (this.camera === 'ok' && !support.blur) || (this.microphone === 'ok' && !support.noiseSuppression);
    return html`<div class="toggle-group" role="group" aria-label=${`${t('fx.blur')}, ${t('fx.noise')}`}>
        ${
          this.camera === 'ok'
            ? effectToggle({
                part: 'blur-button',
                label: t('fx.blur'),
                pressed: this.blurOn && !!support.blur,
                supported: support.blur,
                unavailable: t('fx.unavailable'),
                busy: this.blurStarting,
                onToggle: () => void this.toggleBlur(),
              })
            : nothing
        }
        ${
          this.microphone === 'ok'
            ? effectToggle({
                part: 'noise-button',
                label: t('fx.noise'),
                pressed: this.noiseSuppression && support.noiseSuppression,
                supported: support.noiseSuppression,
                unavailable: t('fx.unavailable'),
                onToggle: () => (this.noiseSuppression = !this.noiseSuppression),
              })
            : nothing
        }
      </div>
      <span class="fix" part="effect-error" role="status">${this.effectFailed ? t('fx.failed') : unsupported ? t('fx.unavailable') : ''}</span>`;
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
            <meter id="meter" part="meter" min="0" max="1" .value=${this.micLevel.level}></meter>
          </div>
          ${this.renderEffects()}
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
