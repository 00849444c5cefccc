/** Copies that move elements without arithmetic: strided views, concatenation, padding, gather/scatter. */
import type { Shape, TypedArray, View } from '../kernels.ts';
import { sizeOf, stridesOf } from '../../shape.ts';
import { alloc, forEachOffset } from './util.ts';

export function strided(x: View<TypedArray>, outShape: Shape, strides: readonly number[], offset: number): TypedArray {
  const out = alloc(x.dtype, sizeOf(outShape)), X = x.buf;
  forEachOffset(outShape, [strides], (i, [o]) => { out[i] = X[offset + o!]!; });
  return out;
}

/** Each input's rows copied in with `set`; `allocate` makes the output (the wasm engine passes its pool's). */
export function concat(xs: readonly View<TypedArray>[], dim: number, outShape: Shape, allocate = alloc): TypedArray {
  const out = allocate(xs[0]!.dtype, sizeOf(outShape));
  const outer = sizeOf(outShape.slice(0, dim)), rowOut = sizeOf(outShape.slice(dim));
  let start = 0;
  for (const x of xs) {
    const row = sizeOf(x.shape.slice(dim));
    for (let o = 0; o < outer; o++) out.set(x.buf.subarray(o * row, (o + 1) * row), o * rowOut + start);
    start += row;
  }
  return out;
}

export function pad(x: View<TypedArray>, before: readonly number[], after: readonly number[], value: number): TypedArray {
  const outShape = x.shape.map((d, k) => d + before[k]! + after[k]!);
  const out = alloc(x.dtype, sizeOf(outShape)).fill(value), X = x.buf;
  const outStrides = stridesOf(outShape);
  const base = before.reduce((acc, b, k) => acc + b * outStrides[k]!, 0);
  forEachOffset(x.shape, [outStrides], (i, [o]) => { out[base + o!] = X[i]!; });
  return out;
}

/** Offsets into a tensor of `shape` for every element of `index`, with `dim` replaced by the index value. */
function indexedOffsets(shape: Shape, dim: number, index: View<TypedArray>, visit: (i: number, offset: number) => void): void {
  const strides = stridesOf(shape), I = index.buf, n = shape[dim]!;
  const walk = index.shape.map((_, k) => (k === dim ? 0 : strides[k]!));
  forEachOffset(index.shape, [walk], (i, [o]) => {
    const j = I[i]!;
    if (j < 0 || j >= n) throw new RangeError(`index ${j} is out of bounds for dim ${dim} of size ${n}`);
    visit(i, o! + j * strides[dim]!);
  });
}

export function gather(x: View<TypedArray>, dim: number, index: View<TypedArray>): TypedArray {
  const out = alloc(x.dtype, sizeOf(index.shape)), X = x.buf;
  indexedOffsets(x.shape, dim, index, (i, o) => { out[i] = X[o]!; });
  return out;
}

export function scatterAdd(outShape: Shape, dim: number, index: View<TypedArray>, src: View<TypedArray>): TypedArray {
  const out = alloc(src.dtype, sizeOf(outShape)), S = src.buf;
  indexedOffsets(outShape, dim, index, (i, o) => { out[o]! += S[i]!; });
  return out;
}
