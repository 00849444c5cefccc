/**
 * The tensor core: a row-major, contiguous n-d array on one backend, with its autodiff bookkeeping
 * and no op methods. Ops, autograd and creation import this class; `tensor.ts`, which imports them,
 * installs the methods (`x.add(y)`, `x.sum(1)`, `loss.backward()` …), so the package's imports run
 * one way: core → tape → ops → composites → tensor.ts → index.ts.
 */
import type { DType, Kernels, Shape, TypedArray, View } from './backend/kernels.ts';
import type { GradNode } from './autograd.ts';
import { formatTensor } from './format.ts';
import { fmt, OpError, sizeOf, stridesOf } from './shape.ts';
import { isFloat } from './dtype.ts';
import { track } from './tidy.ts';
import { copyOf } from './backend/js/util.ts';

/** A tensor or a plain number, which ops turn into a scalar of the other operand's dtype. */
export type TensorLike = Tensor | number;
/** Nested arrays as returned by `toArray()`. */
export type NestedArray = number | NestedArray[];

/** A tensor's claim on backend storage; `assign` moves it to new storage. */
interface Owned { readonly backend: Kernels; buf: unknown }
/** Frees backend memory of tensors that were dropped without `dispose()` (backends whose buffers are not garbage-collected). */
const finalizer = new FinalizationRegistry<Owned>(({ backend, buf }) => backend.dispose(buf));

export class Tensor implements View {
  /** Whether gradients flow to (and accumulate in `.grad` of) this tensor. */
  requiresGrad = false;
  /** The accumulated gradient after `backward()`, for leaves and `retainGrad()` tensors. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded for autodiff (PyTorch's grad_fn). */
  node: GradNode | null = null;
  /** Set by `retainGrad()`: keep `.grad` on this non-leaf tensor. */
  retainsGrad = false;
  private disposed = false;
  private readonly owned: Owned | null;

  /** Low-level: wrap a backend buffer. Use `tensor()`, `zeros()`, … to create tensors. */
  constructor(
    private storage: unknown,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly backend: Kernels,
  ) {
    this.owned = backend.garbageCollected ? null : { backend, buf: storage };
    if (this.owned !== null) finalizer.register(this, this.owned, this);
    // Device tensors join the innermost tidy scope; garbage-collected ones only a recycling scope.
    track(this);
  }

  /** The backend buffer (kernels read it). Throws once the tensor is disposed. */
  get buf(): unknown {
    if (this.disposed) throw new OpError('Tensor', `use of a disposed tensor of shape ${fmt(this.shape)}`);
    return this.storage;
  }

  get ndim(): number { return this.shape.length; }
  numel(): number { return sizeOf(this.shape); }
  /** `size()` is the shape; `size(dim)` one entry of it (negative dims count from the end). */
  size(): Shape;
  size(dim: number): number;
  size(dim?: number): Shape | number {
    if (dim === undefined) return this.shape;
    return this.shape[dim < 0 ? dim + this.ndim : dim] ?? (() => { throw new OpError('size', `dim ${dim} out of range for ${fmt(this.shape)}`); })();
  }
  /** True for tensors created by the user rather than by a recorded op. */
  get isLeaf(): boolean { return this.node === null; }

  /**
   * The values, as a fresh typed array. Works on every backend. On a synchronous one the copy is
   * taken now, before the promise settles, so disposing the tensor afterwards (whose buffer the wasm
   * engine may then reuse) cannot change what the promise gives.
   */
  async data(): Promise<TypedArray> {
    if (this.backend.synchronous) return copyOf(this.backend.readSync(this));
    return copyOf(await this.backend.read(this));
  }
  /** The values, as a fresh typed array; only on synchronous backends (use `await t.data()` elsewhere). */
  dataSync(): TypedArray { return copyOf(this.readSync('dataSync')); }
  /** The backend's values without a copy, or an error naming `op` where reads are asynchronous. */
  private readSync(op: string): TypedArray {
    if (!this.backend.synchronous) {
      throw new OpError(op, `the '${this.backend.name}' backend reads asynchronously; use \`await t.data()\``);
    }
    return this.backend.readSync(this);
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.numel() !== 1) throw new OpError('item', `only one-element tensors can be converted to a number, got shape ${fmt(this.shape)}`);
    return this.readSync('item')[0]!;
  }
  /** The values as nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const data = this.readSync('toArray');
    const build = (dim: number, offset: number, stride: number): NestedArray => {
      if (dim === this.ndim) return data[offset]!;
      const n = this.shape[dim]!, inner = stride / Math.max(n, 1);
      return Array.from({ length: n }, (_, i) => build(dim + 1, offset + i * inner, inner));
    };
    return build(0, 0, this.numel());
  }
  /** PyTorch-style printing; on a backend that reads asynchronously, the shape and dtype without values. */
  toString(): string {
    if (!this.backend.synchronous) return `tensor(<on ${this.backend.name}: await t.data()>, shape=${fmt(this.shape)}, dtype=${this.dtype})`;
    return formatTensor(this.backend.readSync(this), this.shape, this.dtype, this.node?.op, this.requiresGrad);
  }
  /**
   * What `console.log(t)` and Node's `util.inspect` print: `String(t)`, not the storage and backend.
   * A disposed tensor, or one on an asynchronous backend, prints its shape and dtype instead of values.
   * Keyed by `Symbol.for`, so the library needs no Node built-in.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    if (this.disposed) return `tensor(<disposed>, shape=${fmt(this.shape)}, dtype=${this.dtype})`;
    return this.toString();
  }

  /** Whether `dispose()` has run. */
  get isDisposed(): boolean { return this.disposed; }

  /** Release backend memory now (GPU and wasm); the tensor cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    finalizer.unregister(this);
    this.backend.dispose(this.storage);
    // Drop the reference, so a disposed tensor that something still holds (a tidy scope's record,
    // a graph node) does not keep its buffer from the garbage collector or the pool's bound.
    this.storage = null;
  }

  // ---- autodiff --------------------------------------------------------------------------
  /** Set `requiresGrad` on a leaf of floating dtype; returns this, like `requires_grad_()`. */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) throw new OpError('requiresGrad_', 'can only change requiresGrad of leaf tensors; use detach() for a non-leaf');
    if (flag && !isFloat(this.dtype)) throw new OpError('requiresGrad_', `only floating tensors can require grad, got ${this.dtype}`);
    this.requiresGrad = flag;
    return this;
  }
  retainGrad(): this { this.retainsGrad = true; return this; }
  /** The same values, cut from the graph (shares storage). */
  detach(): Tensor { return new Tensor(this.backend.share(this.buf), this.shape, this.dtype, this.backend); }
  /**
   * Replace this tensor's values in place with `value`'s (same shape and dtype), as optimizers do to
   * parameters; no gradient is recorded. The previous storage is released.
   */
  assign(value: Tensor): this {
    if (value.dtype !== this.dtype || fmt(value.shape) !== fmt(this.shape)) {
      throw new OpError('assign', `cannot assign ${value.dtype}${fmt(value.shape)} to ${this.dtype}${fmt(this.shape)}`);
    }
    const moved = value.backend === this.backend ? value.storage : this.backend.upload(value.backend.readSync(value));
    // Copy so that `value` keeps its own storage.
    const next = moved === value.storage ? this.backend.strided(value, value.shape, stridesOf(value.shape), 0) : moved;
    // The previous storage loses this owner (device memory is freed; a pooled wasm buffer returns
    // to its pool once no other tensor shares it).
    this.backend.dispose(this.storage);
    if (this.owned !== null) this.owned.buf = next;
    this.storage = next;
    return this;
  }
}
