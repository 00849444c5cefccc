/**
 * The `gpu` backend: every kernel of the contract as a gpu.js kernel function, run by gpu.js's
 * WebGPU mode (Dawn through the `webgpu` package in Node, `navigator.gpu` in a browser) or, in a
 * browser without a WebGPU adapter, by its WebGL2 mode (webgl2.ts).
 *
 *   await initGpu();      // finds an adapter, registers 'gpu'
 *   setBackend('gpu');
 *
 * Starting a device is asynchronous, so `initGpu()` is a separate, awaited step (TF.js's
 * `await tf.setBackend('webgpu')`); afterwards ops stay synchronous and reads are `await t.data()`.
 * In Node, call `installNodeWebGPU()` from `@diffusion-ts/tensor/webgpu-node` first.
 */
import type { Kernels } from '../kernels.ts';
import { registerBackend, unregisterBackend } from '../registry.ts';
import { webGpuIo, type GpuEngineKind, type GpuJs, type GpuJsParts } from './device-io.ts';
import { fromDevice, GpuBuffer, GpuEngine, KERNEL_CACHE_SIZE } from './engine.ts';
import { startWebGl2, type WebGl2GpuClass } from './webgl2.ts';
import { elementwiseKernels } from './elementwise.ts';
import { kernelHelpers } from './indexing.ts';
import { layoutKernels } from './layout.ts';
import { reduceKernels } from './reduce.ts';
import { coordOf } from './layout.ts';
import { matmulKernels } from './matmul.ts';
import { convKernels } from './conv2d.ts';
import { channelOf, normKernels } from './norm.ts';
import { softmaxKernels } from './softmax.ts';
import { optimKernels } from './optim.ts';
import { binaryOp, refuseFloat64, sigmoidOf, unaryOp } from './elementwise.ts';

/** What `initGpu` found: the engine gpu.js runs on and the adapter behind it. */
export interface GpuInfo {
  readonly engine: GpuEngineKind;
  /**
   * The adapter as WebGPU describes it, e.g. `llvmpipe: Mesa 25.0.7 … (LLVM 15.0.6) 0.0.1, llvmpipe-llvm-15-0-6-256-bits-, mesa, software`
   * for Mesa's software rasteriser; on WebGL2, the context's renderer (`ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))`).
   */
  readonly adapter: string;
}

/** Options of `initGpu`. */
export interface InitGpuOptions {
  /**
   * Which gpu.js mode to start: `'webgpu'` only, `'webgl2'` only (browsers; e.g. to test the fallback
   * where WebGPU exists), or, by default, WebGPU where an adapter starts and WebGL2 otherwise.
   */
  readonly engine?: GpuEngineKind;
  /** Compiled kernels kept, least recently used evicted first (default `KERNEL_CACHE_SIZE`, 1024). */
  readonly kernelCacheSize?: number;
}

let engine: GpuEngine | null = null;

/** Choices among the gpu backend's kernels. */
export interface GpuKernelOptions {
  /**
   * Run matmul and the convolutions as the hand-written WGSL kernels tiled in workgroup memory
   * (default), or only as gpu.js kernels (one thread per output element), which they are tested against.
   */
  readonly tiled?: boolean;
}

/** The `Kernels` of the gpu backend over one engine. */
export function gpuKernels(e: GpuEngine, { tiled = e.wgsl }: GpuKernelOptions = {}): Kernels<GpuBuffer> {
  if (tiled && !e.wgsl) throw new Error(`gpuKernels: tiled kernels are hand-written WGSL and need WebGPU; this engine runs on ${e.kind}`);
  return {
    name: 'gpu',
    device: `${e.kind}: ${e.adapterName}`,
    synchronous: false,
    garbageCollected: false,
    upload(data) {
      if (data instanceof Float64Array) refuseFloat64('upload', 'float64');
      if (data instanceof Int32Array) {
        const big = data.find((v) => Math.abs(v) > 2 ** 24);
        if (big !== undefined) throw new RangeError(`gpu upload: int32 value ${big} is beyond 2^24, which the gpu backend (float32 storage) holds exactly`);
      }
      return e.upload(data instanceof Float32Array ? data : Float32Array.from(data));
    },
    readSync() { throw new Error('gpu: the gpu backend reads asynchronously; use `await t.data()`'); },
    read: async (x) => fromDevice(await e.read(x.buf), x.dtype),
    dispose: (buf) => buf.release(),
    share(buf) { buf.retain(); return buf; },
    ...elementwiseKernels(e),
    ...layoutKernels(e),
    ...reduceKernels(e),
    ...matmulKernels(e, { tiled }),
    ...convKernels(e, { tiled }),
    ...normKernels(e),
    ...softmaxKernels(e),
    ...optimKernels(e),
  };
}

type GpuJsModule = {
  GPU: (new (settings: { mode: 'webgpu' }) => GpuJs) & WebGl2GpuClass;
  WebGPUContext: { acquire(): Promise<GpuJsParts['context'] & { adapter: { info?: Record<string, string> } }>; destroy(): Promise<void> };
  WebGPUBufferResult: GpuJsParts['DeviceResult'];
};

/** The helper functions every kernel may call, registered with a new `GPU`. */
function addHelpers(gpu: GpuJs): void {
  for (const helper of [...kernelHelpers, coordOf, sigmoidOf, unaryOp, binaryOp, channelOf]) (gpu as GpuJs & { addFunction(fn: unknown): unknown }).addFunction(helper);
}

/** WebGPU through gpu.js: rejects, saying why, where there is no `navigator.gpu` or no adapter. */
async function startWebGpu(gpujs: GpuJsModule, cacheSize: number): Promise<{ engine: GpuEngine; stop: () => Promise<void> }> {
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
    throw new Error('initGpu: no WebGPU here (navigator.gpu is missing); in Node call installNodeWebGPU() from @diffusion-ts/tensor/webgpu-node first');
  }
  const context = await gpujs.WebGPUContext.acquire();
  const gpu = new gpujs.GPU({ mode: 'webgpu' });
  addHelpers(gpu);
  const info = context.adapter.info ?? {};
  // Dawn's description may name only the driver ('NVIDIA: 550.…'); the device names the card.
  const adapter = [...new Set([info.description, info.device, info.vendor, info.architecture])].filter((s) => s).join(', ') || 'unknown adapter';
  const parts: GpuJsParts = { gpu, context, DeviceResult: gpujs.WebGPUBufferResult };
  return { engine: new GpuEngine(gpu, webGpuIo(parts), adapter, parts, cacheSize), stop: async () => { gpu.destroy(); await gpujs.WebGPUContext.destroy(); } };
}

/** WebGL2 through gpu.js (browsers): throws, saying why, where no float32-capable context starts. */
function startWebGl2Engine(gpujs: GpuJsModule, cacheSize: number): { engine: GpuEngine; stop: () => Promise<void> } {
  const { gpu, io, adapter } = startWebGl2(gpujs.GPU);
  addHelpers(gpu);
  return { engine: new GpuEngine(gpu, io, adapter, null, cacheSize), stop: async () => { gpu.destroy(); } };
}

/**
 * Start the gpu backend and register `'gpu'` for `setBackend`: WebGPU where an adapter starts, else
 * (in a browser) WebGL2; `{ engine }` asks for one of them only. Resolves with what runs the kernels;
 * rejects, saying why each failed, where neither starts. Calling it again returns the running engine's info.
 */
export async function initGpu({ engine: want, kernelCacheSize = KERNEL_CACHE_SIZE }: InitGpuOptions = {}): Promise<GpuInfo> {
  if (want !== undefined && want !== 'webgpu' && want !== 'webgl2') throw new RangeError(`initGpu: engine must be 'webgpu' or 'webgl2', got ${String(want)}`);
  if (!(Number.isInteger(kernelCacheSize) && kernelCacheSize >= 1)) throw new RangeError(`initGpu: kernelCacheSize must be a positive integer, got ${kernelCacheSize}`);
  if (engine !== null) return { engine: engine.kind, adapter: engine.adapterName };
  const gpujs = await import('gpu.js') as unknown as GpuJsModule;
  let started: { engine: GpuEngine; stop: () => Promise<void> };
  if (want === 'webgl2') started = startWebGl2Engine(gpujs, kernelCacheSize);
  else if (want === 'webgpu') started = await startWebGpu(gpujs, kernelCacheSize);
  else {
    const webgpu = await startWebGpu(gpujs, kernelCacheSize).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    if (webgpu instanceof Error) {
      try {
        started = startWebGl2Engine(gpujs, kernelCacheSize);
      } catch (error) {
        throw new Error(`${webgpu.message}; and no WebGL2: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else started = webgpu;
  }
  engine = started.engine;
  registerBackend(gpuKernels(engine) as Kernels);
  shutdown = started.stop;
  return { engine: engine.kind, adapter: engine.adapterName };
}

let shutdown: (() => Promise<void>) | null = null;

/** Destroy the gpu backend's device (Node keeps running while one is open); tensors on it become unusable. */
export async function shutdownGpu(): Promise<void> {
  const stop = shutdown;
  engine = null;
  shutdown = null;
  unregisterBackend('gpu');
  await stop?.();
}

/** The running engine (null before `initGpu`), for tests and benchmarks that build `gpuKernels` variants. */
export const gpuEngine = (): GpuEngine | null => engine;

/** Live device buffers and their bytes on the gpu backend (zeros before `initGpu`), for leak checks. */
export function gpuMemory(): { buffers: number; bytes: number; kernels: number } {
  return engine === null ? { buffers: 0, bytes: 0, kernels: 0 } : { buffers: engine.liveBuffers, bytes: engine.liveBytes, kernels: engine.compiledKernels };
}
