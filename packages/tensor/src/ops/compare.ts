/**
 * Comparisons (masks of 1/0 in the operands' dtype, so they multiply directly), `where`,
 * and the piecewise ops built on masks: maximum, minimum, clamp.
 */
import type { Tensor, TensorLike } from '../tensor-core.ts';
import type { BinaryCode } from '../backend/kernels.ts';
import { record } from '../autograd.ts';
import { broadcastShapes, OpError } from '../shape.ts';
import { add, mul } from './arithmetic.ts';
import { binaryForward, checkCompatible, operands, wrap } from './internal.ts';

/** Comparisons are not differentiable: their outputs never require grad. */
const compare = (code: BinaryCode) => (a: TensorLike, b: TensorLike): Tensor => binaryForward(code, a, b)[2];

export const eq = compare('eq');
export const ne = compare('ne');
export const lt = compare('lt');
export const le = compare('le');
export const gt = compare('gt');
export const ge = compare('ge');

/** cond ≠ 0 ? a : b, broadcasting all three. Gradients flow to the branch that was taken. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands('where', a, b);
  checkCompatible('where', ta, cond);
  const shape = broadcastShapes('where', cond.shape, ta.shape, tb.shape);
  const out = wrap(ta, ta.backend.where(cond, ta, tb, shape), shape);
  return record('where', [cond, ta, tb], out, (dy, needs) => [
    null,
    needs[1] ? where(cond, dy, 0) : null,
    needs[2] ? where(cond, 0, dy) : null,
  ]);
}

/**
 * Elementwise max/min. Where a = b the gradient is split evenly between them, as PyTorch does,
 * so the sum of the two gradients is always dy.
 */
function extremum(code: 'maximum' | 'minimum') {
  const wins = code === 'maximum' ? gt : lt;
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [ta, tb, out] = binaryForward(code, a, b);
    return record(code, [ta, tb], out, (dy, needs) => {
      const tie = mul(eq(ta, tb), 0.5);
      return [
        needs[0] ? mul(dy, add(wins(ta, tb), tie)) : null,
        needs[1] ? mul(dy, add(wins(tb, ta), tie)) : null,
      ];
    });
  };
}

export const maximum = extremum('maximum');
export const minimum = extremum('minimum');

/** Clamp into [min, max] (either bound may be omitted). The gradient is 1 inside, bounds included. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) throw new OpError('clamp', `needs min <= max, got min=${min} max=${max}`);
  const lower = binaryForward('maximum', x, lo)[2];
  const out = binaryForward('minimum', lower, hi)[2];
  return record('clamp', [x], out, (dy) => [mul(dy, mul(ge(x, lo), le(x, hi)))]);
}
