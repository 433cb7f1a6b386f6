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
import type { Options, Results, SelfieSegmentation } from '@mediapipe/selfie_segmentation';
import type { Track, TrackProcessor, VideoProcessorOptions } from 'livekit-client';
import { softwareWebGL } from './support.js';

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

/** The output's frame-rate cap: enough for a face in a consultation, and what a 2-core machine can blur. */
const MAX_FPS = 15;
/** Frames are segmented at this width (the landscape model's input is 256×144): MediaPipe's upload stays small. */
const SEGMENT_WIDTH = 256;
/**
 * The background is blurred by drawing it at 1/8 size with a small filter and scaling it back up with smoothing:
 * a few hundred pixels to filter instead of a full-size `filter: blur()` (the dearest step in software rendering).
 */
const BACKGROUND_SCALE = 8;
const BACKGROUND_FILTER = 'blur(2px)';

type Segmenter = Pick<SelfieSegmentation, 'send' | 'onResults' | 'initialize'>;
/** MediaPipe reads this option (its graph's `use_cpu_inference`) though its typings do not declare it. */
type SegmenterOptions = Options & { useCpuInference?: boolean };

/**
 * One segmenter per page (a WebGL context and about 6 MB of WASM): kept once loaded, shared by every blur.
 * Frames go through it one at a time; `drawing` receives the result whose mask lives only during the callback.
 */
let segmenter: Promise<Segmenter> | undefined;
let drawing: ((results: Results) => void) | undefined;
let queue: Promise<unknown> = Promise.resolve();

function loadSegmenter(): Promise<Segmenter> {
  segmenter ??= (async () => {
    const Solution = await loadScript();
    // MediaPipe's default prefix is jsDelivr; every file it asks for sits beside its script instead.
    const solution = new Solution({ locateFile: (file) => new URL(file, SCRIPT).href });
    // Where WebGL is emulated on the CPU (no GPU, or a blocked driver), the model runs about ten times cheaper in
    // MediaPipe's WASM than in emulated WebGL shaders; with a real GPU, MediaPipe's default (WebGL) stays.
    const options: SegmenterOptions = { modelSelection: 1, selfieMode: false, useCpuInference: softwareWebGL() };
    solution.setOptions(options);
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

function segment(image: HTMLCanvasElement, draw: (results: Results) => void): Promise<void> {
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

function canvas2d(width = 1, height = 1): { canvas: HTMLCanvasElement; context: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [width, height];
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas for the background blur.');
  return { canvas, context };
}

function resize({ canvas }: { canvas: HTMLCanvasElement }, width: number, height: number): void {
  if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
}

/**
 * Output frames follow the camera's frames (`requestVideoFrameCallback`), at most MAX_FPS, each drawn at once and
 * never queued. A frame is segmented when the segmenter is free and drawn with its own mask; frames that arrive
 * while it is busy (a slow machine) are drawn with the latest mask, so the output keeps the camera's pace and the
 * mask only lags. Until the first mask, the whole frame is blurred: nobody ever receives an unblurred frame.
 */
export class BackgroundBlur implements TrackProcessor<Track.Kind.Video, VideoProcessorOptions> {
  readonly name = 'vc-background-blur';
  processedTrack?: MediaStreamTrack;
  private source?: MediaStreamTrack;
  private readonly video = document.createElement('video');
  private output?: ReturnType<typeof canvas2d>;
  /** The frame being segmented, full size, held until its mask arrives. */
  private readonly held = canvas2d();
  /** The same frame at SEGMENT_WIDTH, what MediaPipe gets. */
  private readonly small = canvas2d();
  /** The latest mask (alpha: the person), at SEGMENT_WIDTH. */
  private readonly mask = canvas2d();
  private readonly person = canvas2d();
  private readonly background = canvas2d();
  private segmenting = false;
  /** A live frame was drawn while the held one was segmented: drawing the held one then would step back in time. */
  private drewLive = false;
  private nextDue = 0;
  private frameRequest?: number;
  private timer?: ReturnType<typeof setTimeout>;
  private running = false;
  /** The start in progress: starts run one after another (a second one would abort the first one's play()). */
  private starting?: Promise<void>;
  /** Bumped by destroy(): a start it overtook stops quietly instead of going on or failing. */
  private generation = 0;

  /**
   * Starts blurring `track`. Already running on that very track (the device check's instance, set on the
   * published track), it keeps going: the processed track stays the one the preview showed. Calls that overlap
   * (the device check's finished check and the user's tap at the same moment) wait for each other.
   */
  async init(options: Pick<VideoProcessorOptions, 'track'>): Promise<void> {
    const previous = this.starting;
    const start = (async () => {
      await previous?.catch(() => undefined);
      await this.start(options.track);
    })();
    this.starting = start;
    try {
      await start;
    } finally {
      if (this.starting === start) this.starting = undefined;
    }
  }

  private async start(track: MediaStreamTrack): Promise<void> {
    if (this.running && track === this.source && this.processedTrack?.readyState === 'live') return;
    const generation = this.generation;
    await loadSegmenter();
    if (generation !== this.generation) return;
    this.source = track;
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.srcObject = new MediaStream([track]);
    try {
      await this.video.play();
    } catch (error) {
      // Destroyed while the camera started: nothing to report.
      if (generation !== this.generation) return;
      throw error;
    }
    if (generation !== this.generation) return;
    if (!this.output) {
      const { width = 640, height = 480 } = track.getSettings();
      this.output = canvas2d(width, height);
      this.processedTrack = this.output.canvas.captureStream().getVideoTracks()[0];
    }
    if (!this.running) {
      this.running = true;
      this.schedule();
    }
  }

  /** Another camera (a device switch): the same processed track goes on with the new source. */
  async restart(options: Pick<VideoProcessorOptions, 'track'>): Promise<void> {
    await this.init(options);
  }

  async destroy(): Promise<void> {
    this.generation++;
    this.running = false;
    this.unschedule();
    this.processedTrack?.stop();
    this.video.pause();
    this.video.srcObject = null;
    this.processedTrack = this.source = this.output = undefined;
  }

  /**
   * The next camera frame, or a timer where that callback is missing or held back (a hidden tab renders no
   * frames): whichever comes first.
   */
  private schedule(): void {
    if (!this.running) return;
    const interval = 1000 / MAX_FPS;
    if ('requestVideoFrameCallback' in this.video) {
      this.frameRequest = this.video.requestVideoFrameCallback(() => this.onFrame());
      this.timer = setTimeout(() => this.onFrame(), 3 * interval);
    } else {
      this.timer = setTimeout(() => this.onFrame(), interval);
    }
  }

  private unschedule(): void {
    if (this.frameRequest !== undefined) this.video.cancelVideoFrameCallback(this.frameRequest);
    clearTimeout(this.timer);
    this.frameRequest = this.timer = undefined;
  }

  private onFrame(): void {
    this.unschedule();
    if (!this.running) return;
    // Its camera was stopped (the device check closed, the call ended before anyone took the blur over).
    if (this.source?.readyState === 'ended') return void this.destroy();
    const now = performance.now();
    // Due times advance by the interval (not from `now`), so a 20 fps camera gives 15 fps, not every other frame.
    if (now >= this.nextDue - 4 && this.video.readyState >= 2) {
      this.nextDue = Math.max(this.nextDue + 1000 / MAX_FPS, now);
      this.frame();
    }
    this.schedule();
  }

  private frame(): void {
    const width = this.video.videoWidth;
    const height = this.video.videoHeight;
    if (!width || !height || !this.output) return;
    if (this.segmenting) {
      this.drewLive = true;
      return this.draw(this.video);
    }
    this.segmenting = true;
    this.drewLive = false;
    resize(this.held, width, height);
    this.held.context.drawImage(this.video, 0, 0);
    resize(this.small, SEGMENT_WIDTH, Math.round((SEGMENT_WIDTH * height) / width));
    this.small.context.drawImage(this.held.canvas, 0, 0, this.small.canvas.width, this.small.canvas.height);
    segment(this.small.canvas, ({ segmentationMask }) => {
      resize(this.mask, this.small.canvas.width, this.small.canvas.height);
      this.mask.context.globalCompositeOperation = 'copy';
      this.mask.context.drawImage(segmentationMask, 0, 0, this.mask.canvas.width, this.mask.canvas.height);
      if (this.running && !this.drewLive) this.draw(this.held.canvas);
    })
      .catch((error: unknown) => console.warn('[videoconsult] background blur skipped a frame:', error))
      .finally(() => (this.segmenting = false));
  }

  /** The person (the frame where the mask is) over the frame blurred. */
  private draw(frame: HTMLVideoElement | HTMLCanvasElement): void {
    const { output, person, background, mask } = this;
    if (!output) return;
    const width = frame instanceof HTMLVideoElement ? frame.videoWidth : frame.width;
    const height = frame instanceof HTMLVideoElement ? frame.videoHeight : frame.height;
    resize(output, width, height);
    resize(person, width, height);
    resize(background, Math.ceil(width / BACKGROUND_SCALE), Math.ceil(height / BACKGROUND_SCALE));

    person.context.globalCompositeOperation = 'copy';
    person.context.drawImage(frame, 0, 0, width, height);
    person.context.globalCompositeOperation = 'destination-in';
    person.context.drawImage(mask.canvas, 0, 0, width, height);

    // 'medium' downscales through mipmaps (an average over every pixel, no shimmer); upscaling smooths the rest.
    background.context.imageSmoothingQuality = 'medium';
    background.context.filter = BACKGROUND_FILTER;
    background.context.globalCompositeOperation = 'copy';
    background.context.drawImage(frame, 0, 0, background.canvas.width, background.canvas.height);

    output.context.imageSmoothingQuality = 'medium';
    output.context.globalCompositeOperation = 'copy';
    output.context.drawImage(background.canvas, 0, 0, width, height);
    output.context.globalCompositeOperation = 'source-over';
    output.context.drawImage(person.canvas, 0, 0);
  }
}
