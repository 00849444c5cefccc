/** @diffusion-ts/tensor: tensors with reverse-mode autodiff, seeded randomness and pluggable backends. */
export { Tensor, type TensorLike, type NestedArray } from './tensor.ts';
// Creators (PyTorch's names; sizes as varargs or one array, options last).
export {
  tensor, full, zeros, ones, fullLike, zerosLike, onesLike, arange, linspace, eye, rand, randn, randint, randLike, randnLike,
  type CreateOptions, type RandomOptions, type SizeArgs,
} from './creation.ts';
// Primitive ops (src/ops/: forward and backward side by side), by file.
export { add, sub, mul, div, pow, neg } from './ops/arithmetic.ts';
export { exp, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, silu, relu, abs, erf, sign, floor } from './ops/unary.ts';
export { eq, ne, lt, le, gt, ge, where, maximum, minimum, clamp } from './ops/compare.ts';
export { sum, max, min, argmax, argmin } from './ops/reduce.ts';
export { reshape, permute, expand, narrow, flip, cat, pad, gather, scatterAdd } from './ops/layout.ts';
export { matmul, matmulTransposed } from './ops/matmul.ts';
export { conv2d, conv2dBiasGrad, conv2dInputGrad, conv2dWeightGrad, type Conv2dOptions } from './ops/conv2d.ts';
export { to, clone } from './ops/convert.ts';
export { groupNorm, groupNormSilu } from './ops/group-norm.ts';
export { softmax } from './ops/softmax.ts';
export { adamStep } from './ops/optim.ts';
// Composites (src/composite/: built from the primitives, gradients from the tape), by file.
export { gelu, softplus, square } from './composite/activations.ts';
export { mean, variance, std, logsumexp, type VarianceOptions } from './composite/statistics.ts';
export { flatten, squeeze, unsqueeze, transpose, repeat, stack, split, chunk, indexSelect, upsampleNearest2d } from './composite/layout.ts';
export { logSoftmax } from './composite/log-softmax.ts';
export { layerNorm } from './composite/norm.ts';
export { scaledDotProductAttention, type AttentionOptions } from './composite/attention.ts';
export { avgPool2d } from './composite/pool.ts';
export { embedding } from './composite/embedding.ts';
export { dropout, type DropoutOptions } from './composite/dropout.ts';
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
