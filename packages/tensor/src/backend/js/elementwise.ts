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

/** σ(v) = 1/(1 + e⁻ᵛ), written so that e^|v| is never formed (no overflow for large |v|). */
export function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
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
  sigmoid,
  silu: (v) => v * sigmoid(v),
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

/**
 * The hot loops, one per code, each with its operation written inline. (A single loop calling
 * `unaryFns[code]` would be an indirect call per element: V8 shares one compiled loop among all
 * codes, so it cannot inline fifteen different functions.) `unaryFns` stays the specification, and a
 * test checks every loop against it.
 */
function unaryLoop(code: UnaryCode, X: TypedArray, out: TypedArray): void {
  const n = X.length;
  switch (code) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -X[i]!; return;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(X[i]!); return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(X[i]!); return;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(X[i]!); return;
    case 'log1p': for (let i = 0; i < n; i++) out[i] = Math.log1p(X[i]!); return;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(X[i]!); return;
    case 'rsqrt': for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(X[i]!); return;
    case 'sin': for (let i = 0; i < n; i++) out[i] = Math.sin(X[i]!); return;
    case 'cos': for (let i = 0; i < n; i++) out[i] = Math.cos(X[i]!); return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(X[i]!); return;
    case 'relu': for (let i = 0; i < n; i++) { const v = X[i]!; out[i] = v > 0 ? v : 0; } return;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = sigmoid(X[i]!); return;
    case 'silu': for (let i = 0; i < n; i++) { const v = X[i]!; out[i] = v * sigmoid(v); } return;
    case 'floor': for (let i = 0; i < n; i++) out[i] = Math.floor(X[i]!); return;
    case 'sign': for (let i = 0; i < n; i++) out[i] = unaryFns.sign(X[i]!); return;
    case 'erf': for (let i = 0; i < n; i++) out[i] = erf(X[i]!); return;
    default: { const never: never = code; throw new Error(`unary: unknown code ${String(never)}`); }
  }
}

export function unary(code: UnaryCode, x: View<TypedArray>): TypedArray {
  const out = alloc(x.dtype, x.buf.length);
  unaryLoop(code, x.buf, out);
  return out;
}

/**
 * out[o + j] = A[ia + j·la] ∘ B[ib + j·lb] for j < n: one row of a broadcasting binary op, with
 * strides la, lb of 0 (broadcast) or 1. Inline loops per code, for the reason given at unaryLoop.
 */
function binaryRow(code: BinaryCode, A: TypedArray, ia: number, la: number, B: TypedArray, ib: number, lb: number, out: TypedArray, o: number, n: number): void {
  switch (code) {
    case 'add': for (let j = 0; j < n; j++) out[o + j] = A[ia + j * la]! + B[ib + j * lb]!; return;
    case 'sub': for (let j = 0; j < n; j++) out[o + j] = A[ia + j * la]! - B[ib + j * lb]!; return;
    case 'mul': for (let j = 0; j < n; j++) out[o + j] = A[ia + j * la]! * B[ib + j * lb]!; return;
    case 'div': for (let j = 0; j < n; j++) out[o + j] = A[ia + j * la]! / B[ib + j * lb]!; return;
    case 'pow': for (let j = 0; j < n; j++) out[o + j] = Math.pow(A[ia + j * la]!, B[ib + j * lb]!); return;
    case 'maximum': for (let j = 0; j < n; j++) out[o + j] = binaryFns.maximum(A[ia + j * la]!, B[ib + j * lb]!); return;
    case 'minimum': for (let j = 0; j < n; j++) out[o + j] = binaryFns.minimum(A[ia + j * la]!, B[ib + j * lb]!); return;
    case 'eq': for (let j = 0; j < n; j++) out[o + j] = +(A[ia + j * la]! === B[ib + j * lb]!); return;
    case 'ne': for (let j = 0; j < n; j++) out[o + j] = +(A[ia + j * la]! !== B[ib + j * lb]!); return;
    case 'lt': for (let j = 0; j < n; j++) out[o + j] = +(A[ia + j * la]! < B[ib + j * lb]!); return;
    case 'le': for (let j = 0; j < n; j++) out[o + j] = +(A[ia + j * la]! <= B[ib + j * lb]!); return;
    case 'gt': for (let j = 0; j < n; j++) out[o + j] = +(A[ia + j * la]! > B[ib + j * lb]!); return;
    case 'ge': for (let j = 0; j < n; j++) out[o + j] = +(A[ia + j * la]! >= B[ib + j * lb]!); return;
    default: { const never: never = code; throw new Error(`binary: unknown code ${String(never)}`); }
  }
}

export function binary(code: BinaryCode, a: View<TypedArray>, b: View<TypedArray>, outShape: Shape): TypedArray {
  const out = alloc(a.dtype, sizeOf(outShape));
  const A = a.buf, B = b.buf;
  if (shapesEqual(a.shape, outShape) && shapesEqual(b.shape, outShape)) binaryRow(code, A, 0, 1, B, 0, 1, out, 0, out.length);
  else if (B.length === 1 && shapesEqual(a.shape, outShape)) binaryRow(code, A, 0, 1, B, 0, 0, out, 0, out.length);
  else {
    // The odometer walks every dim but the last; the last runs as one row whose strides are 0 or 1.
    const sa = broadcastStrides(a.shape, outShape), sb = broadcastStrides(b.shape, outShape);
    const n = outShape[outShape.length - 1]!, la = sa.pop()!, lb = sb.pop()!;
    forEachOffset(outShape.slice(0, -1), [sa, sb], (row, [ia, ib]) => binaryRow(code, A, ia!, la, B, ib!, lb, out, row * n, n));
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

/** dy · σ(x) · (1 + x · (1 − σ(x))), the derivative of x·σ(x), for same-shaped x and dy. */
export function siluBackward(x: View<TypedArray>, dy: View<TypedArray>): TypedArray {
  const X = x.buf, D = dy.buf, out = alloc(x.dtype, X.length);
  for (let i = 0; i < X.length; i++) {
    const v = X[i]!, s = sigmoid(v);
    out[i] = D[i]! * s * (1 + v * (1 - s));
  }
  return out;
}
