/**
 * softmax as one primitive: one kernel forward, one backward, instead of the max, subtract, exp, sum
 * and divide passes of its composed form (and their ~8 backward passes). As the composed form did,
 * it works on x − m with m = max(x) along the dim, so nothing overflows and the largest entry is
 * exactly exp(0); a row whose max is ±∞ or NaN is shifted by 0 instead. The backward written with
 * ops below runs when the backward itself is recorded (`createGraph`), so softmax stays
 * differentiable to any order.
 */
import type { Tensor } from '../tensor-core.ts';
import { isGradEnabled, record } from '../autograd.ts';
import { mul, sub } from './arithmetic.ts';
import { wrap } from './internal.ts';
import { fmt, normalizeDim, OpError } from '../shape.ts';
import { sum } from './reduce.ts';

/** softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) along `dim` (negative dims count from the end). */
export function softmax(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('softmax', dim, x.ndim);
  if (x.dtype === 'int32') throw new OpError('softmax', `expects a floating tensor, got int32${fmt(x.shape)}`);
  const y = wrap(x, x.backend.softmax(x, d), x.shape);
  return record('softmax', [x], y, (dy) => [
    // ∂x = y ⊙ (dy − Σ_dim dy ⊙ y): the Jacobian diag(y) − y yᵀ applied along the dim.
    isGradEnabled() ? mul(y, sub(dy, sum(mul(dy, y), d, true))) : wrap(x, x.backend.softmaxBackward(y, dy, d), x.shape),
  ]);
}
