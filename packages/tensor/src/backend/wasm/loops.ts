/**
 * The memory-bound kernels of the wasm backend as row loops over collapsed shapes. The `js`
 * reference visits every element through a general odometer (a callback per element); here the
 * dims are first collapsed (size-1 dims dropped, neighbours that stay contiguous for every operand
 * merged), so a [B, C, H, W] ⊙ [1, C, 1, 1] product becomes [B, C, H·W] with rows of H·W, and the
 * odometer steps once per row while the row itself is one tight loop, a `fill` or a `set`.
 * Same results as `js` (sums accumulate in float64, NaN handling as there). Float32 outputs come
 * from the engine's pool (`buffer-pool.ts`) and every kernel here writes all of its output.
 */

import type { BinaryCode, DType, ReduceCode, Shape, TypedArray, View } from '../kernels.ts';
import { jsKernels } from '../js/index.ts';
import { forEachOffset } from '../js/util.ts';
import { allocOutput as alloc } from './buffer-pool.ts';
import { broadcastStrides, sizeOf, stridesOf } from '../../shape.ts';

/**
 * Drop size-1 dims and merge dim k into k−1 wherever every stride list stays affine across the
 * pair (strides[k−1] = strides[k] · shape[k]). Returns the collapsed shape and strides.
 */
export function collapse(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [], outStrides: number[][] = strides.map(() => []);
  for (let k = 0; k < shape.length; k++) {
    const n = shape[k]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, j) => outStrides[j]![last] === s[k]! * n)) {
      outShape[last] = outShape[last]! * n;
      strides.forEach((s, j) => { outStrides[j]![last] = s[k]!; });
    } else {
      outShape.push(n);
      strides.forEach((s, j) => outStrides[j]!.push(s[k]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** A single element collapses to no dims: make it one row of length 1 (strides 1, so no code sees a broadcast). */
function oneElement(c: { shape: number[]; strides: number[][] }): void {
  c.shape.push(1);
  for (const s of c.strides) s.push(1);
}

/**
 * Call `row(offsets, rowIndex)` for every row of the collapsed iteration space: the last dim is the
 * row, the others are walked by the js backend's odometer, which keeps each operand's offset.
 * `strides` hold the outer dims only (callers pop the row's stride first).
 */
function forEachRow(shape: readonly number[], strides: readonly (readonly number[])[], row: (offsets: readonly number[], rowIndex: number) => void): void {
  forEachOffset(shape.slice(0, -1), strides, (r, offsets) => row(offsets, r));
}

/** out[o + j] = A[ia + j·la] ∘ B[ib + j·lb], la and lb in {0, 1}: the common codes inline. */
function binaryRow(code: BinaryCode, A: TypedArray, ia: number, la: number, B: TypedArray, ib: number, lb: number, out: TypedArray, o: number, n: number): boolean {
  if (la === 1 && lb === 1) {
    switch (code) {
      case 'add': for (let j = 0; j < n; j++) out[o + j] = A[ia + j]! + B[ib + j]!; return true;
      case 'sub': for (let j = 0; j < n; j++) out[o + j] = A[ia + j]! - B[ib + j]!; return true;
      case 'mul': for (let j = 0; j < n; j++) out[o + j] = A[ia + j]! * B[ib + j]!; return true;
      case 'div': for (let j = 0; j < n; j++) out[o + j] = A[ia + j]! / B[ib + j]!; return true;
      default: return false;
    }
  }
  if (la === 1 && lb === 0) {
    const s = B[ib]!;
    switch (code) {
      case 'add': for (let j = 0; j < n; j++) out[o + j] = A[ia + j]! + s; return true;
      case 'sub': for (let j = 0; j < n; j++) out[o + j] = A[ia + j]! - s; return true;
      case 'mul': for (let j = 0; j < n; j++) out[o + j] = A[ia + j]! * s; return true;
      case 'div': for (let j = 0; j < n; j++) out[o + j] = A[ia + j]! / s; return true;
      default: return false;
    }
  }
  if (la === 0 && lb === 1) {
    const s = A[ia]!;
    switch (code) {
      case 'add': for (let j = 0; j < n; j++) out[o + j] = s + B[ib + j]!; return true;
      case 'sub': for (let j = 0; j < n; j++) out[o + j] = s - B[ib + j]!; return true;
      case 'mul': for (let j = 0; j < n; j++) out[o + j] = s * B[ib + j]!; return true;
      case 'div': for (let j = 0; j < n; j++) out[o + j] = s / B[ib + j]!; return true;
      default: return false;
    }
  }
  return false;
}

/** Broadcasting add/sub/mul/div by rows; other codes (and odd layouts) go to the `js` kernel. */
export function binary(code: BinaryCode, a: View<TypedArray>, b: View<TypedArray>, outShape: Shape): TypedArray {
  if (code !== 'add' && code !== 'sub' && code !== 'mul' && code !== 'div') return jsKernels.binary(code, a, b, outShape);
  const c = collapse(outShape, [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)]);
  const out = alloc(a.dtype, sizeOf(outShape));
  if (out.length === 0) return out;
  if (c.shape.length === 0) oneElement(c);
  const n = c.shape[c.shape.length - 1]!, la = c.strides[0]!.pop()!, lb = c.strides[1]!.pop()!;
  if (la > 1 || lb > 1) return jsKernels.binary(code, a, b, outShape);
  forEachRow(c.shape, c.strides, ([ia, ib], r) => { binaryRow(code, a.buf, ia!, la, b.buf, ib!, lb, out, r * n, n); });
  return out;
}

/** Reduce over `dims` by rows: a reduced last dim sums along the row, a kept one adds rows together. */
export function reduce(code: ReduceCode, x: View<TypedArray>, dims: readonly number[]): TypedArray {
  const outShape = x.shape.map((d, k) => (dims.includes(k) ? 1 : d));
  const outStrides = stridesOf(outShape).map((s, k) => (dims.includes(k) ? 0 : s));
  const c = collapse(x.shape, [stridesOf(x.shape), outStrides]);
  const outLength = sizeOf(outShape);
  if (sizeOf(x.shape) === 0 || c.shape.length === 0) return jsKernels.reduce(code, x, dims);
  const n = c.shape[c.shape.length - 1]!, rowReduced = c.strides[1]![c.strides[1]!.length - 1] === 0;
  c.strides.forEach((s) => s.pop());
  const X = x.buf;
  const acc = new Float64Array(outLength).fill(code === 'sum' ? 0 : code === 'max' ? -Infinity : Infinity);
  if (code === 'sum' && rowReduced && n < 8 && c.shape.length >= 2) {
    // Short summed rows (a nearest upsample's backward sums rows of 2): the last two dims in one callback.
    const m = c.shape[c.shape.length - 2]!, sm = c.strides[0]!.pop()!, om = c.strides[1]!.pop()!;
    forEachRow(c.shape.slice(0, -1), c.strides, ([ix, o]) => {
      for (let a = 0; a < m; a++) {
        const i0 = ix! + a * sm, o0 = o! + a * om;
        let s = acc[o0]!;
        for (let j = 0; j < n; j++) s += X[i0 + j]!;
        acc[o0] = s;
      }
    });
    return fromAcc(x.dtype, acc);
  }
  forEachRow(c.shape, c.strides, ([ix, o]) => {
    const i0 = ix!, o0 = o!;
    if (rowReduced) {
      let s = acc[o0]!;
      if (code === 'sum') for (let j = 0; j < n; j++) s += X[i0 + j]!;
      else if (code === 'max') for (let j = 0; j < n && s === s; j++) { const v = X[i0 + j]!; if (v > s || v !== v) s = v; }
      else for (let j = 0; j < n && s === s; j++) { const v = X[i0 + j]!; if (v < s || v !== v) s = v; }
      acc[o0] = s;
    } else if (code === 'sum') {
      for (let j = 0; j < n; j++) acc[o0 + j]! += X[i0 + j]!;
    } else if (code === 'max') {
      for (let j = 0; j < n; j++) { const v = X[i0 + j]!, s = acc[o0 + j]!; if (s === s && (v > s || v !== v)) acc[o0 + j] = v; }
    } else {
      for (let j = 0; j < n; j++) { const v = X[i0 + j]!, s = acc[o0 + j]!; if (s === s && (v < s || v !== v)) acc[o0 + j] = v; }
    }
  });
  return fromAcc(x.dtype, acc);
}

/** The float64 accumulators in a (pooled) output of `dtype`. */
function fromAcc(dtype: DType, acc: Float64Array): TypedArray {
  const out = alloc(dtype, acc.length);
  out.set(acc);
  return out;
}

/**
 * out[i₀…iₙ] = X[offset + Σ iₖ·strides[k]]. The output is written in order, block by block: a dim
 * that x does not move along (stride 0: `expand`, a nearest upsample) is written once and its block
 * copied on with `copyWithin` (a memcpy), and the last dim (the last two when rows are short, as the
 * upsample's rows of 2 are) is one tight loop, a `set` for stride 1 and a `fill` for stride 0.
 */
export function strided(x: View<TypedArray>, outShape: Shape, strides: readonly number[], offset: number): TypedArray {
  const out = alloc(x.dtype, sizeOf(outShape));
  if (out.length === 0) return out;
  const c = collapse(outShape, [strides, stridesOf(outShape)]);
  if (c.shape.length === 0) oneElement(c);
  const shape = c.shape, sx = c.strides[0]!, so = c.strides[1]!, X = x.buf;
  const nd = shape.length, n = shape[nd - 1]!, ls = sx[nd - 1]!;
  // The leaf: the row, or the last two dims (m rows of n, m·n out contiguous) when rows are short.
  const two = n < 8 && nd >= 2, leafDims = two ? 2 : 1, m = two ? shape[nd - 2]! : 1, sm = two ? sx[nd - 2]! : 0;
  const leaf = (i0: number, o0: number): void => {
    if (two) {
      for (let a = 0, o = o0; a < m; a++, o += n) {
        const ia = i0 + a * sm;
        for (let j = 0; j < n; j++) out[o + j] = X[ia + j * ls]!;
      }
    } else if (ls === 1) out.set(X.subarray(i0, i0 + n), o0);
    else if (ls === 0) out.fill(X[i0]!, o0, o0 + n);
    else for (let j = 0; j < n; j++) out[o0 + j] = X[i0 + j * ls]!;
  };
  const block = (k: number, i0: number, o0: number): void => {
    if (k === nd - leafDims) return leaf(i0, o0);
    const len = so[k]!, count = shape[k]!;
    if (sx[k] === 0) {
      block(k + 1, i0, o0);
      for (let a = 1; a < count; a++) out.copyWithin(o0 + a * len, o0, o0 + len);
    } else {
      for (let a = 0; a < count; a++) block(k + 1, i0 + a * sx[k]!, o0 + a * len);
    }
  };
  block(0, offset, 0);
  return out;
}

/** acc[i] += x[i] over equal lengths, in place (the small case of `accumulate`). */
export function addInto(acc: Float32Array, x: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + x[i]!;
}

/**
 * Constant padding, each output element written once: x's rows copied in (`set`) in output order,
 * and `value` filled into the gaps between them (a narrow's backward pads to three times its size).
 */
export function pad(x: View<TypedArray>, before: readonly number[], after: readonly number[], value: number): TypedArray {
  const outShape = x.shape.map((d, k) => d + before[k]! + after[k]!);
  const out = alloc(x.dtype, sizeOf(outShape));
  if (sizeOf(x.shape) === 0) return out.fill(value);
  const outStrides = stridesOf(outShape);
  const base = before.reduce((acc, b, k) => acc + b * outStrides[k]!, 0);
  const c = collapse(x.shape, [stridesOf(x.shape), outStrides]);
  if (c.shape.length === 0) oneElement(c);
  const n = c.shape[c.shape.length - 1]!;
  c.strides[0]!.pop();
  // x's row is contiguous; in out it is too unless x's trailing dims were size 1 (then stride lo > 1).
  const lo = c.strides[1]!.pop()!;
  const X = x.buf;
  if (lo !== 1) {
    out.fill(value);
    forEachRow(c.shape, c.strides, ([ix, o]) => { for (let j = 0; j < n; j++) out[base + o! + j * lo] = X[ix! + j]!; });
    return out;
  }
  let filled = 0; // out[0, filled) is written; rows come in increasing output order
  forEachRow(c.shape, c.strides, ([ix, o]) => {
    const at = base + o!;
    out.fill(value, filled, at);
    out.set(X.subarray(ix!, ix! + n), at);
    filled = at + n;
  });
  return out.fill(value, filled);
}
