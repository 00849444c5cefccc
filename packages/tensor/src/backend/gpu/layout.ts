/** gpu kernels that move elements without arithmetic: strided views, concatenation, padding, gather/scatter. */
import type { Shape, View } from '../kernels.ts';
import { sizeOf, stridesOf } from '../../shape.ts';
import type { GpuBuffer, GpuEngine, KernelThis } from './engine.ts';
import { floorDiv, RANK, stridedOffset, walk, type Walk } from './indexing.ts';

/** Coordinate k (0…5) of flat index i over sizes (·, n1…n5). */
export function coordOf(i: number, n1: number, n2: number, n3: number, n4: number, n5: number, k: number): number {
  let r = i;
  let q = floorDiv(r, n5);
  if (k === 5) return r - q * n5;
  r = q;
  q = floorDiv(r, n4);
  if (k === 4) return r - q * n4;
  r = q;
  q = floorDiv(r, n3);
  if (k === 3) return r - q * n3;
  r = q;
  q = floorDiv(r, n2);
  if (k === 2) return r - q * n2;
  r = q;
  q = floorDiv(r, n1);
  if (k === 1) return r - q * n1;
  return q;
}

function stridedKernel(this: Walk & KernelThis<{ offset: number }>, x: number[]): number {
  return x[this.constants.offset + stridedOffset(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5,
    this.constants.a0, this.constants.a1, this.constants.a2, this.constants.a3, this.constants.a4, this.constants.a5)]!;
}

/** [a, b] along a dim: out is [outer, lenA + lenB, inner]; a is [outer, lenA, inner], b [outer, lenB, inner]. */
function concatPairKernel(this: KernelThis<{ inner: number; lenA: number; lenB: number }>, a: number[], b: number[]): number {
  const i = this.thread.x;
  const row = floorDiv(i, this.constants.inner);
  const inner = i - row * this.constants.inner;
  const outer = floorDiv(row, this.constants.lenA + this.constants.lenB);
  const j = row - outer * (this.constants.lenA + this.constants.lenB);
  if (j < this.constants.lenA) return a[(outer * this.constants.lenA + j) * this.constants.inner + inner]!;
  return b[(outer * this.constants.lenB + j - this.constants.lenA) * this.constants.inner + inner]!;
}

type PadConstants = { [K in `n${1 | 2 | 3 | 4 | 5}` | `lo${0 | 1 | 2 | 3 | 4 | 5}` | `hi${0 | 1 | 2 | 3 | 4 | 5}` | `s${0 | 1 | 2 | 3 | 4 | 5}` | 'value']: number };
/** x where the output index falls inside [lo_k, hi_k) in every dim (at x's strides s_k), else the value. */
function padKernel(this: KernelThis<PadConstants>, x: number[]): number {
  let offset = 0;
  for (let k = 0; k < 6; k++) {
    const ik = coordOf(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5, k);
    let lo = this.constants.lo0;
    let hi = this.constants.hi0;
    let s = this.constants.s0;
    if (k === 1) { lo = this.constants.lo1; hi = this.constants.hi1; s = this.constants.s1; }
    if (k === 2) { lo = this.constants.lo2; hi = this.constants.hi2; s = this.constants.s2; }
    if (k === 3) { lo = this.constants.lo3; hi = this.constants.hi3; s = this.constants.s3; }
    if (k === 4) { lo = this.constants.lo4; hi = this.constants.hi4; s = this.constants.s4; }
    if (k === 5) { lo = this.constants.lo5; hi = this.constants.hi5; s = this.constants.s5; }
    if (ik < lo || ik >= hi) return this.constants.value;
    offset = offset + (ik - lo) * s;
  }
  return x[offset]!;
}

/** x at the index's position with `dim` replaced by the index value; NaN for an index out of range. */
function gatherKernel(this: Walk & KernelThis<{ n: number; stride: number }>, x: number[], index: number[]): number {
  const j = index[this.thread.x]!;
  if (j < 0 || j >= this.constants.n) return Math.sqrt(-1 - j * j); // NaN (gpu.js has no NaN literal)
  return x[j * this.constants.stride + stridedOffset(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5,
    this.constants.a0, this.constants.a1, this.constants.a2, this.constants.a3, this.constants.a4, this.constants.a5)]!;
}

type ScatterConstants = { [K in `n${1 | 2 | 3 | 4 | 5}` | `m${0 | 1 | 2 | 3 | 4 | 5}` | `t${0 | 1 | 2 | 3 | 4 | 5}` | 'dim' | 'len' | 'tDim']: number };
/**
 * out[o] = Σ_j src[p(o, j)]·[index[p(o, j)] = o_dim], p(o, j) = o with `dim` set to j, over the j < len
 * where p is inside the index's shape (m_k its sizes, t_k its strides): scatterAdd written as a gather.
 */
function scatterAddKernel(this: KernelThis<ScatterConstants>, index: number[], src: number[]): number {
  let base = 0;
  let target = 0;
  for (let k = 0; k < 6; k++) {
    const ok = coordOf(this.thread.x, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5, k);
    let m = this.constants.m0;
    let t = this.constants.t0;
    if (k === 1) { m = this.constants.m1; t = this.constants.t1; }
    if (k === 2) { m = this.constants.m2; t = this.constants.t2; }
    if (k === 3) { m = this.constants.m3; t = this.constants.t3; }
    if (k === 4) { m = this.constants.m4; t = this.constants.t4; }
    if (k === 5) { m = this.constants.m5; t = this.constants.t5; }
    if (k === this.constants.dim) target = ok;
    else if (ok >= m) return 0;
    else base = base + ok * t;
  }
  let sum = 0;
  for (let j = 0; j < this.constants.len; j++) {
    const p = base + j * this.constants.tDim;
    if (index[p] === target) sum += src[p]!;
  }
  return sum;
}

const asBuf = (v: View): GpuBuffer => v.buf as GpuBuffer;

/** `shape` left-padded with 1s to RANK dims, as the sizes n1…n5 of `coordOf` (n0 is implied). */
function padToRank(op: string, shape: Shape): number[] {
  if (shape.length > RANK) throw new Error(`gpu ${op}: tensors of ${shape.length} dims are beyond the gpu kernels' ${RANK}`);
  return [...new Array<number>(RANK - shape.length).fill(1), ...shape];
}
const sizes = (full: readonly number[]) => Object.fromEntries(full.slice(1).map((n, k) => [`n${k + 1}`, n]));

export function layoutKernels(engine: GpuEngine) {
  return {
    strided(x: View, outShape: Shape, strides: readonly number[], offset: number): GpuBuffer {
      const constants = { offset, ...walk('strided', outShape, { a: strides }) };
      return engine.launch({ name: 'strided', fn: stridedKernel, constants }, sizeOf(outShape), [asBuf(x)]);
    },
    concat(xs: readonly View[], dim: number, outShape: Shape): GpuBuffer {
      const inner = sizeOf(outShape.slice(dim + 1)), outer = sizeOf(outShape.slice(0, dim));
      let acc = asBuf(xs[0]!), lenA = xs[0]!.shape[dim]!;
      if (xs.length === 1) return engine.launch({ name: 'concat', fn: stridedKernel, constants: { offset: 0, ...walk('concat', outShape, { a: stridesOf(outShape) }) } }, sizeOf(outShape), [acc]);
      for (const x of xs.slice(1)) {
        const lenB = x.shape[dim]!;
        const next = engine.launch({ name: 'concat', fn: concatPairKernel, constants: { inner, lenA, lenB } }, outer * (lenA + lenB) * inner, [acc, asBuf(x)]);
        if (acc !== asBuf(xs[0]!)) acc.release();
        acc = next;
        lenA += lenB;
      }
      return acc;
    },
    pad(x: View, before: readonly number[], after: readonly number[], value: number): GpuBuffer {
      const outShape = x.shape.map((d, k) => d + before[k]! + after[k]!);
      const lead = RANK - x.shape.length, xs = stridesOf(x.shape);
      const constants: Record<string, number> = { value, ...sizes(padToRank('pad', outShape)) };
      for (let k = 0; k < RANK; k++) {
        const d = k - lead;
        constants[`lo${k}`] = d < 0 ? 0 : before[d]!;
        constants[`hi${k}`] = d < 0 ? 1 : before[d]! + x.shape[d]!;
        constants[`s${k}`] = d < 0 ? 0 : xs[d]!;
      }
      return engine.launch({ name: 'pad', fn: padKernel, constants }, sizeOf(outShape), [asBuf(x)]);
    },
    gather(x: View, dim: number, index: View): GpuBuffer {
      const xStrides = stridesOf(x.shape);
      const constants = { n: x.shape[dim]!, stride: xStrides[dim]!, ...walk('gather', index.shape, { a: xStrides.map((s, k) => (k === dim ? 0 : s)) }) };
      return engine.launch({ name: 'gather', fn: gatherKernel, constants }, sizeOf(index.shape), [asBuf(x), asBuf(index)]);
    },
    scatterAdd(outShape: Shape, dim: number, index: View, src: View): GpuBuffer {
      const lead = RANK - outShape.length, is = stridesOf(index.shape);
      const constants: Record<string, number> = { dim: dim + lead, len: index.shape[dim]!, tDim: is[dim]!, ...sizes(padToRank('scatterAdd', outShape)) };
      for (let k = 0; k < RANK; k++) {
        const d = k - lead;
        constants[`m${k}`] = d < 0 ? 1 : index.shape[d]!;
        constants[`t${k}`] = d < 0 ? 0 : is[d]!;
      }
      return engine.launch({ name: 'scatterAdd', fn: scatterAddKernel, constants }, sizeOf(outShape), [asBuf(index), asBuf(src)]);
    },
  };
}
