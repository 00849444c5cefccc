/** Batched matrix product with broadcast batch dims, as plain loops (float64 accumulation). */
import type { Shape, TypedArray, View } from '../kernels.ts';
import { broadcastStrides, sizeOf } from '../../shape.ts';
import { alloc, forEachOffset } from './util.ts';

/**
 * C[M,N] = op(A) · op(B) for one matrix pair, where op transposes when asked. A starts at `aOff`
 * and is stored [M,K] (or [K,M] when transA); B at `bOff`, stored [K,N] (or [N,K] when transB).
 * Sums run in float64. Rows of C are computed four at a time, so each element of B that is loaded
 * serves four rows; the innermost loop always walks contiguous memory.
 */
export function gemm(
  A: TypedArray, aOff: number, B: TypedArray, bOff: number, C: TypedArray, cOff: number,
  M: number, N: number, K: number, transA: boolean, transB: boolean,
): void {
  const ROWS = 4;
  const a = new Float64Array(ROWS * K); // rows i..i+3 of op(A), gathered once
  const acc = new Float64Array(ROWS * N); // rows i..i+3 of C
  for (let i0 = 0; i0 < M; i0 += ROWS) {
    const rows = Math.min(ROWS, M - i0);
    a.fill(0);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < K; k++) a[r * K + k] = A[aOff + (transA ? k * M + i0 + r : (i0 + r) * K + k)]!;
    }
    if (transB) {
      // C[i, j] = Σₖ a[i, k] · B[j, k]: four dot products share each load of B's row j.
      for (let j = 0; j < N; j++) {
        const b = bOff + j * K;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < K; k++) {
          const bk = B[b + k]!;
          s0 += a[k]! * bk; s1 += a[K + k]! * bk; s2 += a[2 * K + k]! * bk; s3 += a[3 * K + k]! * bk;
        }
        acc[j] = s0; acc[N + j] = s1; acc[2 * N + j] = s2; acc[3 * N + j] = s3;
      }
    } else {
      // C[i, :] += a[i, k] · B[k, :]: four scaled copies of B's row k.
      acc.fill(0);
      for (let k = 0; k < K; k++) {
        const a0 = a[k]!, a1 = a[K + k]!, a2 = a[2 * K + k]!, a3 = a[3 * K + k]!;
        const b = bOff + k * N;
        for (let j = 0; j < N; j++) {
          const bj = B[b + j]!;
          acc[j]! += a0 * bj; acc[N + j]! += a1 * bj; acc[2 * N + j]! += a2 * bj; acc[3 * N + j]! += a3 * bj;
        }
      }
    }
    for (let r = 0; r < rows; r++) C.set(acc.subarray(r * N, (r + 1) * N), cOff + (i0 + r) * N);
  }
}

export function matmul(a: View<TypedArray>, b: View<TypedArray>, outShape: Shape, transA: boolean, transB: boolean): TypedArray {
  const nd = outShape.length, M = outShape[nd - 2]!, N = outShape[nd - 1]!;
  const K = a.shape[a.shape.length - (transA ? 2 : 1)]!;
  const batch = outShape.slice(0, -2);
  const out = alloc(a.dtype, sizeOf(outShape));
  // Batch strides measured in whole matrices, 0 where a batch dim is broadcast.
  const sa = broadcastStrides(a.shape.slice(0, -2), batch), sb = broadcastStrides(b.shape.slice(0, -2), batch);
  forEachOffset(batch, [sa, sb], (i, [ia, ib]) => {
    gemm(a.buf, ia! * M * K, b.buf, ib! * K * N, out, i * M * N, M, N, K, transA, transB);
  });
  return out;
}
