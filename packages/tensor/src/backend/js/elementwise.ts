/** Elementwise reference kernels: one readable scalar function per code, applied with broadcasting. */
import type { BinaryCode, DType, Shape, TypedArray, UnaryCode, View } from '../kernels.ts';
import { broadcastStrides, shapesEqual, sizeOf } from '../../shape.ts';
import { alloc, forEachOffset } from './util.ts';

/** erf(x): its Maclaurin series for |x| < 2.5, the erfc continued fraction beyond (absolute error below 1e-14). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/√π Σ (-1)ⁿ x^(2n+1) / (n! (2n+1)); converges fast for |x| < 2.5.
    let term = x, sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction for erfc (Lentz), accurate in the tails.
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) * continuedFraction(ax);
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))): the erfc continued fraction, evaluated backwards. */
function continuedFraction(x: number): number {
  let f = x;
  for (let n = 40; n >= 1; n--) f = x + n / 2 / f;
  return 1 / f;
}

export const unaryFns = {
  neg: (v) => -v,
  abs: Math.abs,
  sign: (v) => (v > 0 ? 1 : v < 0 ? -1 : v),
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (v) => 1 / Math.sqrt(v),
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
  relu: (v) => (v > 0 ? v : 0),
  erf,
  floor: Math.floor,
} satisfies Record<UnaryCode, (v: number) => number>;

export const binaryFns = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
} satisfies Record<BinaryCode, (a: number, b: number) => number>;

export function unary(code: UnaryCode, x: View<TypedArray>): TypedArray {
  const f = unaryFns[code], src = x.buf, out = alloc(x.dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
  return out;
}

export function binary(code: BinaryCode, a: View<TypedArray>, b: View<TypedArray>, outShape: Shape): TypedArray {
  const f = binaryFns[code], out = alloc(a.dtype, sizeOf(outShape));
  const A = a.buf, B = b.buf;
  if (shapesEqual(a.shape, outShape) && shapesEqual(b.shape, outShape)) {
    for (let i = 0; i < out.length; i++) out[i] = f(A[i]!, B[i]!);
  } else if (B.length === 1 && shapesEqual(a.shape, outShape)) {
    const s = B[0]!;
    for (let i = 0; i < out.length; i++) out[i] = f(A[i]!, s);
  } else {
    // The odometer walks every dim but the last; the last runs as a tight loop whose strides are 0 or 1.
    const sa = broadcastStrides(a.shape, outShape), sb = broadcastStrides(b.shape, outShape);
    const n = outShape[outShape.length - 1]!, la = sa.pop()!, lb = sb.pop()!;
    forEachOffset(outShape.slice(0, -1), [sa, sb], (row, [ia, ib]) => {
      for (let j = 0, o = row * n; j < n; j++) out[o + j] = f(A[ia! + j * la]!, B[ib! + j * lb]!);
    });
  }
  return out;
}

export function where(cond: View<TypedArray>, a: View<TypedArray>, b: View<TypedArray>, outShape: Shape): TypedArray {
  const out = alloc(a.dtype, sizeOf(outShape)), C = cond.buf, A = a.buf, B = b.buf;
  const strides = [cond, a, b].map((v) => broadcastStrides(v.shape, outShape));
  forEachOffset(outShape, strides, (i, [ic, ia, ib]) => { out[i] = C[ic!] !== 0 ? A[ia!]! : B[ib!]!; });
  return out;
}

export function cast(x: View<TypedArray>, dtype: DType): TypedArray {
  const out = alloc(dtype, x.buf.length);
  if (dtype === 'int32') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x.buf[i]!);
  else out.set(x.buf);
  return out;
}

export function fill(shape: Shape, dtype: DType, value: number): TypedArray {
  return alloc(dtype, sizeOf(shape)).fill(value);
}
