/**
 * `sgemm`: one strided, batched SGEMM call on the engine, for the engine's tests (sgemm.test.ts) and
 * benchmarks. The backend reaches the same loops through `runGemms` with its own problem lists; this
 * BLAS-shaped entry is not part of the engine users load.
 */

import type { Engine } from '../backend/wasm/engine.ts';
import { runGemms, type GemmProblem } from '../backend/wasm/sgemm.ts';

export interface SgemmParams {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** A is stored [k, m] (row-major) instead of [m, k]. */
  readonly transA: boolean;
  /** B is stored [n, k] instead of [k, n]. */
  readonly transB: boolean;
  /** Byte addresses in the engine's heap. */
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** Number of products; matrix i uses a + 4·i·strideA etc. (a stride of 0 broadcasts). */
  readonly batch?: number;
  readonly strideA?: number;
  readonly strideB?: number;
  readonly strideC?: number;
  readonly accumulate?: boolean;
}

/** C[i] (+)= op(A[i]) · op(B[i]) for i < batch, on every thread; returns when C is written. */
export function sgemm(engine: Engine, s: SgemmParams): void {
  const { m, n, k, transA, transB } = s;
  const strideA = s.strideA ?? m * k, strideB = s.strideB ?? k * n, strideC = s.strideC ?? m * n;
  const problems = Array.from({ length: s.batch ?? 1 }, (_, i): GemmProblem => ({
    m, n, k,
    a: s.a + 4 * i * strideA, rsA: transA ? 1 : k, csA: transA ? m : 1,
    b: s.b + 4 * i * strideB, rsB: transB ? 1 : n, csB: transB ? k : 1,
    c: s.c + 4 * i * strideC, ldc: n,
    accumulate: s.accumulate ?? false,
  }));
  runGemms(engine, problems);
}
