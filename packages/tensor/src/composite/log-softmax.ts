/**
 * logSoftmax along a dim (softmax itself is the fused op of ops/softmax.ts), on x − max(x): the
 * shifted entries are ≤ 0, so nothing overflows, and the largest entry is exactly 0, so large inputs
 * lose no precision to the shift (computing exp(x − logsumexp(x)) instead would round logsumexp at
 * the scale of |x|).
 */
import type { Tensor } from '../tensor-core.ts';
import { exp, log, max, sub, sum, where } from '../ops/index.ts';
import { noGrad } from '../autograd.ts';
import { normalizeDim } from '../shape.ts';

/** x − m with m = max(x) along `dim`, detached: logSoftmax is shift-invariant, so the gradient is unchanged. */
function shiftByMax(x: Tensor, dim: number): Tensor {
  const m = noGrad(() => max(x, dim, true));
  return sub(x, noGrad(() => where(m.abs().lt(Infinity), m, 0))); // an all −∞ row shifts by 0, not by −∞
}

/** log softmax(x)ᵢ = (xᵢ − m) − log Σⱼ exp(xⱼ − m). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const z = shiftByMax(x, normalizeDim('logSoftmax', dim, x.ndim));
  return sub(z, log(sum(exp(z), dim, true)));
}
