/**
 * Generated SIMD kernels for the float32 unary codes that cost arithmetic, not just memory:
 * `unary_<code>(src, dst, n)` maps n floats, four lanes at a time. The transcendental ones replace
 * `Math.exp` (a call per element, in float64) with a vector polynomial:
 *
 *   exp x = 2ⁿ · eʳ,  n = round(x · log₂e),  r = x − n·ln2 (ln2 split in two, C1 + C2, so n·C1 is
 *   exact without FMA),  eʳ ≈ 1 + r + r²·P(r) with Cephes' `expf` degree-5 P on |r| ≤ ln2/2
 *   (relative error ~1e-7, about an ulp). 2ⁿ is assembled in the exponent bits, in two halves so
 *   that n from −150 to 129 stays representable (gradual underflow to 0, overflow to ∞); NaN
 *   propagates through every step.
 *   sigmoid x = 1 / (1 + e⁻ˣ): for x ≪ 0 e⁻ˣ = ∞ gives 0, for x ≫ 0 it gives 1.
 *
 * Lengths are rounded up to whole vectors: heap blocks are 64-byte aligned and sized in multiples of
 * 64 bytes (heap.ts), so the last vector stays inside the blocks and the extra lanes are never read.
 */

import type { UnaryCode } from '../kernels.ts';
import { kernel, type KernelDescriptor } from './commands.ts';
import { Code, i32, v128 } from './emit/code.ts';

/** The codes with a generated kernel, in opcode order. */
/** (neg and abs are pure memory traffic: the js loop, with no copies, is faster.) */
export const nativeUnaryCodes = ['exp', 'sigmoid', 'silu', 'relu', 'sqrt'] as const satisfies readonly UnaryCode[];
export type NativeUnaryCode = (typeof nativeUnaryCodes)[number];

const splat = (v: number): [number, number, number, number] => [v, v, v, v];

/** 1.5·2²³ and its bits: adding it to an integer-valued f32 of magnitude below 2²² puts the integer in the low mantissa bits. */
const MAGIC = 12582912, MAGIC_BITS = 0x4b400000;

/**
 * Emit, for the vector in local `x`, its exp; the result is left on the stack. Uses `t`, `n` scratch locals.
 * Written for V8's x64 lowering: pseudo-min/max and the magic-number conversion below are one or two
 * instructions each where IEEE min/max and a saturating f32 → i32 take several (2026-12-06, one
 * thread, 32K floats: exp 71 → 42 µs, SiLU 80 → 50, group norm with SiLU 151 → 117, softmax of
 * 256-wide rows 114 → 83; the results are the same bits for every non-NaN input).
 */
export function emitExp(c: Code, x: number, t: number, n: number): void {
  // x clamped to [−104, 89] (outside it exp is 0 or ∞ in f32 anyway). pmin(x, 89) = 89 < x ? 89 : x
  // and pmax(x, −104) = x < −104 ? −104 : x let a NaN x through, as IEEE min/max do.
  c.localGet(x).v128ConstF32(splat(89)).f32x4Pmin().v128ConstF32(splat(-104)).f32x4Pmax().localSet(x);
  // n = round(x · log₂e)
  c.localGet(x).v128ConstF32(splat(Math.LOG2E)).f32x4Mul().f32x4Nearest().localSet(n);
  // r = x − n·C1 − n·C2
  c.localGet(x).localGet(n).v128ConstF32(splat(0.693359375)).f32x4Mul().f32x4Sub()
    .localGet(n).v128ConstF32(splat(-2.12194440e-4)).f32x4Mul().f32x4Sub().localSet(x);
  // P(r) by Horner, then 1 + r + r²·P(r)
  const p = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
  c.v128ConstF32(splat(p[0]!));
  for (const coef of p.slice(1)) c.localGet(x).f32x4Mul().v128ConstF32(splat(coef)).f32x4Add();
  c.localGet(x).localGet(x).f32x4Mul().f32x4Mul().localGet(x).f32x4Add().v128ConstF32(splat(1)).f32x4Add().localSet(t);
  // 2ⁿ = 2^(n >> 1) · 2^(n − (n >> 1)), each built as ((k + 127) << 23). n as an i32 from the bits of
  // n + 1.5·2²³, whose low mantissa bits hold the integer n exactly (|n| ≤ 151; a saturating
  // f32 → i32 conversion takes several instructions); a NaN x gives some n and a NaN result still.
  c.localGet(n).v128ConstF32(splat(MAGIC)).f32x4Add().v128ConstI32(splat(MAGIC_BITS)).i32x4Sub().localSet(n);
  c.localGet(t);
  c.localGet(n).i32Const(1).i32x4ShrS().v128ConstI32(splat(127)).i32x4Add().i32Const(23).i32x4Shl().f32x4Mul();
  c.localGet(n).localGet(n).i32Const(1).i32x4ShrS().i32x4Sub().v128ConstI32(splat(127)).i32x4Add().i32Const(23).i32x4Shl().f32x4Mul();
}

/** Emit e⁻ˣ for the vector in local `x` (which it overwrites); the result is left on the stack. */
function emitExpOfNegative(c: Code, x: number, t: number, n: number): void {
  c.localGet(x).f32x4Neg().localSet(x);
  emitExp(c, x, t, n);
}

/** Emit σ(x) = 1 / (1 + e⁻ˣ) (x ≪ 0: e⁻ˣ = ∞ gives 0; x ≫ 0 gives 1); overwrites `x`. */
function emitSigmoid(c: Code, x: number, t: number, n: number): void {
  c.v128ConstF32(splat(1)).v128ConstF32(splat(1));
  emitExpOfNegative(c, x, t, n);
  c.f32x4Add().f32x4Div();
}

/**
 * silu_backward(x, dy, dst, n): dst = dy · s · (1 + x · (1 − s)) with s = σ(x), the derivative of
 * SiLU applied to dy, n floats four lanes at a time (rounded up to whole vectors, as above).
 */
function siluBackwardBody(): Code {
  const c = new Code([i32, i32, i32, i32]);
  const [src, grad, dst, count] = [0, 1, 2, 3];
  const i = c.local(i32), end = c.local(i32);
  const x = c.local(v128), t = c.local(v128), n = c.local(v128), v = c.local(v128), s = c.local(v128);
  c.localGet(count).i32Const(4).i32Mul().localSet(end);
  c.while(() => c.localGet(i).localGet(end).i32LtS(), () => {
    c.localGet(src).localGet(i).i32Add().v128Load().localTee(x).localSet(v);
    emitSigmoid(c, x, t, n);
    c.localSet(s);
    c.localGet(dst).localGet(i).i32Add(); // store address, under the result
    // dy · s · (1 + v · (1 − s))
    c.localGet(grad).localGet(i).i32Add().v128Load().localGet(s).f32x4Mul();
    c.v128ConstF32(splat(1)).localGet(s).f32x4Sub().localGet(v).f32x4Mul().v128ConstF32(splat(1)).f32x4Add();
    c.f32x4Mul().v128Store();
    c.localGet(i).i32Const(16).i32Add().localSet(i);
  });
  return c;
}

function unaryBody(code: NativeUnaryCode): Code {
  const c = new Code([i32, i32, i32]);
  const [src, dst, count] = [0, 1, 2];
  const i = c.local(i32), end = c.local(i32);
  const x = c.local(v128), t = c.local(v128), n = c.local(v128);
  c.localGet(count).i32Const(4).i32Mul().localSet(end);
  c.while(() => c.localGet(i).localGet(end).i32LtS(), () => {
    c.localGet(dst).localGet(i).i32Add(); // store address, under the result
    c.localGet(src).localGet(i).i32Add().v128Load().localSet(x);
    switch (code) {
      // pmax(0, x) = 0 < x ? x : 0, which maps NaN and −0 to 0 exactly as the js `v > 0 ? v : 0`.
      case 'relu': c.v128ConstF32(splat(0)).localGet(x).f32x4Pmax(); break;
      case 'sqrt': c.localGet(x).f32x4Sqrt(); break;
      case 'exp': emitExp(c, x, t, n); break;
      case 'sigmoid': emitSigmoid(c, x, t, n); break;
      // silu x = x / (1 + e⁻ˣ): x·σ(x) with one rounding fewer.
      case 'silu':
        c.localGet(x).v128ConstF32(splat(1));
        emitExpOfNegative(c, x, t, n);
        c.f32x4Add().f32x4Div();
        break;
      default: { const never: never = code; throw new Error(`unary kernel: ${String(never)}`); }
    }
    c.v128Store();
    c.localGet(i).i32Const(16).i32Add().localSet(i);
  });
  return c;
}

/** silu_backward(x, dy, dst, n): dst = dy · SiLU'(x) over n floats. */
export const siluBackwardKernel = kernel({ name: 'silu_backward', params: ['x', 'dy', 'dst', 'n'], emit: ({ mod }) => mod.declare('silu_backward', siluBackwardBody()) });

const unaryKernel = (code: NativeUnaryCode) =>
  kernel({ name: `unary_${code}`, params: ['src', 'dst', 'n'], emit: ({ mod }) => mod.declare(`unary_${code}`, unaryBody(code)) });
/** unary_<code>(src, dst, n) for every native code. */
export const unaryKernels = Object.fromEntries(nativeUnaryCodes.map((code) => [code, unaryKernel(code)])) as
  Record<NativeUnaryCode, KernelDescriptor<'src' | 'dst' | 'n'>>;
