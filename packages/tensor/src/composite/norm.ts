/** Layer normalisation (Ba et al. 2016); group norm is a primitive op (ops/group-norm.ts). */
import type { Tensor } from '../tensor-core.ts';
import { add, mul, rsqrt, sub } from '../ops/index.ts';
import { fmt, OpError } from '../shape.ts';
import { mean, variance } from './statistics.ts';

/** (x − E[x]) / √(Var[x] + eps) over `dims`, with the biased variance as PyTorch's norms use. */
function standardize(x: Tensor, dims: number[], eps: number): Tensor {
  const mu = mean(x, dims, true);
  return mul(sub(x, mu), rsqrt(add(variance(x, dims, { correction: 0, keepdim: true }), eps)));
}

/** Layer normalisation over the trailing dims `normalizedShape`, with optional elementwise affine. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const k = normalizedShape.length;
  if (k === 0 || k > x.ndim || normalizedShape.some((d, i) => d !== x.shape[x.ndim - k + i])) {
    throw new OpError('layerNorm', `normalizedShape ${fmt(normalizedShape)} must match the trailing dims of ${fmt(x.shape)}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t != null && fmt(t.shape) !== fmt(normalizedShape)) throw new OpError('layerNorm', `${name} ${fmt(t.shape)} must have the normalizedShape ${fmt(normalizedShape)}`);
  }
  let y = standardize(x, normalizedShape.map((_, i) => x.ndim - k + i), eps);
  if (weight != null) y = mul(y, weight);
  if (bias != null) y = add(y, bias);
  return y;
}
