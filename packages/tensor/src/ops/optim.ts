/**
 * Fused optimizer updates: one kernel per parameter instead of a dozen elementwise ops, as
 * torch's `fused=True` optimizers. Not differentiable (optimizer steps never are): run it outside
 * the graph, as optimizers do under `noGrad`.
 */
import type { Tensor } from '../tensor-core.ts';
import type { AdamStepParams } from '../backend/kernels.ts';
import { isFloat } from '../dtype.ts';
import { checkCompatible, wrap } from './internal.ts';
import { fmt, OpError, shapesEqual } from '../shape.ts';

/**
 * One Adam step (Kingma and Ba 2015, Algorithm 1; AdamW, Loshchilov and Hutter 2019, Algorithm 2,
 * when `decoupled`), computed as torch.optim.Adam computes it, per element, with t = `step`:
 *   g ← ±grad (+ λθ for Adam),  θ ← θ(1 − γλ) for AdamW,
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
 *   θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
 * `expAvg` and `expAvgSq` are null before the first step (zeros). Returns new tensors; none of the
 * inputs is modified.
 */
export function adamStep(param: Tensor, grad: Tensor, expAvg: Tensor | null, expAvgSq: Tensor | null, h: AdamStepParams): { param: Tensor; expAvg: Tensor; expAvgSq: Tensor } {
  if (!isFloat(param.dtype)) throw new OpError('adamStep', `expects a floating parameter, got ${param.dtype}${fmt(param.shape)}`);
  for (const [name, t] of [['grad', grad], ['expAvg', expAvg], ['expAvgSq', expAvgSq]] as const) {
    if (t === null) continue;
    checkCompatible('adamStep', param, t);
    if (!shapesEqual(t.shape, param.shape)) throw new OpError('adamStep', `${name} ${fmt(t.shape)} differs from the parameter's shape ${fmt(param.shape)}`);
  }
  if (!Number.isInteger(h.step) || h.step < 1) throw new OpError('adamStep', `step must be an integer ≥ 1, got ${h.step}`);
  const [p, m, v] = param.backend.adamStep(param, grad, expAvg, expAvgSq, h);
  return { param: wrap(param, p, param.shape), expAvg: wrap(param, m, param.shape), expAvgSq: wrap(param, v, param.shape) };
}
