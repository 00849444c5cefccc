/**
 * Elementwise gpu kernels. Each unary and binary code is one branch of a gpu.js helper function
 * (`unaryOp`, `binaryOp`), selected by a compile-time constant, so the WGSL compiler keeps only that
 * branch; the js reference's tables name the same codes. Broadcast operands are read through
 * `stridedOffset`, so a broadcast never materialises its expanded operand.
 */
import type { BinaryCode, DType, Shape, UnaryCode, View } from '../kernels.ts';
import { broadcastStrides, sizeOf } from '../../shape.ts';
import type { GpuBuffer, GpuEngine, KernelThis } from './engine.ts';
import { stridedOffset, walk, type Walk } from './indexing.ts';

/** Each code's branch number in `unaryOp`. */
export const unaryCodes = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, log1p: 5, sqrt: 6, rsqrt: 7,
  sin: 8, cos: 9, tanh: 10, sigmoid: 11, silu: 12, relu: 13, erf: 14, floor: 15,
} as const satisfies Record<UnaryCode, number>;

/** Each code's branch number in `binaryOp`. */
export const binaryCodes = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6,
  eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12,
} as const satisfies Record<BinaryCode, number>;

/** σ(v) = 1/(1 + e⁻ᵛ) without forming e^|v|. */
export function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** The unary code `code` (numbered by `unaryCodes`) applied to v. */
export function unaryOp(code: number, v: number): number {
  if (code === 0) return -v;
  if (code === 1) return Math.abs(v);
  if (code === 2) {
    if (v > 0) return 1;
    if (v < 0) return -1;
    return v;
  }
  if (code === 3) return Math.exp(v);
  if (code === 4) return Math.log(v);
  if (code === 5) {
    // log(1 + v) loses v's low bits for |v| ≪ 1; v / ((1 + v) − 1) restores them (Goldberg 1991, Thm 4).
    const u = 1 + v;
    if (u === 1) return v;
    return (Math.log(u) * v) / (u - 1);
  }
  if (code === 6) return Math.sqrt(v);
  if (code === 7) return 1 / Math.sqrt(v);
  if (code === 8 || code === 9) {
    // WGSL promises sin/cos only to an absolute 2⁻¹¹ on [−π, π], and drivers differ; so reduce by π/2
    // in three parts (Cody–Waite) and evaluate the Taylor polynomials on |r| ≤ π/4 (error < 3e-8).
    const k = Math.floor(v * 0.6366197723675814 + 0.5);
    const r = v - k * 1.5703125 - k * 4.837512969970703e-4 - k * 7.549789948768648e-8;
    const r2 = r * r;
    const s = r * (1 + r2 * (-0.16666666666666666 + r2 * (0.008333333333333333 + r2 * (-1.984126984126984e-4 + r2 * 2.7557319223985893e-6))));
    const c = 1 + r2 * (-0.5 + r2 * (0.041666666666666664 + r2 * (-0.001388888888888889 + r2 * 2.48015873015873e-5)));
    let q = k - 4 * Math.floor(k * 0.25); // the quadrant, 0…3
    if (code === 9) q = q + 1; // cos v = sin(v + π/2)
    if (q === 0 || q === 4) return s;
    if (q === 1) return c;
    if (q === 2) return -s;
    return -c;
  }
  if (code === 10) {
    // Away from 0, (1 − e)/(1 + e) with e = e^{−2|v|} keeps tanh within a few ulps where it nears ±1
    // (the WGSL builtin may not), and never overflows.
    if (Math.abs(v) < 0.5) return Math.tanh(v);
    const e = Math.exp(-2 * Math.abs(v));
    const t = (1 - e) / (1 + e);
    if (v < 0) return -t;
    return t;
  }
  if (code === 11) return sigmoidOf(v);
  if (code === 12) return v * sigmoidOf(v);
  if (code === 13) {
    if (v > 0) return v;
    return 0;
  }
  if (code === 14) {
    // Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7, below float32's resolution of erf's range.
    const a = Math.abs(v);
    const t = 1 / (1 + 0.3275911 * a);
    const p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    const y = 1 - p * Math.exp(-a * a);
    if (v < 0) return -y;
    return y;
  }
  return Math.floor(v);
}

/** The binary code `code` (numbered by `binaryCodes`) applied to x, y, with JS's semantics. */
export function binaryOp(code: number, x: number, y: number): number {
  if (code === 0) return x + y;
  if (code === 1) return x - y;
  if (code === 2) return x * y;
  if (code === 3) return x / y;
  if (code === 4) {
    // JS's pow: x⁰ = 1, and a negative base takes integer exponents only (WGSL's pow takes neither).
    if (y === 0) return 1;
    // (gpu.js has no NaN literal: WGSL's pow of a negative base is NaN, as JS's is for these y.)
    if (x >= 0 || Math.floor(y) !== y) return Math.pow(x, y);
    const m = Math.pow(-x, y);
    if (y - 2 * Math.floor(y / 2) === 1) return -m;
    return m;
  }
  if (code === 5 || code === 6) {
    if (x !== x) return x;
    if (y !== y) return y;
    if (code === 5 && x > y) return x;
    if (code === 6 && x < y) return x;
    return y;
  }
  if (code === 7) return x === y ? 1 : 0;
  if (code === 8) return x !== y ? 1 : 0;
  if (code === 9) return x < y ? 1 : 0;
  if (code === 10) return x <= y ? 1 : 0;
  if (code === 11) return x > y ? 1 : 0;
  return x >= y ? 1 : 0;
}

function unaryKernel(this: KernelThis<{ code: number }>, x: number[]): number {
  return unaryOp(this.constants.code, x[this.thread.x]!);
}

function binaryKernel(this: Walk, a: number[], b: number[]): number {
  return binaryOp(this.constants.code,
    a[stridedOffset(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5, this.constants.a0, this.constants.a1, this.constants.a2, this.constants.a3, this.constants.a4, this.constants.a5)]!,
    b[stridedOffset(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5, this.constants.b0, this.constants.b1, this.constants.b2, this.constants.b3, this.constants.b4, this.constants.b5)]!);
}

function whereKernel(this: Walk, cond: number[], a: number[], b: number[]): number {
  if (cond[stridedOffset(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5, this.constants.c0, this.constants.c1, this.constants.c2, this.constants.c3, this.constants.c4, this.constants.c5)]! !== 0) {
    return a[stridedOffset(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5, this.constants.a0, this.constants.a1, this.constants.a2, this.constants.a3, this.constants.a4, this.constants.a5)]!;
  }
  return b[stridedOffset(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5, this.constants.b0, this.constants.b1, this.constants.b2, this.constants.b3, this.constants.b4, this.constants.b5)]!;
}

/** dy · σ(x) · (1 + x · (1 − σ(x))), the derivative of x·σ(x). */
function siluBackwardKernel(this: KernelThis, x: number[], dy: number[]): number {
  const v = x[this.thread.x]!;
  const s = sigmoidOf(v);
  return dy[this.thread.x]! * s * (1 + v * (1 - s));
}

/** float → int32 truncates toward zero, as the js reference's Math.trunc; int32 → float copies. */
function castKernel(this: KernelThis<{ trunc: number }>, x: number[]): number {
  const v = x[this.thread.x]!;
  if (this.constants.trunc === 1) {
    if (v < 0) return -Math.floor(-v);
    return Math.floor(v);
  }
  return v;
}

const asBuf = (v: View): GpuBuffer => v.buf as GpuBuffer;

/** The gpu backend holds float32 (and int32 as exact float32); float64 stays on the CPU backends. */
export function refuseFloat64(op: string, dtype: DType): void {
  if (dtype === 'float64') throw new TypeError(`gpu ${op}: float64 is not supported on the gpu backend (float32 only); keep float64 tensors on the CPU with .to('js')`);
}

export function elementwiseKernels(engine: GpuEngine) {
  return {
    unary: (code: UnaryCode, x: View): GpuBuffer =>
      engine.launch({ name: `unary ${code}`, fn: unaryKernel, constants: { code: unaryCodes[code] } }, sizeOf(x.shape), [asBuf(x)]),
    binary(code: BinaryCode, a: View, b: View, outShape: Shape): GpuBuffer {
      const walkConstants = walk(code, outShape, { a: broadcastStrides(a.shape, outShape), b: broadcastStrides(b.shape, outShape) });
      return engine.launch({ name: `binary ${code}`, fn: binaryKernel, constants: { code: binaryCodes[code], ...walkConstants } }, sizeOf(outShape), [asBuf(a), asBuf(b)]);
    },
    where(cond: View, a: View, b: View, outShape: Shape): GpuBuffer {
      const constants = walk('where', outShape, { c: broadcastStrides(cond.shape, outShape), a: broadcastStrides(a.shape, outShape), b: broadcastStrides(b.shape, outShape) });
      return engine.launch({ name: 'where', fn: whereKernel, constants }, sizeOf(outShape), [asBuf(cond), asBuf(a), asBuf(b)]);
    },
    siluBackward: (x: View, dy: View): GpuBuffer =>
      engine.launch({ name: 'siluBackward', fn: siluBackwardKernel, constants: {} }, sizeOf(x.shape), [asBuf(x), asBuf(dy)]),
    cast(x: View, dtype: DType): GpuBuffer {
      refuseFloat64('cast', dtype);
      return engine.launch({ name: 'cast', fn: castKernel, constants: { trunc: dtype === 'int32' && x.dtype !== 'int32' ? 1 : 0 } }, sizeOf(x.shape), [asBuf(x)]);
    },
    fill(shape: Shape, dtype: DType, value: number): GpuBuffer {
      refuseFloat64('fill', dtype);
      return engine.upload(new Float32Array(sizeOf(shape)).fill(value));
    },
  };
}
