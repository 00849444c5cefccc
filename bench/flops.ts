/**
 * Useful floating-point operations, counted from the network rather than written down: a backend
 * that wraps another (`countingBackend`) adds up the multiply-adds of every GEMM-shaped kernel call
 * it serves, and the U-Net's training step (or denoiser evaluation) runs on it once.
 *
 * What counts as useful: the GEMM-shaped kernels, which are where the arithmetic of a U-Net is,
 *   matmul (attention's QKᵀ and PV, the time-embedding MLP)   2·M·N·K per matrix of the batch
 *   conv2d, conv2dInputGrad, conv2dWeightGrad                 2·N·O·H'·W'·(C/groups)·kH·kW each
 * (a multiply and an add per term of each sum, the convention of the papers and of the peer's
 * benchmarks). Elementwise ops, norms, softmax and Adam are O(n) and left out; so is any work a
 * kernel wastes (padding, packing), which is why the figure is "useful".
 *
 * `tsx bench/flops.ts` prints the bench U-Net's count by kernel for one training step (batch 8) and
 * one denoiser evaluation (batch 16 and 1).
 */
import { getBackend } from '@diffusion-ts/tensor';
import type { Conv2dParams, Kernels, Shape } from '@diffusion-ts/tensor';
import { ourUNet } from './unet.ts';

/** FLOPs of each GEMM-shaped kernel, by kernel name, and the number of calls. */
export interface FlopCount {
  readonly byKernel: Map<string, { calls: number; flops: number }>;
  total(): number;
}

const prod = (s: Shape): number => s.reduce((p, d) => p * d, 1);

/** 2·N·O·H'·W'·(C/groups)·kH·kW: one multiply-add per term of every output's sum. */
export function convFlops(xShape: Shape, wShape: Shape, yShape: Shape): number {
  const [, cPerGroup, kH, kW] = wShape as [number, number, number, number];
  return 2 * prod(yShape) * cPerGroup * kH * kW;
}

/** 2·M·N·K per matrix of the (broadcast) batch of `outShape` = [...batch, M, N]. */
export function matmulFlops(aShape: Shape, outShape: Shape, transA: boolean): number {
  const k = aShape[aShape.length - (transA ? 2 : 1)]!;
  return 2 * prod(outShape) * k;
}

/** `base` with its GEMM-shaped kernels counted into `count` (a Kernels object `setBackend` accepts). */
export function countingBackend<B>(base: Kernels<B>): { kernels: Kernels<B>; count: FlopCount; reset(): void } {
  const byKernel = new Map<string, { calls: number; flops: number }>();
  const add = (name: string, flops: number): void => {
    const e = byKernel.get(name) ?? { calls: 0, flops: 0 };
    e.calls++;
    e.flops += flops;
    byKernel.set(name, e);
  };
  const kernels: Kernels<B> = {
    ...base,
    matmul(a, b, outShape, transA, transB) {
      add('matmul', matmulFlops(a.shape, outShape, transA));
      return base.matmul(a, b, outShape, transA, transB);
    },
    conv2d(x, w, p: Conv2dParams, outShape, bias) {
      add('conv2d', convFlops(x.shape, w.shape, outShape));
      return base.conv2d(x, w, p, outShape, bias);
    },
    conv2dInputGrad(dy, w, p, xShape) {
      add('conv2dInputGrad', convFlops(xShape, w.shape, dy.shape));
      return base.conv2dInputGrad(dy, w, p, xShape);
    },
    conv2dWeightGrad(x, dy, p, wShape) {
      add('conv2dWeightGrad', convFlops(x.shape, wShape, dy.shape));
      return base.conv2dWeightGrad(x, dy, p, wShape);
    },
  };
  return {
    kernels,
    count: { byKernel, total: () => [...byKernel.values()].reduce((s, e) => s + e.flops, 0) },
    reset: () => byKernel.clear(),
  };
}

/** The bench U-Net's useful FLOPs: one training step at `batch`, one denoiser evaluation at `sampleBatch`. */
export function unetFlops({ batch = 8, sampleBatch = 16, base = getBackend() }: { batch?: number; sampleBatch?: number; base?: Kernels } = {}): { step: FlopCount; evaluation: FlopCount } {
  const step = countingBackend(base), evaluation = countingBackend(base);
  const u = ourUNet(step.kernels, { batch, sampleBatch });
  u.trainStep();
  const v = ourUNet(evaluation.kernels, { batch, sampleBatch });
  v.evaluate();
  u.dispose();
  v.dispose();
  return { step: step.count, evaluation: evaluation.count };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const show = (title: string, c: FlopCount): void => {
    console.log(`${title}: ${(c.total() / 1e9).toFixed(3)} GFLOP`);
    for (const [k, e] of c.byKernel) console.log(`  ${k.padEnd(18)} ${String(e.calls).padStart(4)} calls ${(e.flops / 1e9).toFixed(3).padStart(8)} GFLOP`);
  };
  const { step, evaluation } = unetFlops();
  show('U-Net training step, batch 8 (forward, backward; Adam is O(n))', step);
  show('U-Net denoiser evaluation, batch 16', evaluation);
  show('U-Net denoiser evaluation, batch 1', unetFlops({ sampleBatch: 1 }).evaluation);
}
