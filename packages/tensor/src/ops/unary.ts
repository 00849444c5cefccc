/** Elementwise math functions, each with its derivative beside it. */
import type { Tensor } from '../tensor-core.ts';
import type { UnaryCode } from '../backend/kernels.ts';
import { isGradEnabled, record, type BackwardFn } from '../autograd.ts';
import { wrap } from './internal.ts';
import { add, div, mul, neg } from './arithmetic.ts';
import { gt } from './compare.ts';
import { zerosLike } from '../creation.ts';

/** Define y = f(x) from its kernel code and dy ↦ dx, given x and y. */
function unaryOp(code: UnaryCode, grad: (dy: Tensor, x: Tensor, y: Tensor) => Tensor | null) {
  return (x: Tensor): Tensor => {
    const out = wrap(x, x.backend.unary(code, x), x.shape);
    const backward: BackwardFn = (dy) => [grad(dy, x, out)];
    return record(code, [x], out, backward);
  };
}

/** eˣ; derivative eˣ = y. */
export const exp = unaryOp('exp', (dy, _x, y) => mul(dy, y));
/** ln x; derivative 1/x. */
export const log = unaryOp('log', (dy, x) => div(dy, x));
/** ln(1 + x), accurate near 0; derivative 1/(1 + x). */
export const log1p = unaryOp('log1p', (dy, x) => div(dy, add(x, 1)));
/** √x; derivative 1/(2√x) = 0.5/y. */
export const sqrt = unaryOp('sqrt', (dy, _x, y) => div(mul(dy, 0.5), y));
/** 1/√x; derivative −½x^(−3/2) = −½·y/x. */
export const rsqrt = unaryOp('rsqrt', (dy, x, y) => mul(dy, mul(div(y, x), -0.5)));
/** sin x; derivative cos x. */
export const sin = unaryOp('sin', (dy, x) => mul(dy, cos(x)));
/** cos x; derivative −sin x. */
export const cos = unaryOp('cos', (dy, x) => neg(mul(dy, sin(x))));
/** tanh x; derivative 1 − y². */
export const tanh = unaryOp('tanh', (dy, _x, y) => mul(dy, neg(mul(y, y)).add(1)));
/** σ(x) = 1/(1 + e⁻ˣ); derivative y(1 − y). */
export const sigmoid = unaryOp('sigmoid', (dy, _x, y) => mul(dy, mul(y, neg(y).add(1))));
/**
 * SiLU(x) = x·σ(x) (Elfwing et al. 2018; "swish"), one kernel each way; derivative
 * σ(x)·(1 + x·(1 − σ(x))), written with ops when the backward is recorded (`createGraph`).
 */
export const silu = unaryOp('silu', (dy, x) => {
  if (!isGradEnabled()) return wrap(x, x.backend.siluBackward(x, dy), x.shape);
  const s = sigmoid(x);
  return mul(dy, mul(s, add(mul(x, neg(s).add(1)), 1)));
});
/** max(x, 0); derivative 1 where x > 0, else 0 (PyTorch's choice at 0). */
export const relu = unaryOp('relu', (dy, x) => mul(dy, gt(x, 0)));
/** |x|; derivative sign(x) (0 at 0, as PyTorch). */
export const abs = unaryOp('abs', (dy, x) => mul(dy, sign(x)));
/** erf x; derivative 2/√π · e^(−x²). */
export const erf = unaryOp('erf', (dy, x) => mul(dy, exp(neg(mul(x, x))).mul(2 / Math.sqrt(Math.PI))));
/** sign(x) ∈ {−1, 0, 1}; piecewise constant, so its gradient is zero. */
export const sign = unaryOp('sign', (_dy, x) => zerosLike(x));
/** ⌊x⌋; piecewise constant, so its gradient is zero. */
export const floor = unaryOp('floor', (_dy, x) => zerosLike(x));
