/** Normalisation layers' functional forms: group norm (Wu & He 2018) and layer norm (Ba et al. 2016). */
import type { Tensor } from '../tensor.ts';
import { add, mul, reshape, rsqrt, sub } from '../ops/index.ts';
import { fmt, OpError } from '../shape.ts';
import { mean, variance } from './reductions.ts';

/** (x − E[x]) / √(Var[x] + eps) over `dims`, with the biased variance as PyTorch's norms use. */
function standardize(x: Tensor, dims: number[], eps: number): Tensor {
  const mu = mean(x, dims, true);
  return mul(sub(x, mu), rsqrt(add(variance(x, dims, { correction: 0, keepdim: true }), eps)));
}

/**
 * Group normalisation of x [N, C, …]: channels split into `numGroups` groups, each normalised over
 * its channels and all spatial positions, then a per-channel affine transform (weight, bias [C]).
 */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  if (x.ndim < 2) throw new OpError('groupNorm', `expects [N, C, ...], got ${fmt(x.shape)}`);
  const [n, c] = x.shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new OpError('groupNorm', `${c} channels cannot be split into ${numGroups} groups`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t != null && (t.ndim !== 1 || t.shape[0] !== c)) throw new OpError('groupNorm', `${name} ${fmt(t.shape)} must be [${c}], one per channel`);
  }
  const grouped = reshape(x, [n, numGroups, -1]);
  let y = reshape(standardize(grouped, [2], eps), x.shape);
  const perChannel = [1, c, ...Array(x.ndim - 2).fill(1)] as number[];
  if (weight != null) y = mul(y, reshape(weight, perChannel));
  if (bias != null) y = add(y, reshape(bias, perChannel));
  return y;
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
