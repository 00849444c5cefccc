/**
 * A bounded pool of float32 output buffers, by exact length, for the wasm backend. Fresh memory is
 * expensive here (a touched 2 MiB `new Float32Array` costs ~500 minor page faults when the allocator
 * has just returned its pages: bench/README.md), and a training step or a sampler makes the same
 * shapes over and over, so a disposed tensor's buffer is handed to the next kernel output of the
 * same length instead of to the garbage collector.
 *
 * Never a buffer still referenced: only buffers this pool handed out are ever taken back, each
 * with a count of the tensors that own it (1 when a kernel makes it, +1 per `share`, as `reshape`
 * and `detach` do; −1 per `dispose`); it returns to the pool when the count reaches 0. A tensor that
 * is dropped without `dispose()` keeps its count above 0, so its buffer goes to the garbage
 * collector as before. Buffers the user handed in (`tensor(data)` copies them anyway) are never
 * counted, so never pooled. A taken buffer holds stale values: kernels that take one overwrite all
 * of it.
 *
 * Bounded: the pool holds at most `maxBytes` (default 512 MiB); a released buffer that does not fit is
 * left to the garbage collector, so the pool can add at most that much to the process's memory. The
 * bound is set to hold a whole step's or evaluation's outputs (a batch-16 evaluation of the bench
 * U-Net releases ~310 MiB): with 64 MiB, two thirds of that evaluation's outputs were fresh memory,
 * whose page faults made up most of the time spent copying results out of the engine heap, while
 * the peak resident set was the same either way (the buffers were live at the peak anyway).
 * bench/README.md, "Round two", 2026-12-06 night.
 *
 * Where the buffers live: a pool may be given a `HeapStorage` (heap-storage.ts), which makes new
 * buffers as views of the engine's heap (the wasm backend's pool does), and gets each one back when
 * the pool lets it go; without one, or when that storage is full, a new buffer is a plain array.
 */
import type { DType, TypedArray } from '../kernels.ts';
import { alloc } from '../js/util.ts';
import { getEngine } from './engine.ts';
import { HeapStorage } from './heap-storage.ts';

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owners = new WeakMap<Float32Array, number>();
  /** The `trim` count when each free buffer was released. */
  private readonly releasedAt = new WeakMap<Float32Array, number>();
  private trims = 0;
  private held = 0;
  /** Counters for the benchmark and the tests: buffers taken from the pool, and made fresh. */
  reused = 0;
  made = 0;

  constructor(private bound = 512 * 2 ** 20, readonly storage: HeapStorage | null = null) {}

  /** The bound on the bytes of free buffers held. */
  get maxBytes(): number { return this.bound; }

  /** Bytes of free buffers held now. */
  get heldBytes(): number { return this.held; }

  /** Set the bound (0 turns pooling off); buffers over it are dropped at once. */
  setMaxBytes(maxBytes: number): void {
    this.bound = Math.max(0, maxBytes);
    for (const [n, list] of this.free) {
      while (this.held > this.bound && list.length > 0) {
        this.letGo(list.pop()!);
        this.held -= 4 * n;
      }
      if (list.length === 0) this.free.delete(n);
    }
  }

  /** A float32 buffer of length `n` with one owner; its contents are unspecified (the caller overwrites them). */
  take(n: number): Float32Array {
    const list = this.free.get(n);
    let buf = list?.pop();
    if (buf !== undefined) {
      this.held -= 4 * n;
      this.reused++;
    } else {
      buf = this.storage?.make(n) ?? new Float32Array(n);
      this.made++;
    }
    if (n > 0) this.owners.set(buf, 1);
    return buf;
  }

  /**
   * Called when a step ends: drop (to the garbage collector) the free buffers released before the
   * previous trim that no step has taken since. Buffers released after it (during this step, or by the
   * previous step's disposal just after that trim) stay: a step's transient outputs (the gradients backward consumes and disposes on the way) are
   * asked for again by the next step, and dropping them made ~40 MiB of fresh memory per training
   * step of the bench U-Net. A buffer no step takes leaves the pool at the second trim after its release.
   */
  trim(): void {
    for (const [n, list] of this.free) {
      const kept: Float32Array[] = [];
      for (const buf of list) {
        if (this.releasedAt.get(buf) === this.trims) kept.push(buf);
        else this.letGo(buf);
      }
      this.held -= 4 * n * (list.length - kept.length);
      if (kept.length === 0) this.free.delete(n);
      else this.free.set(n, kept);
    }
    this.trims++;
  }

  /** One more owner of `buf` (a tensor sharing its storage). Buffers the pool did not make are ignored. */
  share(buf: unknown): void {
    if (!(buf instanceof Float32Array)) return;
    const count = this.owners.get(buf);
    if (count !== undefined) this.owners.set(buf, count + 1);
  }

  /** One owner fewer; at none the buffer returns to the pool if it fits the bound. */
  release(buf: unknown): void {
    if (!(buf instanceof Float32Array)) return;
    const count = this.owners.get(buf);
    if (count === undefined) return;
    if (count > 1) {
      this.owners.set(buf, count - 1);
      return;
    }
    this.owners.delete(buf);
    const bytes = 4 * buf.length;
    if (this.held + bytes > this.bound) {
      this.letGo(buf);
      return;
    }
    this.releasedAt.set(buf, this.trims);
    const list = this.free.get(buf.length);
    if (list) list.push(buf);
    else this.free.set(buf.length, [buf]);
    this.held += bytes;
  }

  /** A buffer leaves the pool for good: to the garbage collector, or its block back to the heap. */
  private letGo(buf: Float32Array): void {
    this.storage?.drop(buf);
  }

  /** The owner count of `buf` (0 for buffers the pool does not count), for tests. */
  ownersOf(buf: unknown): number {
    return buf instanceof Float32Array ? this.owners.get(buf) ?? 0 : 0;
  }
}

/** The wasm backend's pool of kernel outputs, made in the current engine's heap (up to the storage's bound). */
export const outputPool = new BufferPool(undefined, new HeapStorage(() => getEngine().heap));

/** A kernel output: float32 from the pool (stale contents: the kernel must write all of it), else fresh. */
export const allocOutput = (dtype: DType, n: number): TypedArray => (dtype === 'float32' ? outputPool.take(n) : alloc(dtype, n));
