/**
 * Index arithmetic for gpu.js kernels. A kernel sees one flat output index (`this.thread.x`, a
 * float32 that is exact below 2²⁴) and finds its operands' elements through compile-time shapes
 * and strides. Dimensions that every operand walks contiguously are merged first, so a broadcast
 * add of [N,C,H,W] and [1,C,1,1] indexes over [N, C, H·W]; what is left is padded to `RANK` dims.
 */
import type { Shape } from '../kernels.ts';
import type { KernelThis } from './engine.ts';

/** The dims a strided kernel can walk after merging; more is refused with an error naming the shape. */
export const RANK = 6;

/** floor(a / b) for non-negative integers below 2²⁴ held in float32, exact despite WGSL's 2.5-ulp division. */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q = q - 1;
  if ((q + 1) * b <= a) q = q + 1;
  return q;
}

/** Σₖ iₖ·sₖ for the multi-index (i₀…i₅) of flat index `i` over sizes (·, n1…n5). */
export function stridedOffset(i: number, n1: number, n2: number, n3: number, n4: number, n5: number,
  s0: number, s1: number, s2: number, s3: number, s4: number, s5: number): number {
  let r = i;
  let q = floorDiv(r, n5);
  let o = (r - q * n5) * s5;
  r = q;
  q = floorDiv(r, n4);
  o = o + (r - q * n4) * s4;
  r = q;
  q = floorDiv(r, n3);
  o = o + (r - q * n3) * s3;
  r = q;
  q = floorDiv(r, n2);
  o = o + (r - q * n2) * s2;
  r = q;
  q = floorDiv(r, n1);
  o = o + (r - q * n1) * s1;
  return o + q * s0;
}

/** The helper functions kernels may call, registered once with gpu.js. */
export const kernelHelpers = [floorDiv, stridedOffset];

/** Compile-time constants of a strided walk: sizes `n1`…`n5` and, per operand p, strides `p0`…`p5`. */
export type WalkConstants = Record<string, number>;

/**
 * Merge the dims of `shape` that every operand in `strides` steps through contiguously (or not at
 * all), drop size-1 dims, and pad to RANK: the constants of `stridedOffset` for each operand, named
 * `${prefix}0…5` with the prefixes given. Throws, naming `op`, when more than RANK dims remain.
 */
export function walk(op: string, shape: Shape, strides: Readonly<Record<string, readonly number[]>>): WalkConstants {
  const names = Object.keys(strides);
  const dims: { n: number; s: number[] }[] = [];
  shape.forEach((n, k) => {
    if (n === 1) return;
    const s = names.map((p) => strides[p]![k]!);
    const last = dims[dims.length - 1];
    if (last !== undefined && s.every((sk, j) => last.s[j] === sk * n)) {
      last.n *= n;
      last.s = s;
    } else dims.push({ n, s });
  });
  if (dims.length > RANK) {
    throw new Error(`gpu ${op}: shape [${shape.join(',')}] walks ${dims.length} dims that cannot be merged; the gpu kernels handle at most ${RANK}`);
  }
  while (dims.length < RANK) dims.unshift({ n: 1, s: names.map(() => 0) });
  const c: WalkConstants = {};
  dims.forEach(({ n, s }, k) => {
    if (k > 0) c[`n${k}`] = n;
    names.forEach((p, j) => { c[`${p}${k}`] = s[j]!; });
  });
  return c;
}

type Digit = 0 | 1 | 2 | 3 | 4 | 5;
/** The constants `walk` makes for operands a, b, c (and an op code), as a kernel reads them. */
export type Walk = KernelThis<{ readonly [K in `n${Exclude<Digit, 0>}` | `${'a' | 'b' | 'c'}${Digit}` | 'code']: number }>;
