/** Batched matrix product with broadcast batch dims, as plain loops (float64 accumulation). */
import type { Shape, TypedArray, View } from '../kernels.ts';
import { broadcastStrides, sizeOf } from '../../shape.ts';
import { alloc, forEachOffset } from './util.ts';

/**
 * C[M,N] = op(A) · op(B) for one matrix pair, where op transposes when asked. A starts at `aOff`
 * and is stored [M,K] (or [K,M] when transA); B at `bOff`, stored [K,N] (or [N,K] when transB).
 *
 * Both operands are first copied into float64 panels with k contiguous (a[i][k], b[j][k]), so every
 * entry of C is a dot product of two contiguous rows, whatever the transposes. C is then computed
 * in 4×4 blocks held in sixteen local sums: each step of k loads 8 numbers and does 16
 * multiply-adds, instead of reloading C for every product. Edges fall back to one dot product.
 */
export function gemm(
  A: TypedArray, aOff: number, B: TypedArray, bOff: number, C: TypedArray, cOff: number,
  M: number, N: number, K: number, transA: boolean, transB: boolean,
): void {
  const a = new Float64Array(M * K), b = new Float64Array(N * K);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) a[i * K + k] = A[aOff + (transA ? k * M + i : i * K + k)]!;
  for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) b[j * K + k] = B[bOff + (transB ? j * K + k : k * N + j)]!;
  const M4 = M - (M % 4), N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const r0 = i * K, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K;
    for (let j = 0; j < N4; j += 4) {
      const c0 = j * K, c1 = c0 + K, c2 = c1 + K, c3 = c2 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < K; k++) {
        const a0 = a[r0 + k]!, a1 = a[r1 + k]!, a2 = a[r2 + k]!, a3 = a[r3 + k]!;
        const b0 = b[c0 + k]!, b1 = b[c1 + k]!, b2 = b[c2 + k]!, b3 = b[c3 + k]!;
        s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
        s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
        s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
        s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
      }
      const o = cOff + i * N + j;
      C[o] = s00; C[o + 1] = s01; C[o + 2] = s02; C[o + 3] = s03;
      C[o + N] = s10; C[o + N + 1] = s11; C[o + N + 2] = s12; C[o + N + 3] = s13;
      C[o + 2 * N] = s20; C[o + 2 * N + 1] = s21; C[o + 2 * N + 2] = s22; C[o + 2 * N + 3] = s23;
      C[o + 3 * N] = s30; C[o + 3 * N + 1] = s31; C[o + 3 * N + 2] = s32; C[o + 3 * N + 3] = s33;
    }
  }
  // The ragged right columns and bottom rows.
  for (let i = 0; i < M; i++) {
    for (let j = i < M4 ? N4 : 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k]! * b[j * K + k]!;
      C[cOff + i * N + j] = s;
    }
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
