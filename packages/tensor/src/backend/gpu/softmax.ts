/**
 * Softmax on the gpu, each way as a small per-row statistics kernel and then an elementwise kernel.
 * x is seen as [outer, n, inner] around the softmax dim (size n), so each of the outer·inner rows is
 * n entries `inner` apart (contiguous when inner = 1, attention's case). One thread per row walks its
 * n entries (a constant bound, so any n); sums are Kahan-compensated, so float32 does not drift with n.
 *   forward:  m = max row, s = m finite ? m : 0, eᵢ = exp(xᵢ − s), yᵢ = eᵢ · (Σ e)⁻¹
 *   backward: ∂xᵢ = yᵢ · (dyᵢ − Σⱼ dyⱼ yⱼ)
 */
import type { View } from '../kernels.ts';
import { sizeOf } from '../../shape.ts';
import { UNSEEN_ONE } from './reduce.ts';
import type { GpuBuffer, GpuEngine, KernelThis } from './engine.ts';
import { floorDiv } from './indexing.ts';

type Rows = KernelThis<{ n: number; inner: number }>;

/**
 * Thread 2r writes row r's shift s, thread 2r + 1 its scale (Σ exp(x − s))⁻¹, which is ≥ 1/n for a
 * finite max. A +∞ max gives s = 0 and scale 0 (the js reference's 1/∞; `softmaxKernel` then writes
 * its eᵢ·0); a −∞ or NaN max gives a NaN scale (the reference's 0·∞ and NaN), made at run time since
 * gpu.js has no NaN literal.
 */
function softmaxStatsKernel(this: Rows, x: number[], one: number): number {
  const row = floorDiv(this.thread.x, 2);
  const outer = floorDiv(row, this.constants.inner);
  const base = outer * this.constants.n * this.constants.inner + (row - outer * this.constants.inner);
  let m = x[base]!;
  for (let j = 1; j < this.constants.n; j++) {
    const v = x[base + j * this.constants.inner]!;
    if (v > m || v !== v) m = v; // a NaN, once taken, stays: nothing compares greater than it
  }
  let shift = 0;
  if (Math.abs(m) <= 3.4028234663852886e38) shift = m;
  if (this.thread.x - 2 * row === 0) return shift;
  if (m > 3.4028234663852886e38) return 0;
  if (!(m >= -3.4028234663852886e38)) return Math.sqrt(-1 - Math.abs(m)); // −∞ or NaN: NaN
  let total = 0;
  let carry = 0;
  for (let j = 0; j < this.constants.n; j++) {
    const y = Math.exp(x[base + j * this.constants.inner]! - shift) - carry;
    const t = (total + y) * one; // `one` keeps the compiler from folding the carry to 0
    carry = (t - total) - y;
    total = t;
  }
  return 1 / total;
}

/** The row of flat index i in [outer, n, inner] is outer·inner + (i mod inner). */
function softmaxKernel(this: Rows, x: number[], stats: number[]): number {
  const i = this.thread.x;
  const row = floorDiv(i, this.constants.n * this.constants.inner) * this.constants.inner + (i - floorDiv(i, this.constants.inner) * this.constants.inner);
  const v = x[i]!;
  const scale = stats[2 * row + 1]!;
  if (scale === 0) {
    // A +∞ max: the reference's eᵢ · 0 with eᵢ = exp(xᵢ) in float64, NaN where that overflows, else 0.
    if (v > 709.782712893384) return Math.sqrt(-1 - Math.abs(v));
    return 0;
  }
  return Math.exp(v - stats[2 * row]!) * scale;
}

/** Σⱼ dyⱼ yⱼ of each row, compensated. */
function softmaxDotKernel(this: Rows, y: number[], dy: number[], one: number): number {
  const outer = floorDiv(this.thread.x, this.constants.inner);
  const base = outer * this.constants.n * this.constants.inner + (this.thread.x - outer * this.constants.inner);
  let total = 0;
  let carry = 0;
  for (let j = 0; j < this.constants.n; j++) {
    const k = base + j * this.constants.inner;
    const term = dy[k]! * y[k]! - carry;
    const t = (total + term) * one; // `one` keeps the compiler from folding the carry to 0
    carry = (t - total) - term;
    total = t;
  }
  return total;
}

function softmaxBackwardKernel(this: Rows, y: number[], dy: number[], dot: number[]): number {
  const i = this.thread.x;
  const row = floorDiv(i, this.constants.n * this.constants.inner) * this.constants.inner + (i - floorDiv(i, this.constants.inner) * this.constants.inner);
  return y[i]! * (dy[i]! - dot[row]!);
}

/** n (the softmax dim's size), inner (its stride) and the number of rows of `shape` around `dim`. */
function rows(shape: readonly number[], dim: number) {
  const n = shape[dim]!, inner = sizeOf(shape.slice(dim + 1));
  return { n, inner, count: n === 0 ? 0 : sizeOf(shape) / n };
}

const asBuf = (v: View): GpuBuffer => v.buf as GpuBuffer;

export function softmaxKernels(engine: GpuEngine) {
  return {
    softmax(x: View, dim: number): GpuBuffer {
      const { n, inner, count } = rows(x.shape, dim), constants = { n, inner };
      const stats = engine.launch({ name: 'softmax stats', fn: softmaxStatsKernel, constants }, 2 * count, [asBuf(x)], UNSEEN_ONE);
      const y = engine.launch({ name: 'softmax', fn: softmaxKernel, constants }, sizeOf(x.shape), [asBuf(x), stats]);
      stats.release();
      return y;
    },
    softmaxBackward(y: View, dy: View, dim: number): GpuBuffer {
      const { n, inner, count } = rows(y.shape, dim), constants = { n, inner };
      const dot = engine.launch({ name: 'softmax dot', fn: softmaxDotKernel, constants }, count, [asBuf(y), asBuf(dy)], UNSEEN_ONE);
      const dx = engine.launch({ name: 'softmaxBackward', fn: softmaxBackwardKernel, constants }, sizeOf(y.shape), [asBuf(y), asBuf(dy), dot]);
      dot.release();
      return dx;
    },
  };
}
