/** Activations built from primitives: their gradients come from the tape, never by hand. */
import type { Tensor } from '../tensor-core.ts';
import { abs, add, exp, erf, log1p, maximum, mul, neg } from '../ops/index.ts';

/** GELU(x) = x·Φ(x) = ½x(1 + erf(x/√2)) (Hendrycks & Gimpel 2016), the exact form PyTorch uses by default. */
export const gelu = (x: Tensor): Tensor => mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));

/**
 * softplus(x) = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^(−|x|)) so it never overflows. `maximum`
 * splits its gradient at the tie x = 0, so the derivative there is σ(0) = ½ (relu's would give 0).
 */
export const softplus = (x: Tensor): Tensor => add(maximum(x, 0), log1p(exp(neg(abs(x)))));

/** x². */
export const square = (x: Tensor): Tensor => mul(x, x);
