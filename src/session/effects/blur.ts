/**
 * Background blur for the camera: MediaPipe selfie segmentation (WASM + WebGL, from @mediapipe/selfie_segmentation)
 * finds the person, a canvas draws the frame blurred with the person sharp on top, and the canvas's capture stream
 * is the processed track. A livekit-client video processor (`setProcessor`: the sender keeps its slot, the call is
 * not renegotiated) that also runs without a Room: the device check starts it on its own camera track and hands
 * the running instance on, so the preview, the waiting screen's self-view and the published video are one track.
 *
 * Loaded on first use only (a chunk of its own). MediaPipe's script, WASM, graph and model are copied into
 * dist/mediapipe/ by the build and served by the product; `locateFile` points there instead of MediaPipe's CDN.
 */
import type { Results, SelfieSegmentation } from '@mediapipe/selfie_segmentation';
import type { Track, TrackProcessor, VideoProcessorOptions } from 'livekit-client';

// Each file named once so the build copies it (rollup.config.mjs, workerAssets); MediaPipe asks for them by name.
const ASSETS = [
  new URL('./mediapipe/selfie_segmentation.js', import.meta.url),
  new URL('./mediapipe/selfie_segmentation.binarypb', import.meta.url),
  new URL('./mediapipe/selfie_segmentation_landscape.tflite', import.meta.url),
  new URL('./mediapipe/selfie_segmentation_solution_simd_wasm_bin.js', import.meta.url),
  new URL('./mediapipe/selfie_segmentation_solution_simd_wasm_bin.wasm', import.meta.url),
  new URL('./mediapipe/selfie_segmentation_solution_simd_wasm_bin.data', import.meta.url),
  new URL('./mediapipe/selfie_segmentation_solution_wasm_bin.js', import.meta.url),
  new URL('./mediapipe/selfie_segmentation_solution_wasm_bin.wasm', import.meta.url),
];
const SCRIPT = ASSETS[0]!;

/** Frames per second the blur aims for; a frame still being segmented is skipped, not queued. */
const MAX_FPS = 24;

type Segmenter = Pick<SelfieSegmentation, 'send' | 'onResults' | 'initialize'>;

/**
 * One segmenter per page (a WebGL context and about 6 MB of WASM): kept once loaded, shared by every blur.
 * Frames go through it one at a time; `draw` receives the result whose textures live only during the callback.
 */
let segmenter: Promise<Segmenter> | undefined;
let drawing: ((results: Results) => void) | undefined;
let queue: Promise<unknown> = Promise.resolve();

function loadSegmenter(): Promise<Segmenter> {
  segmenter ??= (async () => {
    const Solution = await loadScript();
    // MediaPipe's default prefix is jsDelivr; every file it asks for sits beside its script instead.
    const solution = new Solution({ locateFile: (file) => new URL(file, SCRIPT).href });
    solution.setOptions({ modelSelection: 1, selfieMode: false });
    solution.onResults((results) => drawing?.(results));
    await solution.initialize();
    return solution;
  })();
  segmenter.catch(() => (segmenter = undefined));
  return segmenter;
}

/** MediaPipe's solution is a classic script that defines `SelfieSegmentation` on the page's global object. */
function loadScript(): Promise<typeof SelfieSegmentation> {
  const defined = () => (globalThis as { SelfieSegmentation?: typeof SelfieSegmentation }).SelfieSegmentation;
  const existing = defined();
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = SCRIPT.href;
    script.crossOrigin = 'anonymous';
    script.onload = () => {
      const loaded = defined();
      if (loaded) resolve(loaded);
      else reject(new Error('MediaPipe selfie segmentation did not load.'));
    };
    script.onerror = () => reject(new Error(`Could not load ${SCRIPT.href}.`));
    document.head.append(script);
  });
}

function segment(image: HTMLVideoElement, draw: (results: Results) => void): Promise<void> {
  const run = queue.then(async () => {
    const solution = await loadSegmenter();
    drawing = draw;
    try {
      await solution.send({ image });
    } finally {
      drawing = undefined;
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

export class BackgroundBlur implements TrackProcessor<Track.Kind.Video, VideoProcessorOptions> {
  readonly name = 'vc-background-blur';
  processedTrack?: MediaStreamTrack;
  private source?: MediaStreamTrack;
  private readonly video = document.createElement('video');
  private canvas?: HTMLCanvasElement;
  private context?: CanvasRenderingContext2D;
  private timer?: ReturnType<typeof setTimeout>;
  private running = false;

  /**
   * Starts blurring `track`. Already running on that very track (the device check's instance, set on the
   * published track), it keeps going: the processed track stays the one the preview showed.
   */
  async init({ track }: Pick<VideoProcessorOptions, 'track'>): Promise<void> {
    if (this.running && track === this.source && this.processedTrack?.readyState === 'live') return;
    await loadSegmenter();
    this.source = track;
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.srcObject = new MediaStream([track]);
    await this.video.play();
    if (!this.canvas) {
      this.canvas = document.createElement('canvas');
      const { width = 640, height = 480 } = track.getSettings();
      [this.canvas.width, this.canvas.height] = [width, height];
      this.context = this.canvas.getContext('2d') ?? undefined;
      if (!this.context) throw new Error('No 2D canvas for the background blur.');
      this.processedTrack = this.canvas.captureStream().getVideoTracks()[0];
    }
    if (!this.running) {
      this.running = true;
      this.tick();
    }
  }

  /** Another camera (a device switch): the same processed track goes on with the new source. */
  async restart(options: Pick<VideoProcessorOptions, 'track'>): Promise<void> {
    await this.init(options);
  }

  async destroy(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.processedTrack?.stop();
    this.video.pause();
    this.video.srcObject = null;
    this.processedTrack = this.source = this.canvas = this.context = undefined;
  }

  private tick(): void {
    if (!this.running) return;
    // Its camera was stopped (the device check closed, the call ended before anyone took the blur over).
    if (this.source?.readyState === 'ended') return void this.destroy();
    const started = performance.now();
    const next = () => {
      if (this.running) this.timer = setTimeout(() => this.tick(), Math.max(0, 1000 / MAX_FPS - (performance.now() - started)));
    };
    if (this.video.readyState < 2) return next();
    segment(this.video, (results) => this.draw(results))
      .catch((error: unknown) => console.warn('[videoconsult] background blur skipped a frame:', error))
      .finally(next);
  }

  private draw({ image, segmentationMask }: Results): void {
    const { canvas, context } = this;
    if (!canvas || !context) return;
    const width = this.video.videoWidth || canvas.width;
    const height = this.video.videoHeight || canvas.height;
    if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
    context.save();
    // The mask, the frame kept only where the person is, then the blurred frame behind it.
    context.globalCompositeOperation = 'copy';
    context.drawImage(segmentationMask, 0, 0, width, height);
    context.globalCompositeOperation = 'source-in';
    context.drawImage(image, 0, 0, width, height);
    context.globalCompositeOperation = 'destination-over';
    context.filter = `blur(${Math.max(4, Math.round(width / 64))}px)`;
    context.drawImage(image, 0, 0, width, height);
    context.restore();
  }
}
