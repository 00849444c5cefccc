/**
 * How the gpu engine reaches the device: the few WebGPU objects it touches itself (typed structurally,
 * so the package needs no DOM types), the gpu.js surface it calls, and `DeviceIo`, the one part of the
 * engine that differs between gpu.js's modes (WebGPU buffers here; WebGL2 textures in webgl2.ts).
 */
/** The few WebGPU objects the engine touches itself (uploads and readback), typed structurally. */
export interface GPUBuffer {
  readonly size: number;
  mapAsync(mode: number, offset: number, size: number): Promise<void>;
  getMappedRange(offset: number, size: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}
export interface GPUComputePipeline {
  getBindGroupLayout(index: number): unknown;
}
interface GPUComputePassEncoder {
  setPipeline(pipeline: GPUComputePipeline): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
  end(): void;
}
export interface GPUDevice {
  createBuffer(descriptor: { size: number; usage: number }): GPUBuffer;
  createCommandEncoder(): {
    copyBufferToBuffer(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void;
    beginComputePass(): GPUComputePassEncoder;
    finish(): unknown;
  };
  createShaderModule(descriptor: { code: string }): unknown;
  createBindGroupLayout(descriptor: { entries: { binding: number; visibility: number; buffer: { type: 'uniform' | 'read-only-storage' | 'storage' } }[] }): unknown;
  createPipelineLayout(descriptor: { bindGroupLayouts: unknown[] }): unknown;
  createComputePipelineAsync(descriptor: { layout: unknown; compute: { module: unknown; entryPoint: string } }): Promise<GPUComputePipeline>;
  createBindGroup(descriptor: { layout: unknown; entries: { binding: number; resource: { buffer: GPUBuffer } }[] }): unknown;
  readonly queue: { writeBuffer(buffer: GPUBuffer, offset: number, data: Float32Array | Uint32Array): void; submit(commands: unknown[]): void; onSubmittedWorkDone(): Promise<void> };
}
/** WebGPU's flag values (GPUBufferUsage, GPUMapMode), fixed by the specification. */
export const MAP_READ = 0x1, COPY_SRC = 0x4, COPY_DST = 0x8, UNIFORM = 0x40, STORAGE = 0x80, COMPUTE_STAGE = 0x4;

/** gpu.js's pipeline handle (`WebGPUBufferResult`, or a WebGL2 texture): float32 values on the device. */
export interface DeviceResult {
  delete(): void;
}
/** A WebGPU pipeline handle: a device buffer of float32 values. */
export interface WebGpuResult extends DeviceResult {
  readonly buffer: GPUBuffer;
}
/** What gpu.js's `WebGPUContext.acquire()` resolves to: the one device every kernel shares. */
export interface DeviceContext {
  readonly device: GPUDevice;
}
export type DeviceResultClass = new (settings: { buffer: GPUBuffer; output: number[]; context: DeviceContext; kernel: null }) => WebGpuResult;
/** A compiled gpu.js kernel: called with device results and scalars, it returns (WebGL2) or resolves to (WebGPU) its output. */
export interface CompiledKernel {
  (...args: unknown[]): Promise<DeviceResult> | DeviceResult;
  /** The gpu.js kernel behind the shortcut; `destroy()` frees its program and buffers. */
  readonly kernel?: { destroy(): void };
}
/** The gpu.js surface the engine uses (the `GPU` class of gpu.js 2.24, in `webgpu` or `webgl2` mode). */
export interface GpuJs {
  createKernel(fn: (...args: never[]) => number, settings: object): CompiledKernel;
  destroy(): unknown;
}
/** What the WebGPU engine needs from gpu.js: a `GPU` in webgpu mode, its device, and its buffer handle class. */
export interface GpuJsParts {
  readonly gpu: GpuJs;
  readonly context: DeviceContext;
  readonly DeviceResult: DeviceResultClass;
}

/** Which gpu.js mode runs the kernels. */
export type GpuEngineKind = 'webgpu' | 'webgl2';

/** How values reach the device and come back: the one part of the engine that differs between modes. */
export interface DeviceIo {
  readonly kind: GpuEngineKind;
  /** A new device result holding `values` (at least one element), ordered before later kernels. */
  upload(values: Float32Array): DeviceResult;
  /** The first `length` values of `result`. */
  read(result: DeviceResult, length: number): Promise<Float32Array>;
  /** Settings merged into every `createKernel` (WebGL2 asks for float32 textures). */
  readonly kernelSettings: Readonly<Record<string, unknown>>;
  /** Free a result no tensor holds any more (default: gpu.js's `delete()`). */
  free?(result: DeviceResult): void;
}

/** Uploads and readback through WebGPU buffers (staging copy, `mapAsync`). */
export function webGpuIo(parts: GpuJsParts): DeviceIo {
  const { device } = parts.context;
  return {
    kind: 'webgpu',
    kernelSettings: {},
    upload(values) {
      const buffer = device.createBuffer({ size: Math.max(4, values.byteLength), usage: STORAGE | COPY_SRC | COPY_DST });
      if (values.length > 0) device.queue.writeBuffer(buffer, 0, values);
      return new parts.DeviceResult({ buffer, output: [Math.max(1, values.length)], context: parts.context, kernel: null });
    },
    async read(result, length) {
      const bytes = 4 * length;
      const staging = device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer((result as WebGpuResult).buffer, 0, staging, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_READ, 0, bytes);
      const values = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      staging.destroy();
      return values;
    },
  };
}
