/** Matrix products: `matmul` with torch.matmul's rules, on one batched primitive with transpose flags. */
import type { Tensor } from '../tensor-core.ts';
import { record } from '../autograd.ts';
import { broadcastShapes, fmt, OpError } from '../shape.ts';
import { checkCompatible, wrap } from './internal.ts';
import { reshape } from './layout.ts';

/**
 * op(a) · op(b) over broadcast batch dims, where op transposes the last two dims when its flag is
 * set. The gradients use the flags too, so backward never materialises a transpose:
 * for C = A·B, ∂A = dC·Bᵀ and ∂B = Aᵀ·dC.
 */
export function matmulTransposed(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  checkCompatible('matmul', a, b);
  if (a.ndim < 2 || b.ndim < 2) throw new OpError('matmul', `batched product needs 2+ dims, got ${fmt(a.shape)} @ ${fmt(b.shape)}`);
  const [M, Ka] = transA ? [a.shape[a.ndim - 1]!, a.shape[a.ndim - 2]!] : [a.shape[a.ndim - 2]!, a.shape[a.ndim - 1]!];
  const [Kb, N] = transB ? [b.shape[b.ndim - 1]!, b.shape[b.ndim - 2]!] : [b.shape[b.ndim - 2]!, b.shape[b.ndim - 1]!];
  if (Ka !== Kb) {
    const show = (t: Tensor, tr: boolean) => fmt(t.shape) + (tr ? 'ᵀ' : '');
    throw new OpError('matmul', `${show(a, transA)} @ ${show(b, transB)}: inner dimensions ${Ka} and ${Kb} differ`);
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, M, N];
  const out = wrap(a, a.backend.matmul(a, b, shape, transA, transB), shape);
  return record('matmul', [a, b], out, (dy, needs) => {
    // Each case is C = op(A)·op(B) differentiated, then written back in A's and B's stored layout.
    if (!transA && !transB) return [needs[0] ? matmulTransposed(dy, b, false, true) : null, needs[1] ? matmulTransposed(a, dy, true, false) : null];
    if (transA && !transB) return [needs[0] ? matmulTransposed(b, dy, false, true) : null, needs[1] ? matmulTransposed(a, dy, false, false) : null];
    if (!transA && transB) return [needs[0] ? matmulTransposed(dy, b, false, false) : null, needs[1] ? matmulTransposed(dy, a, true, false) : null];
    return [needs[0] ? matmulTransposed(b, dy, true, true) : null, needs[1] ? matmulTransposed(dy, a, true, true) : null];
  });
}

/**
 * torch.matmul: 1-D operands are promoted to a row (left) or column (right) and the added dim is
 * removed again; 2-D and above multiply the last two dims and broadcast the rest.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new OpError('matmul', `both arguments need at least 1 dim, got ${fmt(a.shape)} @ ${fmt(b.shape)}`);
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) {
    throw new OpError('matmul', `${fmt(a.shape)} @ ${fmt(b.shape)}: inner dimensions ${a2.shape[a2.ndim - 1]} and ${b2.shape[b2.ndim - 2]} differ`);
  }
  const out = matmulTransposed(a2, b2);
  if (a.ndim > 1 && b.ndim > 1) return out;
  const shape = out.shape.filter((_, k) => !((a.ndim === 1 && k === out.ndim - 2) || (b.ndim === 1 && k === out.ndim - 1)));
  return reshape(out, shape);
}
