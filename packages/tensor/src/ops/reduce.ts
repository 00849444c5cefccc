/** Reductions: sum, max, min (with dims and keepdim), argmax/argmin, and the tape's sumToShape. */
import type { Tensor } from '../tensor-core.ts';
import type { ReduceCode, Shape } from '../backend/kernels.ts';
import { record } from '../autograd.ts';
import { fmt, normalizeDim, normalizeDims, OpError } from '../shape.ts';
import { div, mul } from './arithmetic.ts';
import { eq } from './compare.ts';
import { wrap } from './internal.ts';
import { expand, reshape } from './layout.ts';

/** Shape after reducing `dims`: kept as 1s, or dropped. */
const reducedShape = (shape: Shape, dims: readonly number[], keepdim: boolean): number[] =>
  keepdim ? shape.map((d, k) => (dims.includes(k) ? 1 : d)) : shape.filter((_, k) => !dims.includes(k));

function reduceForward(code: ReduceCode, x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean) {
  const dims = normalizeDims(code, dim, x.ndim);
  if (code !== 'sum' && dims.some((d) => x.shape[d] === 0)) {
    throw new OpError(code, `cannot reduce over a dim of size 0 in ${fmt(x.shape)}: the ${code} of nothing is undefined`);
  }
  const kept = wrap(x, x.backend.reduce(code, x, dims), reducedShape(x.shape, dims, true));
  return { dims, kept, out: keepdim ? kept : reshape(kept, reducedShape(x.shape, dims, false)) };
}

/** Σ over `dim` (one, several, or all when omitted). The gradient broadcasts dy back over the summed dims. */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const { dims, out } = reduceForward('sum', x, dim, keepdim);
  return record('sum', [x], out, (dy) => [expand(reshape(dy, reducedShape(x.shape, dims, true)), x.shape)]);
}

/**
 * Max/min values over dims (torch.amax/amin semantics: values only; use argmax for indices).
 * The gradient is shared evenly among the entries that attain the extreme.
 */
function extreme(code: 'max' | 'min') {
  return (x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor => {
    const { dims, kept, out } = reduceForward(code, x, dim, keepdim);
    return record(code, [x], out, (dy) => {
      const hits = eq(x, kept);
      const count = sum(hits, dims, true);
      return [mul(div(reshape(dy, kept.shape), count), hits)];
    });
  };
}

export const max = extreme('max');
export const min = extreme('min');

function argExtreme(code: 'argmax' | 'argmin') {
  return (x: Tensor, dim?: number, keepdim = false): Tensor => {
    if (dim === undefined) return argExtreme(code)(reshape(x, [-1]), 0, false);
    const d = normalizeDim(code, dim, x.ndim);
    if (x.shape[d] === 0) throw new OpError(code, `cannot take ${code} over an empty dim of ${fmt(x.shape)}`);
    const kept = wrap(x, x.backend.argReduce(code, x, d), reducedShape(x.shape, [d], true), 'int32');
    return keepdim ? kept : reshape(kept, reducedShape(x.shape, [d], false));
  };
}

/** int32 index of the largest entry along `dim` (of the flattened tensor when omitted). Not differentiable. */
export const argmax = argExtreme('argmax');
/** int32 index of the smallest entry along `dim`. Not differentiable. */
export const argmin = argExtreme('argmin');

/** Sum a broadcast gradient back to `shape`: over leading dims, and over dims where `shape` has 1. */
export function sumToShape(g: Tensor, shape: Shape, op = 'sumToShape'): Tensor {
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new OpError(op, `gradient ${fmt(g.shape)} has fewer dims than its input ${fmt(shape)}`);
  const dims = g.shape.map((_, k) => k).filter((k) => k < lead || (shape[k - lead] === 1 && g.shape[k] !== 1));
  return reshape(dims.length > 0 ? sum(g, dims, true) : g, shape);
}
