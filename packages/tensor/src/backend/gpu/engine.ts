/**
 * The gpu backend's engine: one gpu.js `GPU` (in WebGPU mode, or in WebGL2 mode in a browser without
 * WebGPU), a bounded cache of compiled kernels, and the device buffers that tensors own. What differs
 * between the two modes is only how values reach the device and come back (`DeviceIo`: WebGPU buffers
 * in device-io.ts, WebGL2 textures in webgl2.ts) and that the hand-written WGSL kernels need WebGPU.
 *
 * The op API is synchronous and gpu.js's WebGPU kernels are not (a call returns a Promise of its
 * pipeline buffer, since the first call of a kernel compiles it asynchronously; a WebGL2 kernel
 * returns its texture at once). So a tensor's storage is a `GpuBuffer`: a promise of a gpu.js
 * pipeline result (`WebGPUBufferResult` or WebGL2 texture) plus an owner count. An op
 * chains its kernel call on its inputs' promises and returns at once; the device runs the kernels in
 * the order their inputs become ready, which respects every data dependency, and data reaches
 * JavaScript only through `await t.data()`. A buffer's device memory is freed when its last owner
 * lets go: the tensor (dispose, tidy, finalizer) and every kernel launched on it until that launch
 * has been submitted.
 */
import type { DType } from '../kernels.ts';
import { copyOf } from '../js/util.ts';
import { COMPUTE_STAGE, COPY_DST, COPY_SRC, STORAGE, UNIFORM, type DeviceIo, type DeviceResult, type GPUComputePipeline, type CompiledKernel, type GpuJs, type GpuJsParts, type GpuEngineKind, type WebGpuResult } from './device-io.ts';

/** `this` inside a gpu.js kernel function, as far as our kernels use it. */
export interface KernelThis<C = Record<string, number>> {
  readonly thread: { readonly x: number };
  readonly constants: C;
}

/**
 * How many compiled kernels the engine keeps (least recently used evicted first). Shapes are
 * compile-time constants, so a loop over ever-new shapes would otherwise grow the cache, and the
 * device's programs and buffers with it, without bound. A model's step reuses a fixed set of shapes,
 * so only work that keeps changing shapes recompiles once the cache is full.
 */
export const KERNEL_CACHE_SIZE = 1024;

/** A cache entry: the kernel and how many launches queued on it have yet to call it. */
interface CachedKernel {
  readonly kernel: CompiledKernel;
  pending: number;
  evicted: boolean;
}

/** The most elements one gpu tensor may hold: gpu.js kernels index in float32, exact below 2²⁴. */
export const MAX_ELEMENTS = 2 ** 24;

/**
 * A hand-written WGSL compute shader, run beside the gpu.js kernels on the same device (where gpu.js's
 * generated code cannot tile in workgroup memory). Its bindings, all in group 0: 0 a uniform block
 * (the `params` of `launchWgsl`), 1…n the inputs (read-only storage), n + 1 the float32 output;
 * it need not use them all.
 */
export interface WgslSpec {
  /** Names the shader in errors and in the pipeline cache: one pipeline per name. */
  readonly name: string;
  /** The module's source; its entry point is `main`. */
  readonly code: string;
}

/** A kernel as our backend describes it: a gpu.js kernel function and its compile-time constants. */
export interface KernelSpec {
  /** Names the kernel in errors and in the cache key. */
  readonly name: string;
  readonly fn: (...args: never[]) => number;
  /** Folded into the generated WGSL: shapes, strides, loop bounds. A new value compiles anew. */
  readonly constants: Readonly<Record<string, number>>;
}

export class GpuEngine {
  private readonly kernels = new Map<string, CachedKernel>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private failure: Error | null = null;
  /** Live device buffers and their bytes (what `gpuMemory()` reports). */
  liveBuffers = 0;
  liveBytes = 0;
  /** Kernels compiled so far, evicted ones included (the cache's misses). */
  kernelsCompiled = 0;
  /**
   * Internal, for bench/profile-gpu.ts: while set, kernels run one at a time, each waited for on the
   * device (WebGPU's `queue.onSubmittedWorkDone`), and each launch reports its kernel's name and the
   * milliseconds from its call to the device going idle. It serializes the device; never set it
   * outside profiling.
   */
  profiler: ((name: string, ms: number) => void) | null = null;
  private lastProfiled: Promise<unknown> = Promise.resolve();

  private readonly empty: GpuBuffer;
  /** The WebGPU device for the hand-written WGSL kernels; null on WebGL2. */
  private readonly parts: GpuJsParts | null;

  /**
   * @param io how values reach the device (`webGpuIo(parts)`, or WebGL2's)
   * @param parts the WebGPU pieces, for `launchWgsl`; null where the kernels run on WebGL2
   * @param cacheSize compiled kernels kept (KERNEL_CACHE_SIZE)
   */
  constructor(private readonly gpu: GpuJs, private readonly io: DeviceIo, readonly adapterName: string, parts: GpuJsParts | null, private readonly cacheSize = KERNEL_CACHE_SIZE) {
    if (!(Number.isInteger(cacheSize) && cacheSize >= 1)) throw new RangeError(`GpuEngine: cacheSize must be a positive integer, got ${cacheSize}`);
    this.parts = parts;
    // Stands in for empty inputs: WebGPU cannot bind a zero-sized buffer, and no kernel reads it.
    this.empty = this.upload(new Float32Array(1));
  }

  /** Which gpu.js mode runs the kernels. */
  get kind(): GpuEngineKind { return this.io.kind; }
  /** Whether the hand-written WGSL kernels can run (WebGPU only). */
  get wgsl(): boolean { return this.parts !== null; }

  /** A new device buffer holding `values` (written in queue order, before later kernels run). */
  upload(values: Float32Array): GpuBuffer {
    if (values.length > MAX_ELEMENTS) throw new Error(`gpu upload: ${values.length} elements exceed the gpu backend's limit of 2^24 per tensor (gpu.js indexes in float32)`);
    if (values.length === 0) return new GpuBuffer(this, this.empty.ready, 0);
    return new GpuBuffer(this, Promise.resolve(this.io.upload(unshared(values))), values.length);
  }

  /** Free a device result that no buffer owns any more. */
  free(result: DeviceResult): void {
    if (this.io.free !== undefined) this.io.free(result);
    else result.delete();
  }

  /** The values of `b`, once every kernel it depends on has run. */
  async read(b: GpuBuffer): Promise<Float32Array> {
    b.retain();
    try {
      const result = await b.ready;
      if (b.length === 0) return new Float32Array(0);
      return await this.io.read(result, b.length);
    } finally {
      b.release();
    }
  }

  /**
   * Run `spec` over `length` output elements (a flat 1-D output), reading `inputs` (device buffers)
   * and then `scalars` (per-call numbers that must not recompile the kernel, like a learning rate).
   */
  launch(spec: KernelSpec, length: number, inputs: readonly GpuBuffer[], scalars: readonly number[] = []): GpuBuffer {
    this.throwIfFailed(spec.name);
    if (!(length <= MAX_ELEMENTS)) {
      throw new Error(`gpu ${spec.name}: ${length} output elements exceed the gpu backend's limit of 2^24 per tensor (gpu.js indexes in float32)`);
    }
    if (length === 0) return new GpuBuffer(this, this.empty.ready, 0);
    const entry = this.compiled(spec, length);
    const bound = this.hold(inputs);
    entry.pending++;
    const ready = Promise.all(bound.map((b) => b.ready)).then((args) => this.profiled(spec.name, () => {
      const result = entry.kernel(...args, ...scalars);
      // An evicted kernel is destroyed once its last queued launch has its result (never on the hot path).
      if (--entry.pending === 0 && entry.evicted) {
        const destroy = () => entry.kernel.kernel?.destroy();
        Promise.resolve(result).then(destroy, destroy);
      }
      return result;
    }));
    return this.output(spec.name, bound, ready, length);
  }

  /** Inputs as a kernel binds them (WebGPU cannot bind an empty buffer: a stand-in no kernel reads), each held. */
  private hold(inputs: readonly GpuBuffer[]): GpuBuffer[] {
    const bound = inputs.map((b) => (b.length === 0 ? this.empty : b));
    for (const b of bound) b.retain();
    return bound;
  }

  /** The launch's result; its inputs stay held until the kernel has been submitted with them bound. */
  private output(name: string, bound: readonly GpuBuffer[], ready: Promise<DeviceResult>, length: number): GpuBuffer {
    ready.then(() => bound.forEach((b) => b.release()), (error: unknown) => {
      bound.forEach((b) => b.release());
      this.failure ??= new Error(`gpu ${name}: ${error instanceof Error ? error.message : String(error)}`);
    });
    return new GpuBuffer(this, ready, length);
  }

  /**
   * Run the WGSL shader `spec` as `workgroups` workgroups writing `length` float32 outputs, reading
   * `inputs` and the uniform block `params`; the result is a buffer like `launch`'s, in the same
   * queue order. The output buffer starts zeroed (WebGPU's rule), so a shader may skip elements.
   */
  launchWgsl(spec: WgslSpec, length: number, inputs: readonly GpuBuffer[], params: Uint32Array, workgroups: readonly [number, number, number]): GpuBuffer {
    this.throwIfFailed(spec.name);
    if (this.parts === null) throw new Error(`gpu ${spec.name}: hand-written WGSL kernels need WebGPU, and this engine runs on ${this.kind}`);
    if (!(length <= MAX_ELEMENTS)) {
      throw new Error(`gpu ${spec.name}: ${length} output elements exceed the gpu backend's limit of 2^24 per tensor`);
    }
    if (length === 0) return new GpuBuffer(this, this.empty.ready, 0);
    const parts = this.parts, { device } = parts.context;
    let pipeline = this.pipelines.get(spec.name);
    if (pipeline === undefined) {
      // The layout is spelled out, so a shader need not use every binding.
      const types = ['uniform', ...inputs.map(() => 'read-only-storage' as const), 'storage'] as const;
      const group = device.createBindGroupLayout({ entries: types.map((type, binding) => ({ binding, visibility: COMPUTE_STAGE, buffer: { type } })) });
      const layout = device.createPipelineLayout({ bindGroupLayouts: [group] });
      pipeline = device.createComputePipelineAsync({ layout, compute: { module: device.createShaderModule({ code: spec.code }), entryPoint: 'main' } });
      this.pipelines.set(spec.name, pipeline);
    }
    const bound = this.hold(inputs);
    const ready = Promise.all([pipeline, ...bound.map((b) => b.ready)]).then(([compiled, ...args]) => this.profiled(spec.name, () => {
      const output = device.createBuffer({ size: 4 * length, usage: STORAGE | COPY_SRC });
      const uniforms = device.createBuffer({ size: Math.max(16, params.byteLength), usage: UNIFORM | COPY_DST });
      device.queue.writeBuffer(uniforms, 0, params);
      const buffers = [uniforms, ...(args as WebGpuResult[]).map((r) => r.buffer), output];
      const bindGroup = device.createBindGroup({ layout: compiled.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(compiled);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...workgroups);
      pass.end();
      device.queue.submit([encoder.finish()]);
      uniforms.destroy(); // freed once the submitted work is done
      return new parts.DeviceResult({ buffer: output, output: [length], context: parts.context, kernel: null });
    }));
    return this.output(spec.name, bound, ready, length);
  }

  /** `run` (a kernel's call), or with a profiler set, `run` after the previous profiled launch, timed to the device's idle. */
  private profiled<R>(name: string, run: () => R | Promise<R>): R | Promise<R> {
    const profiler = this.profiler;
    if (profiler === null) return run();
    const turn = this.lastProfiled.then(async () => {
      const t0 = performance.now();
      const result = await run();
      await this.parts?.context.device.queue.onSubmittedWorkDone();
      profiler(name, performance.now() - t0);
      return result;
    });
    this.lastProfiled = turn.catch(() => {});
    return turn;
  }

  /** The first asynchronous kernel failure, reported at the next op rather than lost. */
  throwIfFailed(op: string): void {
    if (this.failure !== null) throw new Error(`gpu ${op}: an earlier kernel failed, so device results are unreliable: ${this.failure.message}`);
  }

  /** The kernel for `spec` over `length` outputs, from the LRU cache or compiled now (evicting the least recently used). */
  private compiled(spec: KernelSpec, length: number): CachedKernel {
    const key = `${spec.name}|${length}|${Object.entries(spec.constants).map(([k, v]) => `${k}=${v}`).join(',')}`;
    let entry = this.kernels.get(key);
    if (entry !== undefined) {
      this.kernels.delete(key); // re-inserted below: a Map iterates in insertion order, oldest first
    } else {
      const kernel = this.gpu.createKernel(spec.fn, {
        ...this.io.kernelSettings,
        output: [length],
        constants: spec.constants,
        pipeline: true,
        immutable: true, // each call gets its own output buffer: results are tensors' storage
      });
      entry = { kernel, pending: 0, evicted: false };
      this.kernelsCompiled++;
      while (this.kernels.size >= this.cacheSize) this.evict(this.kernels.keys().next().value!);
    }
    this.kernels.set(key, entry);
    return entry;
  }

  /** Drop a kernel from the cache; its program is destroyed once no queued launch still needs it. */
  private evict(key: string): void {
    const entry = this.kernels.get(key)!;
    this.kernels.delete(key);
    entry.evicted = true;
    if (entry.pending === 0) entry.kernel.kernel?.destroy();
  }

  /** The number of compiled kernels held (each shape and constant set compiles once; at most the cache size). */
  get compiledKernels(): number { return this.kernels.size; }

  destroy(): void {
    this.kernels.clear();
    this.pipelines.clear();
    this.gpu.destroy();
  }
}

/**
 * A tensor's storage on the gpu backend: float32 values in a device buffer that may still be being
 * computed. int32 tensors are held as float32 too (exact below 2²⁴). Owners: the tensor(s) that hold
 * it and the kernels launched on it that have not yet been submitted.
 */
export class GpuBuffer {
  private owners = 1;

  constructor(private readonly engine: GpuEngine, readonly ready: Promise<DeviceResult>, readonly length: number) {
    engine.liveBuffers++;
    engine.liveBytes += 4 * length;
  }

  retain(): void {
    if (this.owners === 0) throw new Error('gpu: use of a released device buffer');
    this.owners++;
  }

  release(): void {
    if (this.owners === 0) return;
    if (--this.owners > 0) return;
    this.engine.liveBuffers--;
    this.engine.liveBytes -= 4 * this.length;
    if (this.length > 0) this.ready.then((r) => this.engine.free(r), () => {});
  }
}

/** Values read back from the device, converted to the tensor's dtype. */
export function fromDevice(values: Float32Array, dtype: DType): Float32Array | Int32Array {
  return dtype === 'int32' ? Int32Array.from(values) : values;
}

/**
 * `values` in memory of its own when it is a view of a SharedArrayBuffer (the wasm backend's tensors
 * live in its shared heap), which Dawn's `writeBuffer` refuses ("Invalid argument"); else `values`.
 */
function unshared(values: Float32Array): Float32Array {
  return typeof SharedArrayBuffer !== 'undefined' && values.buffer instanceof SharedArrayBuffer ? copyOf(values) : values;
}
