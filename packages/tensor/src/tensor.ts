/**
 * The Tensor with its methods: thin aliases of the free functions in ops/ and composite/, with
 * PyTorch's names, installed on the core class of tensor-core.ts. This module imports every op, and
 * no op imports it, so the package reads bottom-up (import-graph.test.ts keeps it so). Import
 * `Tensor` from here (or the package entry) to be sure the methods are installed.
 */
import type { BackendName, DType, Kernels } from './backend/kernels.ts';
import { backward, type BackwardOptions } from './backward.ts';
import * as ops from './ops/index.ts';
import * as cx from './composite/index.ts';
import { Tensor, type NestedArray, type TensorLike } from './tensor-core.ts';

// Re-exported from the local binding, so the emitted declarations import it for the method types below.
export { Tensor, type TensorLike, type NestedArray };

const methods = {
  /** Accumulate d(this)/d(leaf) into `.grad` of every leaf (see backward.ts); `gradient` may be omitted for scalars. */
  backward(this: Tensor, gradient?: Tensor, options?: BackwardOptions): void { backward(this, gradient, options); },

  /** Convert to another dtype, or move to another backend. */
  to(this: Tensor, target: DType | BackendName | Kernels): Tensor { return ops.to(this, target); },
  clone(this: Tensor): Tensor { return ops.clone(this); },

  // ---- elementwise -----------------------------------------------------------------------
  add(this: Tensor, other: TensorLike): Tensor { return ops.add(this, other); },
  sub(this: Tensor, other: TensorLike): Tensor { return ops.sub(this, other); },
  mul(this: Tensor, other: TensorLike): Tensor { return ops.mul(this, other); },
  div(this: Tensor, other: TensorLike): Tensor { return ops.div(this, other); },
  pow(this: Tensor, exponent: TensorLike): Tensor { return ops.pow(this, exponent); },
  neg(this: Tensor): Tensor { return ops.neg(this); },
  abs(this: Tensor): Tensor { return ops.abs(this); },
  sign(this: Tensor): Tensor { return ops.sign(this); },
  sqrt(this: Tensor): Tensor { return ops.sqrt(this); },
  rsqrt(this: Tensor): Tensor { return ops.rsqrt(this); },
  exp(this: Tensor): Tensor { return ops.exp(this); },
  log(this: Tensor): Tensor { return ops.log(this); },
  log1p(this: Tensor): Tensor { return ops.log1p(this); },
  sin(this: Tensor): Tensor { return ops.sin(this); },
  cos(this: Tensor): Tensor { return ops.cos(this); },
  tanh(this: Tensor): Tensor { return ops.tanh(this); },
  sigmoid(this: Tensor): Tensor { return ops.sigmoid(this); },
  relu(this: Tensor): Tensor { return ops.relu(this); },
  erf(this: Tensor): Tensor { return ops.erf(this); },
  floor(this: Tensor): Tensor { return ops.floor(this); },
  silu(this: Tensor): Tensor { return ops.silu(this); },
  gelu(this: Tensor): Tensor { return cx.gelu(this); },
  softplus(this: Tensor): Tensor { return cx.softplus(this); },
  square(this: Tensor): Tensor { return cx.square(this); },
  clamp(this: Tensor, min?: number | null, max?: number | null): Tensor { return ops.clamp(this, min, max); },
  minimum(this: Tensor, other: TensorLike): Tensor { return ops.minimum(this, other); },
  maximum(this: Tensor, other: TensorLike): Tensor { return ops.maximum(this, other); },
  eq(this: Tensor, other: TensorLike): Tensor { return ops.eq(this, other); },
  ne(this: Tensor, other: TensorLike): Tensor { return ops.ne(this, other); },
  lt(this: Tensor, other: TensorLike): Tensor { return ops.lt(this, other); },
  le(this: Tensor, other: TensorLike): Tensor { return ops.le(this, other); },
  gt(this: Tensor, other: TensorLike): Tensor { return ops.gt(this, other); },
  ge(this: Tensor, other: TensorLike): Tensor { return ops.ge(this, other); },

  // ---- reductions ------------------------------------------------------------------------
  sum(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return ops.sum(this, dim, keepdim); },
  mean(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return cx.mean(this, dim, keepdim); },
  max(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return ops.max(this, dim, keepdim); },
  min(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return ops.min(this, dim, keepdim); },
  var(this: Tensor, dim?: number | readonly number[], options?: cx.VarianceOptions): Tensor { return cx.variance(this, dim, options); },
  std(this: Tensor, dim?: number | readonly number[], options?: cx.VarianceOptions): Tensor { return cx.std(this, dim, options); },
  logsumexp(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return cx.logsumexp(this, dim, keepdim); },
  argmax(this: Tensor, dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); },
  argmin(this: Tensor, dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); },

  // ---- shapes ----------------------------------------------------------------------------
  reshape(this: Tensor, ...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, flatArgs(shape)); },
  view(this: Tensor, ...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, flatArgs(shape)); },
  flatten(this: Tensor, startDim = 0, endDim = -1): Tensor { return cx.flatten(this, startDim, endDim); },
  squeeze(this: Tensor, dim?: number | readonly number[]): Tensor { return cx.squeeze(this, dim); },
  unsqueeze(this: Tensor, dim: number): Tensor { return cx.unsqueeze(this, dim); },
  permute(this: Tensor, ...dims: number[] | [readonly number[]]): Tensor { return ops.permute(this, flatArgs(dims)); },
  transpose(this: Tensor, dim0: number, dim1: number): Tensor { return cx.transpose(this, dim0, dim1); },
  expand(this: Tensor, ...shape: number[] | [readonly number[]]): Tensor { return ops.expand(this, flatArgs(shape)); },
  expandAs(this: Tensor, other: Tensor): Tensor { return ops.expand(this, other.shape); },
  repeat(this: Tensor, ...repeats: number[] | [readonly number[]]): Tensor { return cx.repeat(this, flatArgs(repeats)); },
  narrow(this: Tensor, dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); },
  flip(this: Tensor, dims: number | readonly number[]): Tensor { return ops.flip(this, dims); },
  split(this: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] { return cx.split(this, sizeOrSections, dim); },
  chunk(this: Tensor, chunks: number, dim = 0): Tensor[] { return cx.chunk(this, chunks, dim); },
  gather(this: Tensor, dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); },
  indexSelect(this: Tensor, dim: number, index: Tensor): Tensor { return cx.indexSelect(this, dim, index); },

  // ---- networks --------------------------------------------------------------------------
  matmul(this: Tensor, other: Tensor): Tensor { return ops.matmul(this, other); },
  softmax(this: Tensor, dim: number): Tensor { return ops.softmax(this, dim); },
  logSoftmax(this: Tensor, dim: number): Tensor { return cx.logSoftmax(this, dim); },
};

function flatArgs(args: number[] | [readonly number[]]): readonly number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as number[]);
}

type TensorMethods = typeof methods;
declare module './tensor-core.ts' {
  // The methods above, on every tensor: declared by their implementations' types, written once.
  interface Tensor extends TensorMethods {}
}
// Non-enumerable, as class methods are.
for (const [name, fn] of Object.entries(methods)) Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
