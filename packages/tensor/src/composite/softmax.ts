/** softmax and logSoftmax along a dim, both through the stable log-sum-exp. */
import type { Tensor } from '../tensor.ts';
import { exp, sub } from '../ops/index.ts';
import { logsumexp } from './reductions.ts';

/** log softmax(x)ᵢ = xᵢ − log Σⱼ exp(xⱼ). */
export const logSoftmax = (x: Tensor, dim: number): Tensor => sub(x, logsumexp(x, dim, true));

/** softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ), computed as exp(logSoftmax) so large inputs never overflow. */
export const softmax = (x: Tensor, dim: number): Tensor => exp(logSoftmax(x, dim));
