/**
 * A ceiling probe: the 2×16 micro-kernel's arithmetic with its B operand held in registers. Each
 * step broadcasts two scalars (from one fixed, L1-resident address), multiplies each by four
 * vectors and adds the eight products into eight accumulators: independent multiplies and one add
 * chain per accumulator, as in the GEMM, but no panel traffic. There is no FMA in WebAssembly
 * SIMD-128 without relaxed SIMD, so a multiply-add is two instructions, and this rate is the most
 * any of our GEMMs can reach on one thread.
 */

import { kernel } from './commands.ts';
import { Code, f32, i32, v128 } from './emit/code.ts';
import type { ModuleBuilder } from './emit/module.ts';
import { Engine, type EngineOptions } from './engine.ts';
import { engineKernels } from './engine-module.ts';

const ROWS = 2, VECTORS = 4, STEPS = 1; // one step per trip: TurboFan spills when it schedules several together
/** Floating-point operations one trip of `peak`'s loop performs (4 lanes × (mul + add) per product). */
export const peakFlopsPerTrip = STEPS * ROWS * VECTORS * 2 * 4;

/**
 * peak(trips, ptr) → f32: run `trips` trips; `ptr` addresses 8 readable bytes (the broadcast
 * scalars). Returns a checksum so that nothing is dead code.
 */
export function addPeakFunction(mod: ModuleBuilder): number {
  const c = new Code([i32, i32], [f32]);
  const [trips, ptr] = [0, 1];
  const acc = Array.from({ length: ROWS * VECTORS }, () => c.local(v128));
  const b = Array.from({ length: VECTORS }, () => c.local(v128));
  const a = Array.from({ length: ROWS }, () => c.local(v128));
  // The B vectors come from memory too, so they are values, not constants V8 would rematerialise.
  b.forEach((v, j) => c.localGet(ptr).v128Load32Splat(4 * (j % 2)).localSet(v));
  c.while(() => c.localGet(trips), () => {
    for (let s = 0; s < STEPS; s++) {
      a.forEach((v, r) => c.localGet(ptr).v128Load32Splat(4 * r).localSet(v));
      for (let r = 0; r < ROWS; r++) {
        for (let j = 0; j < VECTORS; j++) {
          const v = acc[r * VECTORS + j]!;
          c.localGet(v).localGet(a[r]!).localGet(b[j]!).f32x4Mul().f32x4Add().localSet(v);
        }
      }
    }
    c.localGet(trips).i32Const(1).i32Sub().localSet(trips);
  });
  c.f32Const(0);
  for (const v of acc) c.localGet(v).f32x4ExtractLane(0).f32Add();
  return mod.declare('peak', c);
}

/** peak(trips, ptr) → f32 (dropped): the probe as a kernel. Not in `engineKernels`: benchmarks build an engine with it. */
export const peakKernel = kernel({ name: 'peak', params: ['trips', 'ptr'], returnsValue: true, emit: ({ mod }) => addPeakFunction(mod) });

/** An engine whose module also holds the probe (for benchmarks; the engine users load does not). */
export const peakEngine = (options: EngineOptions = {}): Engine => new Engine({ ...options, kernels: [...engineKernels, peakKernel] });

/**
 * Run the probe for `trips` trips on each of the first `threads` threads of `engine` (built by
 * `peakEngine`) at once; each thread performs `trips · peakFlopsPerTrip` floating-point operations.
 */
export function runPeak(engine: Engine, trips: number, threads = engine.threads): void {
  for (let t = 0; t < Math.min(threads, engine.threads); t++) engine.push(t, peakKernel, { trips, ptr: engine.scratch[t]!.tile });
  engine.flush();
}
