/**
 * Batched matrix product on the gpu backend: one gpu.js thread per output element, each a dot
 * product over k accumulated in float32 in increasing k. Transposes are strides, not copies, and
 * broadcast batch dims are strides of 0, walked as in the elementwise kernels. By default the same
 * product runs as the tiled WGSL shader of tiled-matmul.ts, which shares loads in workgroup memory;
 * the gpu.js kernel is the fallback and the reference it is tested against.
 */
import type { Shape, View } from '../kernels.ts';
import { broadcastStrides, sizeOf } from '../../shape.ts';
import type { GpuBuffer, GpuEngine, KernelThis } from './engine.ts';
import { floorDiv, stridedOffset, walk } from './indexing.ts';
import { tiledMatmul } from './tiled-matmul.ts';

type Digit = 0 | 1 | 2 | 3 | 4 | 5;
/**
 * Batch walk (n1…n5; a0…a5 and b0…b5 the offsets of A's and B's matrices, in elements), the
 * product's sizes M, N, K, and the element strides of A along i and k and of B along k and j.
 */
export type MatmulConstants = { [K in `n${Exclude<Digit, 0>}` | `${'a' | 'b'}${Digit}` | 'M' | 'N' | 'K' | 'aI' | 'aK' | 'bK' | 'bJ']: number };

/**
 * C[β, i, j] = Σ_{k<K} A[β, i, k] · B[β, k, j] for the thread's output element (β, i, j), where
 * A[β, i, k] = a[offA(β) + i·aI + k·aK] and B[β, k, j] = b[offB(β) + k·bK + j·bJ].
 */
function matmulKernel(this: KernelThis<MatmulConstants>, a: number[], b: number[]): number {
  const row = floorDiv(this.thread.x, this.constants.N);
  const j = this.thread.x - row * this.constants.N;
  const batch = floorDiv(row, this.constants.M);
  const i = row - batch * this.constants.M;
  const aRow = i * this.constants.aI + stridedOffset(batch, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5,
    this.constants.a0, this.constants.a1, this.constants.a2, this.constants.a3, this.constants.a4, this.constants.a5);
  const bCol = j * this.constants.bJ + stridedOffset(batch, this.constants.n1, this.constants.n2, this.constants.n3, this.constants.n4, this.constants.n5,
    this.constants.b0, this.constants.b1, this.constants.b2, this.constants.b3, this.constants.b4, this.constants.b5);
  let sum = 0;
  for (let k = 0; k < this.constants.K; k++) {
    sum += a[aRow + k * this.constants.aK]! * b[bCol + k * this.constants.bK]!;
  }
  return sum;
}

/**
 * The constants of `matmulKernel` for a: [...batchA, M, K] (or [..., K, M] when transA) and
 * b: [...batchB, K, N] (or [..., N, K] when transB), batch dims broadcast to `outShape`'s.
 */
export function matmulConstants(a: View, b: View, outShape: Shape, transA: boolean, transB: boolean): MatmulConstants {
  const nd = outShape.length, M = outShape[nd - 2]!, N = outShape[nd - 1]!;
  const K = a.shape[a.shape.length - (transA ? 2 : 1)]!;
  const batch = outShape.slice(0, -2);
  const sa = broadcastStrides(a.shape.slice(0, -2), batch).map((s) => s * M * K);
  const sb = broadcastStrides(b.shape.slice(0, -2), batch).map((s) => s * K * N);
  const batchWalk = walk('matmul', batch, { a: sa, b: sb }) as Record<`n${Exclude<Digit, 0>}` | `${'a' | 'b'}${Digit}`, number>;
  return {
    ...batchWalk, M, N, K,
    aI: transA ? 1 : K, aK: transA ? M : 1,
    bK: transB ? 1 : N, bJ: transB ? K : 1,
  };
}

export interface MatmulOptions {
  /** Run the tiled WGSL shader where its dispatch fits (default), else only the gpu.js kernel. */
  readonly tiled?: boolean;
}

export function matmulKernels(engine: GpuEngine, { tiled = true }: MatmulOptions = {}) {
  return {
    matmul(a: View, b: View, outShape: Shape, transA: boolean, transB: boolean): GpuBuffer {
      const constants = matmulConstants(a, b, outShape, transA, transB), length = sizeOf(outShape);
      const inputs = [a.buf as GpuBuffer, b.buf as GpuBuffer] as const;
      return (tiled ? tiledMatmul(engine, ...inputs, constants, length) : null)
        ?? engine.launch({ name: 'matmul', fn: matmulKernel, constants }, length, inputs);
    },
  };
}
