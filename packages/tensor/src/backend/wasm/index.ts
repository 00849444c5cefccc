/** The wasm CPU engine: generated WebAssembly SIMD kernels on worker threads over shared memory. */
export { wasmKernels, staged } from './wasm-kernels.ts';
export type { WasmBuf } from './wasm-kernels.ts';
export { wasmEngineSupported, wasmMaxThreads } from './platform.ts';
export { Engine, getEngine, startWasmEngine, defaultBlocking } from './engine.ts';
export type { Blocking, EngineOptions } from './engine.ts';
export { runGemms } from './sgemm.ts';
export type { GemmProblem } from './sgemm.ts';
export { conv2dForward, conv2dInputGrad, conv2dWeightGrad } from './conv2d.ts';
export type { ConvShape } from './conv2d.ts';
export { defaultGemmShape } from './gemm-kernel.ts';
export type { GemmShape } from './gemm-kernel.ts';
