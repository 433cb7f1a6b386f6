/**
 * What this browser can run of the call's effects, checked before anything is loaded: MediaPipe shows a blocking
 * alert() when it finds no WebGL, and neither effect can run without WebAssembly. A toggle the browser cannot run
 * says so and stays off. Part of the first load on purpose: a few lines, no model, no WASM.
 */
import type { MediaEffects } from '../types.js';

let webgl: { available: boolean; software: boolean } | undefined;

/** Renderers that run WebGL on the CPU (Chromium without a usable GPU, Mesa, Windows' fallback). */
const SOFTWARE_RENDERER = /SwiftShader|llvmpipe|softpipe|Software|Basic Render/i;

/** One probe per page: every WebGL context counts against the browser's limit (about 16). */
function probeWebGL(): { available: boolean; software: boolean } {
  if (webgl === undefined) {
    try {
      const canvas = document.createElement('canvas');
      const context = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
      const info = context?.getExtension('WEBGL_debug_renderer_info');
      const renderer = info ? String(context?.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
      webgl = { available: !!context, software: SOFTWARE_RENDERER.test(renderer) };
      context?.getExtension('WEBGL_lose_context')?.loseContext();
    } catch {
      webgl = { available: false, software: false };
    }
  }
  return webgl;
}

/** WebGL emulated on the CPU (where the browser names its renderer): the blur's model then runs in WASM. */
export function softwareWebGL(): boolean {
  return probeWebGL().software;
}

export function effectSupport(): MediaEffects {
  const wasm = typeof globalThis.WebAssembly === 'object' && typeof globalThis.WebAssembly.instantiate === 'function';
  if (!wasm || typeof document === 'undefined') return { blur: false, noiseSuppression: false };
  const canvas = typeof HTMLCanvasElement === 'function' && 'captureStream' in HTMLCanvasElement.prototype;
  // The background is blurred with the 2D canvas filter (no filter in Safari before 18).
  const filter = typeof CanvasRenderingContext2D === 'function' && 'filter' in CanvasRenderingContext2D.prototype;
  return {
    blur: canvas && filter && probeWebGL().available,
    noiseSuppression: typeof AudioWorkletNode === 'function',
  };
}

/** The blur's chunk (MediaPipe's files load only when its processor starts). */
export function loadBlur(): Promise<typeof import('./blur.js')> {
  return import('./blur.js');
}
