/** Broadcasting arithmetic: add, sub, mul, div, pow, neg. The tape un-broadcasts their gradients. */
import type { Tensor, TensorLike } from '../tensor-core.ts';
import { record } from '../autograd.ts';
import { binaryForward, wrap } from './internal.ts';
import { log } from './unary.ts';

/** a + b. ∂/∂a = 1, ∂/∂b = 1. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward('add', a, b);
  return record('add', [ta, tb], out, (dy) => [dy, dy]);
}

/** a − b. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward('sub', a, b);
  return record('sub', [ta, tb], out, (dy, needs) => [dy, needs[1] ? neg(dy) : null]);
}

/** a · b. ∂/∂a = b, ∂/∂b = a. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward('mul', a, b);
  return record('mul', [ta, tb], out, (dy, needs) => [needs[0] ? mul(dy, tb) : null, needs[1] ? mul(dy, ta) : null]);
}

/** a / b. ∂/∂a = 1/b, ∂/∂b = −a/b² = −out/b. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward('div', a, b);
  return record('div', [ta, tb], out, (dy, needs) => [
    needs[0] ? div(dy, tb) : null,
    needs[1] ? neg(mul(dy, div(out, tb))) : null,
  ]);
}

/** aᵇ. ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a (NaN for a < 0, as in PyTorch). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward('pow', a, b);
  return record('pow', [ta, tb], out, (dy, needs) => [
    needs[0] ? mul(dy, mul(tb, pow(ta, sub(tb, 1)))) : null,
    needs[1] ? mul(dy, mul(out, log(ta))) : null,
  ]);
}

/** −x. */
export function neg(x: Tensor): Tensor {
  const out = wrap(x, x.backend.unary('neg', x), x.shape);
  return record('neg', [x], out, (dy) => [neg(dy)]);
}
