import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Engine } from './engine.ts';
import { sgemm } from '../../testing/sgemm.ts';

// Two threads even on a one-core machine, so the worker path is always exercised.
const engine = new Engine({ threads: 2 });

/** The naive triple loop in float64: C[b] = op(A[b]) · op(B[b]). */
function naive(m: number, n: number, k: number, A: Float32Array, B: Float32Array, transA: boolean, transB: boolean, batch: number): Float64Array {
  const C = new Float64Array(batch * m * n);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const a = transA ? A[b * m * k + p * m + i]! : A[b * m * k + i * k + p]!;
        const bb = transB ? B[b * k * n + j * k + p]! : B[b * k * n + p * n + j]!;
        s += a * bb;
      }
      C[b * m * n + i * n + j] = s;
    }
  }
  return C;
}

function check(m: number, n: number, k: number, transA: boolean, transB: boolean, batch: number, accumulate: boolean, seed: number): void {
  let state = seed >>> 0;
  const rand = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const A = Float32Array.from({ length: batch * m * k }, rand);
  const B = Float32Array.from({ length: batch * k * n }, rand);
  const C0 = Float32Array.from({ length: batch * m * n }, rand);
  const heap = engine.heap;
  const a = heap.alloc(4 * A.length), b = heap.alloc(4 * B.length), c = heap.alloc(4 * C0.length);
  try {
    heap.f32.set(A, a >> 2);
    heap.f32.set(B, b >> 2);
    heap.f32.set(C0, c >> 2);
    sgemm(engine, { m, n, k, transA, transB, a, b, c, batch, accumulate });
    const want = naive(m, n, k, A, B, transA, transB, batch);
    const got = heap.f32.subarray(c >> 2, (c >> 2) + C0.length);
    const tol = 1e-5 * Math.sqrt(k) + 1e-6;
    for (let i = 0; i < got.length; i++) {
      const expected = want[i]! + (accumulate ? C0[i]! : 0);
      if (Math.abs(got[i]! - expected) > tol) {
        assert.fail(`[${m}×${k}]·[${k}×${n}] tA=${transA} tB=${transB} batch=${batch} acc=${accumulate}: C[${i}] = ${got[i]}, want ${expected}`);
      }
    }
  } finally {
    heap.release(a);
    heap.release(b);
    heap.release(c);
  }
}

describe('sgemm', () => {
  it('matches the naive triple loop on small, odd and edge-tile sizes', () => {
    const dim = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 30, max: 70 }));
    fc.assert(fc.property(dim, dim, dim, fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.integer(),
      (m, n, k, tA, tB, batch, acc, seed) => check(m, n, k, tA, tB, batch, acc, seed)), { seed: 42, numRuns: 60 });
  });
  it('splits large products across threads and across cache blocks', () => {
    // m·n·k above the parallel threshold; k > KC and n > NC exercise every blocking loop.
    check(97, 131, 77, false, false, 1, false, 1);
    check(131, 97, 77, true, true, 1, true, 2);
    check(37, 2100, 300, false, true, 1, false, 3);
    check(45, 33, 29, true, false, 5, false, 4); // batch split over threads
  });
  it('leaves C alone (or zero) when k = 0', () => {
    check(3, 4, 0, false, false, 1, false, 5);
    check(3, 4, 0, false, false, 1, true, 6);
  });
});
