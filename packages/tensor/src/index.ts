/** @diffusion-ts/tensor: tensors with reverse-mode autodiff, seeded randomness and pluggable backends. */
export { Tensor, type TensorLike, type NestedArray } from './tensor.ts';
export * from './creation.ts';
export * from './ops/index.ts';
export * from './composite/index.ts';
export { noGrad, enableGrad, isGradEnabled, detectAnomaly, type BackwardOptions } from './autograd.ts';
export { Generator, manualSeed, defaultGenerator, philox4x32, type GeneratorState } from './random.ts';
export { setBackend, getBackend, registerBackend, availableBackends } from './backend/registry.ts';
export { OpError, broadcastShapes } from './shape.ts';
export type { DType, Shape, TypedArray, Kernels, BackendName, Conv2dParams, View, AdamStepParams, UnaryCode, BinaryCode } from './backend/kernels.ts';
export { UNARY_CODES, BINARY_CODES, ARITHMETIC_CODES, COMPARISON_CODES } from './backend/kernels.ts';
