/**
 * The gpu backend on WebGL2, for a browser without WebGPU: the same gpu.js kernels, compiled by
 * gpu.js's `webgl2` mode to fragment shaders that render into float32 textures. Results stay on the
 * device as textures (`pipeline: true`) that the next kernel samples; values reach JavaScript only
 * through `await t.data()` (a `readPixels` of the texture). The hand-written WGSL kernels need WebGPU,
 * so matmul and the convolutions run as their gpu.js kernels here.
 *
 * Limits, beyond WebGPU's (float32 only, int32 as float32 exact below 2²⁴, 2²⁴ elements per tensor):
 * the context must render to float32 textures (`EXT_color_buffer_float`, refused otherwise), and the
 * shaders run at `highp`, which WebGL2 guarantees to be IEEE float32 in range and precision but not in
 * NaN handling: a NaN may compare as a number, so NaN propagation through max/min/argmax is not promised.
 */
import type { CompiledKernel, DeviceIo, DeviceResult, GpuJs } from './device-io.ts';
import type { KernelThis } from './engine.ts';

/** A gpu.js WebGL texture handle, as far as reads and frees use it. */
interface GlTexture extends DeviceResult {
  toArray(): ArrayLike<number>;
  readonly texture: WebGLTexture & { _refs?: number };
  readonly context: WebGL2RenderingContext;
  readonly kernel?: { readonly context?: unknown };
}

/** The gpu.js `GPU` constructor in webgl2 mode, with the canvas and context we made. */
export type WebGl2GpuClass = new (settings: { mode: 'webgl2'; canvas: HTMLCanvasElement | OffscreenCanvas; context: WebGL2RenderingContext }) => GpuJs;

/** Copies a float32 array into a float32 texture of the same length (one kernel; its output size is set per call). */
function uploadKernel(this: KernelThis, x: number[]): number {
  return x[this.thread.x]!;
}

/** gpu.js settings for every kernel: one float32 per texel, computed at highp. */
const kernelSettings = { precision: 'single', tactic: 'precision', optimizeFloatMemory: false } as const;

/** A WebGL2 context that can render float32, or an error saying what is missing. */
function float32Context(): { canvas: HTMLCanvasElement | OffscreenCanvas; context: WebGL2RenderingContext } {
  const canvas = typeof document !== 'undefined' ? document.createElement('canvas') : typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : null;
  if (canvas === null) throw new Error('initGpu: no WebGL2 here (no canvas: WebGL2 needs a browser page or worker)');
  const context = canvas.getContext('webgl2', { antialias: false, depth: false, stencil: false, premultipliedAlpha: false, preserveDrawingBuffer: false }) as WebGL2RenderingContext | null;
  if (context === null) throw new Error('initGpu: this browser gives no WebGL2 context');
  if (context.getExtension('EXT_color_buffer_float') === null) {
    throw new Error('initGpu: WebGL2 here cannot render to float32 textures (no EXT_color_buffer_float), so the gpu backend cannot hold its results');
  }
  return { canvas, context };
}

/** What the context says renders it: the unmasked renderer where the browser tells it (e.g. `ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))`). */
function rendererOf(gl: WebGL2RenderingContext): string {
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(debug === null ? gl.RENDERER : debug.UNMASKED_RENDERER_WEBGL) || 'unknown renderer');
}

/** Start gpu.js in webgl2 mode on a new float32-capable context: the `GPU`, its `DeviceIo`, and the renderer's name. */
export function startWebGl2(GPU: WebGl2GpuClass): { gpu: GpuJs; io: DeviceIo; adapter: string } {
  const { canvas, context } = float32Context();
  const gpu = new GPU({ mode: 'webgl2', canvas, context });
  let upload: CompiledKernel | null = null;
  const io: DeviceIo = {
    kind: 'webgl2',
    kernelSettings,
    upload(values) {
      upload ??= gpu.createKernel(uploadKernel, { ...kernelSettings, output: [values.length], pipeline: true, immutable: true, dynamicOutput: true, dynamicArguments: true });
      (upload as unknown as { setOutput(output: number[]): void }).setOutput([values.length]);
      return upload(values) as DeviceResult;
    },
    async read(result, length) {
      const values = (result as GlTexture).toArray();
      return values instanceof Float32Array && values.length === length ? values : Float32Array.from({ length }, (_, i) => values[i]!);
    },
    free(result) {
      // A texture whose kernel was evicted (and destroyed) no longer frees its GL texture itself.
      const t = result as GlTexture, orphaned = t.kernel !== undefined && !t.kernel.context;
      t.delete();
      if (orphaned && !t.texture._refs) t.context.deleteTexture(t.texture);
    },
  };
  return { gpu, io, adapter: rendererOf(context) };
}
