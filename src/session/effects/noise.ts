/**
 * Noise suppression for the published microphone: RNNoise (WebAssembly, from @sapphi-red/web-noise-suppressor) in
 * an AudioWorklet, as a livekit-client audio processor (the sender keeps its track slot: no renegotiation).
 * Loaded on first use only (a chunk of its own); the worklet and the WASM files are copied into dist/ by the
 * build and served by the product beside the SDK, never fetched from anywhere else.
 */
import { loadRnnoise, RnnoiseWorkletNode } from '@sapphi-red/web-noise-suppressor';
import type { AudioProcessorOptions, Track, TrackProcessor } from 'livekit-client';

let wasm: Promise<ArrayBuffer> | undefined;

export class NoiseSuppressor implements TrackProcessor<Track.Kind.Audio, AudioProcessorOptions> {
  readonly name = 'vc-noise-suppression';
  processedTrack?: MediaStreamTrack;
  private node?: RnnoiseWorkletNode;
  private source?: MediaStreamAudioSourceNode;

  async init({ track, audioContext }: AudioProcessorOptions): Promise<void> {
    wasm ??= loadRnnoise({
      url: new URL('./rnnoise.wasm', import.meta.url).href,
      simdUrl: new URL('./rnnoise_simd.wasm', import.meta.url).href,
    });
    const wasmBinary = await wasm.catch((error: unknown) => {
      wasm = undefined;
      throw error;
    });
    await audioContext.audioWorklet.addModule(new URL('./rnnoise-worklet.mjs', import.meta.url).href);
    if (audioContext.state === 'suspended') await audioContext.resume().catch(() => undefined);
    this.source = audioContext.createMediaStreamSource(new MediaStream([track]));
    this.node = new RnnoiseWorkletNode(audioContext, { maxChannels: 1, wasmBinary });
    const destination = audioContext.createMediaStreamDestination();
    this.source.connect(this.node).connect(destination);
    this.processedTrack = destination.stream.getAudioTracks()[0];
  }

  async restart(options: AudioProcessorOptions): Promise<void> {
    await this.destroy();
    await this.init(options);
  }

  async destroy(): Promise<void> {
    this.source?.disconnect();
    this.node?.disconnect();
    this.node?.destroy();
    this.processedTrack?.stop();
    this.source = this.node = this.processedTrack = undefined;
  }
}
