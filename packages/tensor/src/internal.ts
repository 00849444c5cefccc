/**
 * @diffusion-ts/tensor/internal: what a backend, a new op, a benchmark or an engine test needs that
 * users do not. Not a contract for users: these names may change with the engines.
 */

// ---- For a new op: the tape's un-broadcasting, conv2d's output-size arithmetic, the shape helpers every op validates with.
export { sumToShape } from './ops/reduce.ts';
export { conv2dGeometry } from './ops/conv2d.ts';
export { checkShape, fmt, normalizeDim, normalizeDims, sizeOf, stridesOf } from './shape.ts';

// ---- For benchmarks and engine tests: the engines behind `setBackend`, called directly.
// A registered backend's kernels by name (throws naming `op` when it is not registered).
export { findBackend } from './backend/registry.ts';
// The wasm engine: its kernels on raw buffers, the engine and its thread pool, its pool of output buffers.
export { wasmKernels, Engine, getEngine, type WasmBuf, type EngineOptions } from './backend/wasm/index.ts';
export { outputPool } from './backend/wasm/buffer-pool.ts';
// Its convolution paths on heap addresses (im2col or Winograd, as the backend picks), below the `Kernels` contract.
export {
  conv2dForward as wasmConv2dForward, conv2dInputGrad as wasmConv2dInputGrad, conv2dWeightGrad as wasmConv2dWeightGrad,
  type ConvShape,
} from './backend/wasm/conv2d.ts';
// The SIMD peak probe: an engine built with the benchmark-only kernel, not the one users load.
export { peakEngine, peakFlopsPerTrip, runPeak } from './backend/wasm/peak-kernel.ts';
// The gpu engine `initGpu` started (null before), for its internal profiler.
export { gpuEngine } from './backend/gpu/index.ts';
