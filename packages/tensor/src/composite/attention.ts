/** Scaled dot-product attention (Vaswani et al. 2017, Eq. 1). */
import type { Tensor } from '../tensor-core.ts';
import { add, matmulTransposed, mul, where } from '../ops/index.ts';
import { broadcastShapes, fmt, OpError, shapesEqual } from '../shape.ts';
import { softmax } from '../ops/softmax.ts';

export interface AttentionOptions {
  /** Boolean-like mask (1 = attend, 0 = blocked; any dtype) or additive float mask, broadcast to [..., Lq, Lk]. */
  mask?: Tensor;
  /** Whether `mask` is a 1/0 keep-mask (default) or added to the scores. */
  maskKind?: 'keep' | 'additive';
  /** Multiplier of QKᵀ; default 1/√d. */
  scale?: number;
}

const op = 'scaledDotProductAttention';

/** softmax(Q Kᵀ · scale + mask) V for q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv]. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, { mask, maskKind = 'keep', scale }: AttentionOptions = {}): Tensor {
  const d = q.shape[q.ndim - 1]!;
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2 || k.shape[k.ndim - 1] !== d || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new OpError(op, `q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}: need q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv]`);
  }
  broadcastShapes(op, q.shape.slice(0, -2), k.shape.slice(0, -2), v.shape.slice(0, -2));
  let scores = mul(matmulTransposed(q, k, false, true), scale ?? 1 / Math.sqrt(d));
  if (mask !== undefined) {
    if (!shapesEqual(broadcastShapes(op, mask.shape, scores.shape), scores.shape)) {
      throw new OpError(op, `mask ${fmt(mask.shape)} does not broadcast to the scores ${fmt(scores.shape)}`);
    }
    if (maskKind === 'keep') scores = where(mask.dtype === scores.dtype ? mask : mask.to(scores.dtype), scores, -Infinity);
    else if (mask.dtype !== scores.dtype) throw new OpError(op, `additive mask is ${mask.dtype}, scores are ${scores.dtype}`);
    else scores = add(scores, mask);
  }
  return matmulTransposed(softmax(scores, -1), v);
}
