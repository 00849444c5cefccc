/** Classifier-free guidance in sigma space, as a denoiser wrapper so every sampler takes it for free. */
import type { Denoiser } from '../types.ts';

/**
 * Classifier-free guidance (Ho & Salimans 2022): D̃(x; σ) = D_u + s·(D_c − D_u), with D_c the
 * conditional and D_u the unconditional denoiser. s = 1 is the conditional model, s = 0 the
 * unconditional one, s > 1 extrapolates past the conditional. Ho & Salimans write the same rule on ε
 * as (1 + w)ε_c − w ε_u, i.e. s = 1 + w; it is the same rule on D because D and ε are affine in each
 * other at fixed x and σ. Two evaluations per call.
 */
export const classifierFree = (cond: Denoiser, uncond: Denoiser, scale: number): Denoiser =>
  (x, sigma) => {
    const u = uncond(x, sigma);
    return u.add(cond(x, sigma).sub(u).mul(scale));
  };
