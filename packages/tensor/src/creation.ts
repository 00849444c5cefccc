/** Creating tensors: from data, constants, ranges, and seeded random draws. */
import type { DType, Shape, TypedArray } from './backend/kernels.ts';
import { getBackend } from './backend/registry.ts';
import { Tensor, type NestedArray } from './tensor-core.ts';
import { defaultGenerator, type Generator } from './random.ts';
import { dtypeOf, typedArrayFor } from './dtype.ts';
import { checkShape, fmt, OpError, sizeOf } from './shape.ts';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

function make(data: TypedArray, shape: Shape, requiresGrad = false): Tensor {
  const t = new Tensor(getBackend().upload(data), [...shape], dtypeOf(data), getBackend());
  return requiresGrad ? t.requiresGrad_() : t;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] ?? 0;
  }
  return shape;
}

/**
 * A tensor from nested arrays, a typed array (with `shape`, default 1-D) or a number. The dtype
 * follows a typed array's type and is float32 otherwise, unless given.
 */
export function tensor(data: NestedArray | TypedArray, options: CreateOptions & { shape?: Shape } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const shape = options.shape ?? [data.length];
    checkShape('tensor', shape);
    if (sizeOf(shape) !== data.length) throw new OpError('tensor', `shape ${fmt(shape)} needs ${sizeOf(shape)} values, got ${data.length}`);
    return make(typedArrayFor(options.dtype ?? dtypeOf(data), data), shape, options.requiresGrad);
  }
  const shape = inferShape(data);
  const flat: number[] = [];
  const walk = (v: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new OpError('tensor', `ragged nested array: expected a number at depth ${dim}`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) throw new OpError('tensor', `ragged nested array: expected length ${shape[dim]} at depth ${dim}`);
    for (const item of v) walk(item, dim + 1);
  };
  walk(data, 0);
  if (options.shape !== undefined && sizeOf(options.shape) !== flat.length) {
    throw new OpError('tensor', `shape ${fmt(options.shape)} needs ${sizeOf(options.shape)} values, got ${flat.length}`);
  }
  return make(typedArrayFor(options.dtype ?? 'float32', flat), options.shape ?? shape, options.requiresGrad);
}

/** A tensor filled with `value`. */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  return filled('full', shape, value, options);
}

function filled(op: string, shape: Shape, value: number, { dtype = 'float32', requiresGrad }: CreateOptions = {}): Tensor {
  checkShape(op, shape);
  const backend = getBackend();
  const t = new Tensor(backend.fill(shape, dtype, value), [...shape], dtype, backend);
  return requiresGrad ? t.requiresGrad_() : t;
}

/**
 * A creator's size arguments, as PyTorch takes them: `zeros([2, 3])`, `zeros(2, 3)`, each with an
 * optional options object last (`zeros(2, 3, { dtype: 'float64' })`).
 */
export type SizeArgs<O> = [shape: Shape, options?: O] | [...sizes: number[]] | [...sizes: number[], options: O];

function sizeArgs<O extends object>(op: string, args: SizeArgs<O>): [Shape, O | undefined] {
  const last = args[args.length - 1];
  const hasOptions = typeof last === 'object' && last !== null && !Array.isArray(last);
  const sizes = (hasOptions ? args.slice(0, -1) : args) as unknown[];
  const options = (hasOptions ? last : undefined) as O | undefined;
  if (sizes.length === 1 && Array.isArray(sizes[0])) return [sizes[0] as Shape, options];
  if (sizes.every((d) => typeof d === 'number')) return [sizes as number[], options];
  throw new OpError(op, `expected a shape array or sizes as numbers, got (${sizes.map((d) => (Array.isArray(d) ? `[${d}]` : typeof d === 'number' ? d : typeof d)).join(', ')})`);
}

/** Zeros: `zeros([2, 3])` or `zeros(2, 3)`, options last. */
export function zeros(...args: SizeArgs<CreateOptions>): Tensor {
  const [shape, options] = sizeArgs('zeros', args);
  return filled('zeros', shape, 0, options);
}
/** Ones: `ones([2, 3])` or `ones(2, 3)`, options last. */
export function ones(...args: SizeArgs<CreateOptions>): Tensor {
  const [shape, options] = sizeArgs('ones', args);
  return filled('ones', shape, 1, options);
}

/** Same shape, dtype and backend as `like`, filled with `value`. */
export function fullLike(like: Tensor, value: number): Tensor {
  return new Tensor(like.backend.fill(like.shape, like.dtype, value), like.shape, like.dtype, like.backend);
}
export const zerosLike = (like: Tensor): Tensor => fullLike(like, 0);
export const onesLike = (like: Tensor): Tensor => fullLike(like, 1);

/** Values start, start + step, … below end (torch.arange; `arange(n)` is 0 … n−1). */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step)) throw new OpError('arange', `step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  return make(typedArrayFor(options.dtype ?? 'float32', Array.from({ length: n }, (_, i) => lo + i * step)), [n], options.requiresGrad);
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new OpError('linspace', `steps must be a non-negative integer, got ${steps}`);
  const values = Array.from({ length: steps }, (_, i) => (steps === 1 ? start : start + ((end - start) * i) / (steps - 1)));
  return make(typedArrayFor(options.dtype ?? 'float32', values), [steps], options.requiresGrad);
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  checkShape('eye', [n, m]);
  const values = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return make(typedArrayFor(options.dtype ?? 'float32', values), [n, m], options.requiresGrad);
}

function randomTensor(op: string, shape: Shape, draw: (g: Generator) => number, { dtype = 'float32', generator = defaultGenerator, requiresGrad }: RandomOptions): Tensor {
  checkShape(op, shape);
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw(generator);
  return make(typedArrayFor(dtype, values), shape, requiresGrad);
}

/** Uniform on [0, 1): `rand([2, 3])` or `rand(2, 3)`, options last. */
export function rand(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, options = {}] = sizeArgs('rand', args);
  return randomTensor('rand', shape, (g) => g.random(), options);
}
/** Standard normal: `randn([2, 3])` or `randn(2, 3)`, options last. */
export function randn(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, options = {}] = sizeArgs('randn', args);
  return randomTensor('randn', shape, (g) => g.normal(), options);
}
/** Uniform integers in [low, high), int32 unless another dtype is asked for. */
export function randint(low: number, high: number, shape: Shape, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new OpError('randint', `needs integers low < high, got [${low}, ${high})`);
  return randomTensor('randint', shape, (g) => g.integer(low, high), { dtype: 'int32', ...options });
}
export const randLike = (like: Tensor, generator?: Generator): Tensor => rand(like.shape, { dtype: like.dtype, generator });
export const randnLike = (like: Tensor, generator?: Generator): Tensor => randn(like.shape, { dtype: like.dtype, generator });
