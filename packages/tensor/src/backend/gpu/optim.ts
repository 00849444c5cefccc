/**
 * The Adam / AdamW step on the gpu: Algorithm 1 of Kingma & Ba 2015 with PyTorch's placement of eps
 * (θ ← θ − α/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps)), and AdamW's decoupled decay θ ← θ·(1 − α·λ)
 * (Loshchilov & Hutter 2019) where Adam adds λ·θ to the gradient instead; as backend/js/optim.ts.
 * θ, m and v are three launches of one elementwise kernel, each recomputing the new moments. The
 * per-step numbers (α, the bias corrections of t…) change every call, so they travel in a small
 * device buffer rather than as compile-time constants (which would compile anew each step).
 */
import type { AdamStepParams, View } from '../kernels.ts';
import { sizeOf } from '../../shape.ts';
import type { GpuBuffer, GpuEngine, KernelThis } from './engine.ts';

/** Which output (0: θ, 1: m, 2: v), and whether m and v exist yet (null before the first step: zeros). */
type Adam = KernelThis<{ which: number; hasM: number; hasV: number }>;

/**
 * h = [β₁, 1 − β₁, β₂, 1 − β₂, α/(1 − β₁ᵗ), √(1 − β₂ᵗ), eps, 1 − α·λ (AdamW) or 1, λ (Adam) or 0,
 * −1 to maximize or 1], the order of `adamScalars`.
 */
function adamKernel(this: Adam, param: number[], grad: number[], expAvg: number[], expAvgSq: number[], h: number[]): number {
  const i = this.thread.x;
  const p = param[i]!;
  const g = h[9]! * grad[i]! + h[8]! * p;
  let m = h[1]! * g;
  if (this.constants.hasM === 1) m = h[0]! * expAvg[i]! + m;
  if (this.constants.which === 1) return m;
  let v = h[3]! * g * g;
  if (this.constants.hasV === 1) v = h[2]! * expAvgSq[i]! + v;
  if (this.constants.which === 2) return v;
  return p * h[7]! - (h[4]! * m) / (Math.sqrt(v) / h[5]! + h[6]!);
}

/** The scalars `adamKernel` reads from its buffer h, worked out in float64 once per step. */
function adamScalars({ lr, beta1, beta2, eps, weightDecay, decoupled, maximize, step }: AdamStepParams): Float32Array {
  return Float32Array.of(beta1, 1 - beta1, beta2, 1 - beta2, lr / (1 - beta1 ** step), Math.sqrt(1 - beta2 ** step), eps,
    decoupled ? 1 - lr * weightDecay : 1, decoupled ? 0 : weightDecay, maximize ? -1 : 1);
}

const asBuf = (v: View): GpuBuffer => v.buf as GpuBuffer;

export function optimKernels(engine: GpuEngine) {
  return {
    adamStep(param: View, grad: View, expAvg: View | null, expAvgSq: View | null, h: AdamStepParams): [GpuBuffer, GpuBuffer, GpuBuffer] {
      const scalars = engine.upload(adamScalars(h)), length = sizeOf(param.shape);
      // A missing moment is never read: the gradient is bound in its place.
      const m = expAvg === null ? asBuf(grad) : asBuf(expAvg), v = expAvgSq === null ? asBuf(grad) : asBuf(expAvgSq);
      const flags = { hasM: expAvg === null ? 0 : 1, hasV: expAvgSq === null ? 0 : 1 };
      const output = (which: number) => engine.launch({ name: 'adamStep', fn: adamKernel, constants: { which, ...flags } }, length, [asBuf(param), asBuf(grad), m, v, scalars]);
      const outputs: [GpuBuffer, GpuBuffer, GpuBuffer] = [output(0), output(1), output(2)];
      scalars.release();
      return outputs;
    },
  };
}
