import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * A live microphone level (0–1) for a track the page already has: no second getUserMedia, the track is only
 * read. Re-renders the host when the level moves noticeably; stops with `stop()` or when the host leaves.
 */
export class MicLevelController implements ReactiveController {
  level = 0;
  private context?: AudioContext;
  private track?: MediaStreamTrack;
  private frame = 0;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.stop();
  }

  /** Follows `track` (idempotent for the same track). */
  start(track: MediaStreamTrack): void {
    if (track === this.track) return;
    this.stop();
    this.track = track;
    let context: AudioContext;
    try {
      context = new AudioContext();
    } catch {
      return;
    }
    this.context = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const tick = (): void => {
      if (this.context !== context) return;
      analyser.getFloatTimeDomainData(samples);
      const rms = Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
      const level = Math.min(1, rms * 4);
      if (Math.abs(level - this.level) > 0.02) {
        this.level = level;
        this.host.requestUpdate();
      }
      this.frame = requestAnimationFrame(tick);
    };
    tick();
  }

  stop(): void {
    cancelAnimationFrame(this.frame);
    void this.context?.close().catch(() => undefined);
    this.context = undefined;
    this.track = undefined;
    this.level = 0;
  }
}
