/** Statistics built on sum and max: mean, variance, standard deviation, log-sum-exp. */
import type { Tensor } from '../tensor-core.ts';
import { add, div, exp, log, max, mul, reshape, sub, sum, sqrt, where } from '../ops/index.ts';
import { noGrad } from '../autograd.ts';
import { normalizeDims } from '../shape.ts';

/** The number of entries reduced over `dim`; validating the dims first, so a bad dim names `op`. */
const countOver = (op: string, x: Tensor, dim: number | readonly number[] | undefined): number =>
  normalizeDims(op, dim, x.ndim).reduce((n, d) => n * x.shape[d]!, 1);

/** Arithmetic mean over dims (all when omitted). */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const count = countOver('mean', x, dim);
  return div(sum(x, dim, keepdim), count);
}

export interface VarianceOptions {
  /** Bessel's correction: divide by N − correction (PyTorch's default is 1, the unbiased estimate). */
  correction?: number;
  keepdim?: boolean;
}

/** Variance over dims, Σ(x − x̄)² / (N − correction). */
export function variance(x: Tensor, dim?: number | readonly number[], { correction = 1, keepdim = false }: VarianceOptions = {}): Tensor {
  const count = countOver('variance', x, dim);
  const centered = sub(x, mean(x, dim, true));
  return div(sum(mul(centered, centered), dim, keepdim), Math.max(count - correction, 0));
}

/** Standard deviation: √variance. */
export function std(x: Tensor, dim?: number | readonly number[], options: VarianceOptions = {}): Tensor {
  normalizeDims('std', dim, x.ndim);
  return sqrt(variance(x, dim, options));
}

/** log Σ exp(x), stabilised by the (constant, hence detached) maximum: m + log Σ exp(x − m). */
export function logsumexp(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = normalizeDims('logsumexp', dim, x.ndim);
  const m = noGrad(() => max(x, dim, true));
  const finiteM = noGrad(() => where(m.abs().lt(Infinity), m, 0)); // an all −∞ row shifts by 0, not by −∞
  const lse = add(log(sum(exp(sub(x, finiteM)), dim, true)), finiteM);
  return keepdim ? lse : reshape(lse, x.shape.filter((_, k) => !dims.includes(k)));
}
