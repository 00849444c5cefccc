/** Batched matrix product with broadcast batch dims, as plain loops (float64 accumulation). */
import type { Shape, TypedArray, View } from '../kernels.ts';
import { broadcastStrides, sizeOf } from '../../shape.ts';
import { alloc, forEachOffset } from './util.ts';

/**
 * C[M,N] = op(A) · op(B) for one matrix pair, where op transposes when asked.
 * A is read at `aOff` with row stride `lda` (the stored row length), likewise B.
 */
export function gemm(
  A: TypedArray, aOff: number, B: TypedArray, bOff: number, C: TypedArray, cOff: number,
  M: number, N: number, K: number, transA: boolean, transB: boolean,
): void {
  const row = new Float64Array(N);
  const a = (i: number, k: number) => A[aOff + (transA ? k * M + i : i * K + k)]!;
  for (let i = 0; i < M; i++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const aik = a(i, k);
      if (aik === 0) continue;
      if (transB) for (let j = 0; j < N; j++) row[j]! += aik * B[bOff + j * K + k]!;
      else {
        const base = bOff + k * N;
        for (let j = 0; j < N; j++) row[j]! += aik * B[base + j]!;
      }
    }
    for (let j = 0; j < N; j++) C[cOff + i * N + j] = row[j]!;
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
