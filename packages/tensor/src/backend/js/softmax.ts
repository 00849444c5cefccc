/**
 * Softmax in one kernel each way. x is seen as [outer, n, inner] around the softmax dim (size n),
 * so each of the outer·inner rows is n entries `inner` apart; rows are contiguous when inner = 1
 * (the last dim, attention's case). Sums accumulate in float64.
 *   forward:  m = max row, s = m finite ? m : 0, eᵢ = exp(xᵢ − s), yᵢ = eᵢ / Σ e
 *   backward: ∂xᵢ = yᵢ · (dyᵢ − Σⱼ dyⱼ yⱼ)
 */
import type { TypedArray, View } from '../kernels.ts';
import { alloc } from './util.ts';

/** Outer count, dim size and inner stride of `shape` around `dim`. */
function rows(shape: readonly number[], dim: number): [number, number, number] {
  const size = (ds: readonly number[]) => ds.reduce((p, d) => p * d, 1);
  return [size(shape.slice(0, dim)), shape[dim]!, size(shape.slice(dim + 1))];
}

export function softmax(x: View<TypedArray>, dim: number): TypedArray {
  const [outer, n, inner] = rows(x.shape, dim), X = x.buf, out = alloc(x.dtype, X.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i, end = base + n * inner;
      let m = -Infinity;
      for (let j = base; j < end; j += inner) { const v = X[j]!; if (v > m || v !== v) m = v; if (m !== m) break; }
      const shift = Math.abs(m) < Infinity ? m : 0;
      let total = 0;
      for (let j = base; j < end; j += inner) { const e = Math.exp(X[j]! - shift); out[j] = e; total += e; }
      const scale = 1 / total;
      for (let j = base; j < end; j += inner) out[j] = out[j]! * scale;
    }
  }
  return out;
}

/** `allocate` makes the output (the wasm engine passes its pool's). */
export function softmaxBackward(y: View<TypedArray>, dy: View<TypedArray>, dim: number, allocate = alloc): TypedArray {
  const [outer, n, inner] = rows(y.shape, dim), Y = y.buf, D = dy.buf, out = allocate(y.dtype, Y.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i, end = base + n * inner;
      let dot = 0;
      for (let j = base; j < end; j += inner) dot += D[j]! * Y[j]!;
      for (let j = base; j < end; j += inner) out[j] = Y[j]! * (D[j]! - dot);
    }
  }
  return out;
}
