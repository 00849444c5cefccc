/**
 * The `gpu` backend: every kernel of the contract as a gpu.js kernel function, run by gpu.js's
 * WebGPU mode (Dawn through the `webgpu` package in Node, `navigator.gpu` in a browser).
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
import { fromDevice, GpuBuffer, GpuEngine, type GpuJsParts } from './engine.ts';
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
  readonly engine: 'webgpu';
  /** The adapter as WebGPU describes it, e.g. `llvmpipe: Mesa 25.0.7 … (LLVM 15.0.6) 0.0.1, llvmpipe-llvm-15-0-6-256-bits-, mesa, software` for Mesa's software rasteriser. */
  readonly adapter: string;
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
export function gpuKernels(e: GpuEngine, { tiled = true }: GpuKernelOptions = {}): Kernels<GpuBuffer> {
  return {
    name: 'gpu',
    device: `webgpu: ${e.adapterName}`,
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

/**
 * Start the gpu backend: acquire a WebGPU adapter and device through gpu.js and register `'gpu'`
 * for `setBackend`. Resolves with what runs the kernels; rejects, saying why, where no adapter starts.
 * Calling it again returns the running engine's info.
 */
export async function initGpu(): Promise<GpuInfo> {
  if (engine !== null) return { engine: 'webgpu', adapter: engine.adapterName };
  const gpujs = await import('gpu.js') as unknown as {
    GPU: { new (settings: { mode: 'webgpu' }): GpuJsParts['gpu'] & { addFunction(fn: unknown): unknown }; isWebGPUAvailable(): Promise<boolean> };
    WebGPUContext: { acquire(): Promise<GpuJsParts['context'] & { adapter: { info?: Record<string, string> } }>; destroy(): Promise<void> };
    WebGPUBufferResult: GpuJsParts['DeviceResult'];
  };
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
    throw new Error('initGpu: no WebGPU here (navigator.gpu is missing); in Node call installNodeWebGPU() from @diffusion-ts/tensor/webgpu-node first');
  }
  const context = await gpujs.WebGPUContext.acquire();
  const gpu = new gpujs.GPU({ mode: 'webgpu' });
  for (const helper of [...kernelHelpers, coordOf, sigmoidOf, unaryOp, binaryOp, channelOf]) gpu.addFunction(helper);
  const info = context.adapter.info ?? {};
  // Dawn's description may name only the driver ('NVIDIA: 550.…'); the device names the card.
  const adapter = [...new Set([info.description, info.device, info.vendor, info.architecture])].filter((s) => s).join(', ') || 'unknown adapter';
  engine = new GpuEngine({ gpu, context, DeviceResult: gpujs.WebGPUBufferResult }, adapter);
  registerBackend(gpuKernels(engine) as Kernels);
  shutdown = async () => { gpu.destroy(); await gpujs.WebGPUContext.destroy(); };
  return { engine: 'webgpu', adapter };
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
