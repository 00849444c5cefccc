/** gpu reductions: each output element walks its slice of the input in one thread. */
import type { ArgReduceCode, ReduceCode, View } from '../kernels.ts';
import { sizeOf, stridesOf } from '../../shape.ts';
import type { GpuBuffer, GpuEngine, KernelThis } from './engine.ts';
import { floorDiv, stridedOffset, walk } from './indexing.ts';

type Digit = 0 | 1 | 2 | 3 | 4 | 5;
/** Output walk (n, a) to the slice's first element; slice walk (m, r) over its `len` elements. */
type ReduceConstants = { [K in `${'n' | 'm'}${Exclude<Digit, 0>}` | `${'a' | 'r'}${Digit}` | 'code' | 'len']: number };

/**
 * The scalar argument that compensated (Kahan) sums multiply each partial sum by: a 1 the shader
 * compiler cannot see, so it cannot simplify ((s + y) − s) − y to 0 and drop the compensation, as
 * Mesa's compiler does with a literal 1 or none (measured: a sum of 1 and a thousand 2⁻²⁴ gave 1).
 */
export const UNSEEN_ONE = [1];

/** Sum (Kahan-compensated, so float32 sums do not drift with length), max or min (code 0, 1, 2); NaN wins. */
function reduceKernel(this: KernelThis<ReduceConstants>, x: number[], one: number): number {
  const base = stridedOffset(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5,
    this.constants.a0, this.constants.a1, this.constants.a2, this.constants.a3, this.constants.a4, this.constants.a5);
  let acc = 0;
  let carry = 0;
  if (this.constants.code !== 0) acc = x[base]!; // max and min start from the slice's first element (len ≥ 1)
  for (let j = 0; j < this.constants.len; j++) {
    const v = x[base + stridedOffset(j, this.constants.m1, this.constants.m2, this.constants.m3, this.constants.m4, this.constants.m5,
      this.constants.r0, this.constants.r1, this.constants.r2, this.constants.r3, this.constants.r4, this.constants.r5)]!;
    if (this.constants.code === 0) {
      const y = v - carry;
      const t = (acc + y) * one; // `one` keeps the compiler from folding the carry to 0
      carry = (t - acc) - y;
      acc = t;
    } else if (v !== v) {
      return v;
    } else if (this.constants.code === 1 && v > acc) {
      acc = v;
    } else if (this.constants.code === 2 && v < acc) {
      acc = v;
    }
  }
  return acc;
}

/** The index of the first extreme (code 0: max, 1: min) along a dim of length `len` and stride `stride`; a NaN wins. */
function argReduceKernel(this: KernelThis<{ code: number; len: number; stride: number }>, x: number[]): number {
  const outer = floorDiv(this.thread.x, this.constants.stride);
  const base = outer * this.constants.len * this.constants.stride + (this.thread.x - outer * this.constants.stride);
  let best = x[base]!;
  let bestIdx = 0;
  for (let j = 1; j < this.constants.len; j++) {
    if (best !== best) return bestIdx;
    const v = x[base + j * this.constants.stride]!;
    if (v !== v || (this.constants.code === 0 && v > best) || (this.constants.code === 1 && v < best)) {
      best = v;
      bestIdx = j;
    }
  }
  return bestIdx;
}

const codes = { sum: 0, max: 1, min: 2, argmax: 0, argmin: 1 } as const satisfies Record<ReduceCode | ArgReduceCode, number>;

export function reduceKernels(engine: GpuEngine) {
  return {
    reduce(code: ReduceCode, x: View, dims: readonly number[]): GpuBuffer {
      const strides = stridesOf(x.shape), reduced = dims.map((d) => x.shape[d]!);
      const outShape = x.shape.map((d, k) => (dims.includes(k) ? 1 : d));
      const out = walk(`reduce ${code}`, outShape, { a: strides });
      const slice = walk(`reduce ${code}`, reduced, { r: dims.map((d) => strides[d]!) });
      const m = Object.fromEntries(Object.entries(slice).map(([k, v]) => [k.startsWith('n') ? `m${k.slice(1)}` : k, v]));
      return engine.launch({ name: `reduce ${code}`, fn: reduceKernel, constants: { code: codes[code], len: sizeOf(reduced), ...out, ...m } }, sizeOf(outShape), [x.buf as GpuBuffer], UNSEEN_ONE);
    },
    argReduce(code: ArgReduceCode, x: View, dim: number): GpuBuffer {
      const stride = sizeOf(x.shape.slice(dim + 1)), len = x.shape[dim]!;
      return engine.launch({ name: code, fn: argReduceKernel, constants: { code: codes[code], len, stride } }, len === 0 ? 0 : sizeOf(x.shape) / len, [x.buf as GpuBuffer]);
    },
  };
}
