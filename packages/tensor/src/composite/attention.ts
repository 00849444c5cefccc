/** Scaled dot-product attention (Vaswani et al. 2017, Eq. 1). */
import type { Tensor } from '../tensor.ts';
import { add, matmulTransposed, mul, where } from '../ops/index.ts';
import { fmt, OpError } from '../shape.ts';
import { softmax } from './softmax.ts';

export interface AttentionOptions {
  /** Boolean-like mask (1 = attend, 0 = blocked) or additive float mask, broadcast to [..., Lq, Lk]. */
  mask?: Tensor;
  /** Whether `mask` is a 1/0 keep-mask (default) or added to the scores. */
  maskKind?: 'keep' | 'additive';
  /** Multiplier of QKᵀ; default 1/√d. */
  scale?: number;
}

/** softmax(Q Kᵀ · scale + mask) V for q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv]. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, { mask, maskKind = 'keep', scale }: AttentionOptions = {}): Tensor {
  const d = q.shape[q.ndim - 1]!;
  if (q.ndim < 2 || k.shape[k.ndim - 1] !== d || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new OpError('scaledDotProductAttention', `q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}: need q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv]`);
  }
  let scores = mul(matmulTransposed(q, k, false, true), scale ?? 1 / Math.sqrt(d));
  if (mask !== undefined) scores = maskKind === 'keep' ? where(mask, scores, -Infinity) : add(scores, mask);
  return matmulTransposed(softmax(scores, -1), v);
}
