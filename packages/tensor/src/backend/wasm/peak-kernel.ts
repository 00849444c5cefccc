/**
 * A ceiling probe: independent f32x4 multiply chains and add chains, with no memory traffic, so
 * the only limit is how many SIMD multiplies and adds a core retires per cycle. A GEMM's inner loop
 * is one multiply and one add per product (there is no FMA in WebAssembly SIMD-128 without
 * relaxed SIMD), so this rate is the most any of our GEMMs can reach.
 */

import { Code, f32, i32, v128 } from './emit/code.ts';
import type { ModuleBuilder } from './emit/module.ts';

export interface PeakChains {
  readonly mul: number;
  readonly add: number;
}
/** Chains per kind: enough to cover a 3–4 cycle latency at 2 issues per cycle on each kind. */
export const defaultPeakChains: PeakChains = { mul: 6, add: 6 };
/** Floating-point operations one trip of `peak`'s loop performs. */
export const peakFlopsPerTrip = (chains: PeakChains = defaultPeakChains): number => 2 * 4 * (chains.mul + chains.add);

/** peak(trips) → f32: run `trips` trips of the loop (each does every chain twice); returns a checksum. */
export function addPeakFunction(mod: ModuleBuilder, chains: PeakChains = defaultPeakChains): number {
  const c = new Code([i32], [f32]);
  const trips = 0;
  const mul = Array.from({ length: chains.mul }, () => c.local(v128));
  const add = Array.from({ length: chains.add }, () => c.local(v128));
  const m = c.local(v128), a = c.local(v128);
  // m = 1 keeps products finite; a = 2⁻²⁰ keeps sums normal.
  c.f32Const(1).f32x4Splat().localSet(m);
  c.f32Const(2 ** -20).f32x4Splat().localSet(a);
  for (const p of mul) c.f32Const(1).f32x4Splat().localSet(p);
  c.while(() => c.localGet(trips), () => {
    for (let twice = 0; twice < 2; twice++) {
      for (let i = 0; i < Math.max(mul.length, add.length); i++) {
        const p = mul[i], s = add[i];
        if (p !== undefined) c.localGet(p).localGet(m).f32x4Mul().localSet(p);
        if (s !== undefined) c.localGet(s).localGet(a).f32x4Add().localSet(s);
      }
    }
    c.localGet(trips).i32Const(1).i32Sub().localSet(trips);
  });
  // Checksum: lane 0 of every chain, so nothing is dead code.
  c.f32Const(0);
  for (const v of [...mul, ...add]) c.localGet(v).f32x4ExtractLane(0).f32Add();
  return mod.declare('peak', c);
}
