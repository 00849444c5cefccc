/** @diffusion-ts/tensor: tensors with reverse-mode autodiff, seeded randomness and pluggable backends. */
export { Tensor, type TensorLike, type NestedArray } from './tensor.ts';
export * from './creation.ts';
// Primitive ops (src/ops/: forward and backward side by side), by file.
export { add, sub, mul, div, pow, neg } from './ops/arithmetic.ts';
export { exp, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, silu, relu, abs, erf, sign, floor } from './ops/unary.ts';
export { eq, ne, lt, le, gt, ge, where, maximum, minimum, clamp } from './ops/compare.ts';
export { sum, max, min, argmax, argmin } from './ops/reduce.ts';
export { reshape, permute, expand, narrow, flip, cat, pad, gather, scatterAdd } from './ops/layout.ts';
export { matmul, matmulTransposed } from './ops/matmul.ts';
export { conv2d, conv2dInputGrad, conv2dWeightGrad, type Conv2dOptions } from './ops/conv2d.ts';
export { to, clone } from './ops/convert.ts';
export { groupNorm, groupNormSilu } from './ops/group-norm.ts';
export { softmax } from './ops/softmax.ts';
export { adamStep } from './ops/optim.ts';
export * from './composite/index.ts';
export { noGrad, enableGrad, isGradEnabled, detectAnomaly } from './autograd.ts';
export type { BackwardOptions } from './backward.ts';
export { Generator, manualSeed, defaultGenerator, philox4x32, type GeneratorState } from './random.ts';
export { tidy, keep, isRecycling, type TidyOptions } from './tidy.ts';
export { initGpu, shutdownGpu, gpuMemory, type GpuInfo, type InitGpuOptions } from './backend/gpu/index.ts';
export { setBackend, getBackend, registerBackend, availableBackends } from './backend/registry.ts';
export { startWasmEngine, wasmMaxThreads } from './backend/wasm/index.ts';
export { OpError, broadcastShapes } from './shape.ts';
export type { DType, Shape, TypedArray, Kernels, BackendName, Conv2dParams, View, AdamStepParams, UnaryCode, BinaryCode } from './backend/kernels.ts';
export { UNARY_CODES, BINARY_CODES, ARITHMETIC_CODES, COMPARISON_CODES } from './backend/kernels.ts';
