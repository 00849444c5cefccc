/** Reductions over a set of dims, keeping them as size-1 dims. */
import type { ArgReduceCode, ReduceCode, Shape, TypedArray, View } from '../kernels.ts';
import { sizeOf, stridesOf } from '../../shape.ts';
import { alloc, forEachOffset } from './util.ts';

const keepShape = (shape: Shape, dims: readonly number[]): number[] => shape.map((d, k) => (dims.includes(k) ? 1 : d));

export function reduce(code: ReduceCode, x: View<TypedArray>, dims: readonly number[]): TypedArray {
  const outShape = keepShape(x.shape, dims);
  const outStrides = stridesOf(outShape).map((s, k) => (dims.includes(k) ? 0 : s));
  // Accumulate in float64 so float32 sums do not drift with length.
  const acc = new Float64Array(sizeOf(outShape)).fill(code === 'sum' ? 0 : code === 'max' ? -Infinity : Infinity);
  const X = x.buf;
  const step = code === 'sum'
    ? (o: number, v: number) => { acc[o]! += v; }
    : code === 'max'
      ? (o: number, v: number) => { if (v > acc[o]! || v !== v) acc[o] = v; }
      : (o: number, v: number) => { if (v < acc[o]! || v !== v) acc[o] = v; };
  forEachOffset(x.shape, [outStrides], (i, [o]) => {
    if (acc[o!] === acc[o!]) step(o!, X[i]!); // once NaN, stays NaN
  });
  const out = alloc(x.dtype, acc.length);
  out.set(acc);
  return out;
}

export function argReduce(code: ArgReduceCode, x: View<TypedArray>, dim: number): TypedArray {
  const shape = x.shape, n = shape[dim]!, inner = sizeOf(shape.slice(dim + 1)), outer = sizeOf(shape.slice(0, dim));
  const out = new Int32Array(outer * inner), X = x.buf;
  const better = code === 'argmax' ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let bestIdx = 0, best = X[o * n * inner + i]!;
      for (let j = 1; j < n && best === best; j++) {
        const v = X[(o * n + j) * inner + i]!;
        if (better(v, best) || v !== v) { best = v; bestIdx = j; }
      }
      out[o * inner + i] = bestIdx;
    }
  }
  return out;
}
