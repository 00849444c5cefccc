/**
 * The kernel contract: everything a backend must compute, and nothing else. Ops validate their
 * arguments, work out output shapes and record gradients; kernels only fill buffers. Every kernel
 * receives row-major, contiguous views and returns a new buffer it owns.
 */

export type DType = 'float32' | 'float64' | 'int32';
export type TypedArray = Float32Array | Float64Array | Int32Array;
export type Shape = readonly number[];
export type BackendName = 'js' | 'wasm' | 'gpu';

/** What a kernel sees of a tensor: its storage, its (contiguous, row-major) shape and its dtype. */
export interface View<B = unknown> {
  readonly buf: B;
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * The elementwise codes, one list each: the union types derive from them, every backend's table is
 * checked against the union (`satisfies Record<UnaryCode, …>`), and the backend parity test iterates
 * the lists, so a new code is a compile error in every backend and a parity case at once.
 * Each code is also the name of the tensor package's free function that runs it.
 */
export const UNARY_CODES = [
  'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt',
  'sin', 'cos', 'tanh', 'sigmoid', 'silu', 'relu', 'erf', 'floor',
] as const;
export type UnaryCode = (typeof UNARY_CODES)[number];
/** Arithmetic codes return the operands' dtype. */
export const ARITHMETIC_CODES = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
/** Comparison codes return 1/0 masks in the operands' dtype. */
export const COMPARISON_CODES = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export const BINARY_CODES = [...ARITHMETIC_CODES, ...COMPARISON_CODES] as const;
export type BinaryCode = (typeof BINARY_CODES)[number];
export type ReduceCode = 'sum' | 'max' | 'min';
export type ArgReduceCode = 'argmax' | 'argmin';

export interface Conv2dParams {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/** The scalars of one Adam / AdamW step (`adamStep`); `step` is t ≥ 1, counting this one. */
export interface AdamStepParams {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW: θ ← θ·(1 − lr·λ) before the step; Adam: g ← g + λ·θ. */
  readonly decoupled: boolean;
  readonly maximize: boolean;
  readonly step: number;
}

export interface Kernels<B = unknown> {
  readonly name: BackendName;
  /** Whether `readSync` works (a GPU backend may only read asynchronously). */
  readonly synchronous: boolean;
  /**
   * Buffers are ordinary garbage-collected JavaScript memory (typed arrays): tensors may share one
   * (`reshape` does, through `share`), no finalizer is needed, and `dispose` need free nothing (the
   * wasm engine gives the buffer back to its pool of outputs once no owner is left). False for
   * memory the backend must release itself (a GPU's).
   */
  readonly garbageCollected: boolean;

  /** What runs the kernels, for people reading a benchmark (`'webgpu: llvmpipe'`); absent on CPU backends. */
  readonly device?: string;

  upload(data: TypedArray): B;
  readSync(x: View<B>): TypedArray;
  read(x: View<B>): Promise<TypedArray>;
  dispose(buf: B): void;
  /**
   * A second owner of the same storage, for a tensor that shares its values (`detach`, `reshape`):
   * each owner is disposed once. Garbage-collected backends return `buf`; the gpu backend counts owners.
   */
  share(buf: B): B;
  /**
   * Optional: called when an outermost recycling `tidy` scope (a training step, a sampling run) ends,
   * before it disposes what it made. The wasm engine trims its pool of buffers here: it drops what
   * was already free when the previous scope ended and this one did not take, and keeps what this
   * scope released (the next step asks for it again), then refills with the scope's own outputs.
   */
  trimPool?(): void;

  fill(shape: Shape, dtype: DType, value: number): B;
  cast(x: View<B>, dtype: DType): B;
  unary(code: UnaryCode, x: View<B>): B;
  /** NumPy broadcasting of `a.shape` and `b.shape` to `outShape` (already computed by the op). */
  binary(code: BinaryCode, a: View<B>, b: View<B>, outShape: Shape): B;
  /**
   * Optional: acc += x in place (same shape and dtype), for the gradient sums of `backward`, which
   * calls it only on a gradient it made and holds alone. A backend that cannot tell that no other
   * tensor shares acc's storage returns false and changes nothing (then `backward` adds out of place).
   */
  accumulate?(acc: View<B>, x: View<B>): boolean;
  /** `cond ≠ 0 ? a : b`, all three broadcast to `outShape`. */
  where(cond: View<B>, a: View<B>, b: View<B>, outShape: Shape): B;
  /** Reduce over `dims` (sorted, non-negative); the result keeps those dims with size 1. */
  reduce(code: ReduceCode, x: View<B>, dims: readonly number[]): B;
  /** int32 indices of the first extreme along `dim`; the result keeps `dim` with size 1. */
  argReduce(code: ArgReduceCode, x: View<B>, dim: number): B;

  /** out[i₀…iₙ] = x.flat[offset + Σ iₖ·strides[k]]: permute, expand, narrow, flip are all this copy. */
  strided(x: View<B>, outShape: Shape, strides: readonly number[], offset: number): B;
  concat(xs: readonly View<B>[], dim: number, outShape: Shape): B;
  /** Constant padding: `before[k]`/`after[k]` elements of `value` around dim k. */
  pad(x: View<B>, before: readonly number[], after: readonly number[], value: number): B;
  /** torch.gather: out has index's shape; out[…i_dim…] = x[…index[…]…]. `index` is int32. */
  gather(x: View<B>, dim: number, index: View<B>): B;
  /** The adjoint of gather: zeros(outShape), then out[…index[…]…] += src[…]. */
  scatterAdd(outShape: Shape, dim: number, index: View<B>, src: View<B>): B;

  /**
   * Batched matrix product. a: [...batch, M, K] (or [..., K, M] when transA), b: [...batch, K, N]
   * (or [..., N, K] when transB); batch dims broadcast to `outShape` = [...batch, M, N].
   */
  matmul(a: View<B>, b: View<B>, outShape: Shape, transA: boolean, transB: boolean): B;
  /**
   * x: [N, C, H, W], w: [O, C/groups, kH, kW] → [N, O, H', W'] (`outShape`), plus `bias` in the same
   * kernel: null, [O] (bias[o] on every pixel of channel o) or [N, O] (bias[n, o] on image n's channel o).
   */
  conv2d(x: View<B>, w: View<B>, p: Conv2dParams, outShape: Shape, bias: View<B> | null): B;
  /** conv2d's bias gradient: dy [N, O, H', W'] summed over H', W' → [N, O] (`perImage`), or over N too → [O]. */
  conv2dBiasGrad(dy: View<B>, perImage: boolean): B;
  /** ∂L/∂x of conv2d given dy: [N, O, H', W'] → `xShape`. */
  conv2dInputGrad(dy: View<B>, w: View<B>, p: Conv2dParams, xShape: Shape): B;
  /** ∂L/∂w of conv2d given x and dy → `wShape`. */
  conv2dWeightGrad(x: View<B>, dy: View<B>, p: Conv2dParams, wShape: Shape): B;

  /**
   * Group norm of float x [N, C, …] in `groups` groups (C divisible by it): per (sample, group)
   * μ and biased σ², then y = (x − μ)·(σ² + eps)^−½ · weight[c] + bias[c] (null weight = 1, bias = 0),
   * and, with `silu`, SiLU(y) in the same pass.
   */
  groupNorm(x: View<B>, weight: View<B> | null, bias: View<B> | null, groups: number, eps: number, silu: boolean): B;
  /** ∂L/∂x, ∂L/∂weight, ∂L/∂bias (the last two [C]) of `groupNorm` given dy; μ and σ² recomputed from x. */
  groupNormBackward(dy: View<B>, x: View<B>, weight: View<B> | null, bias: View<B> | null, groups: number, eps: number, silu: boolean): [B, B, B];

  /** ∂L/∂x of SiLU from x and dy: dy · σ(x) · (1 + x · (1 − σ(x))). */
  siluBackward(x: View<B>, dy: View<B>): B;

  /**
   * One Adam step for one float parameter: returns the new θ, m and v (new buffers; the inputs are
   * left as they are). m and v are null before the first step (zeros). The update of adamStep in ops.
   */
  adamStep(param: View<B>, grad: View<B>, expAvg: View<B> | null, expAvgSq: View<B> | null, h: AdamStepParams): [B, B, B];

  /** Softmax of float x along `dim`, on x − max (a ±∞ or NaN max shifts by 0 instead). */
  softmax(x: View<B>, dim: number): B;
  /** ∂L/∂x of softmax along `dim` from its output y and dy: y ⊙ (dy − Σ_dim dy ⊙ y). */
  softmaxBackward(y: View<B>, dy: View<B>, dim: number): B;
}
