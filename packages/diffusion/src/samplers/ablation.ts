/**
 * The general sampler of Karras et al. 2022 (Algorithm 1, deterministic, with arbitrary σ(t) and s(t),
 * plus Algorithm 2's churn), as NVlabs/edm `generate.py`'s `ablation_sampler`: solver (Euler | Heun) ×
 * discretization (the σ_i passed in: `vpSigmas`, `veSigmas`, `iddpmSigmas`, `karrasSigmas`) × schedule
 * σ(t) (`vpSchedule`, `veSchedule`, `linearSchedule`) × scaling s(t) ('vp' | 'none'). It integrates Eq. 4,
 * dx/dt = (σ'/σ + s'/s) x − (σ' s/σ) D(x/s; σ), in t, on the scaled state x = s(t)·x̃.
 * DDIM (η = 0) is the case euler × iddpm × linear × none.
 */
import { noGrad, tidy, type Tensor } from '@diffusion-ts/tensor';
import type { Denoiser, SamplerOptions } from '../types.ts';
import { linearSchedule, type NoiseSchedule } from '../schedules/noise-schedule.ts';
import { addChurnNoise, churnGamma, type ChurnOptions } from './churn.ts';
import { checkSigmas } from './check-sigmas.ts';
import { runSteps } from './step-loop.ts';

/** Signal scaling s(t) (Table 1): 'vp' is s(t) = 1/√(1 + σ(t)²), 'none' is s(t) = 1. */
export type Scaling = 'vp' | 'none';

/** Options of {@link sampleAblation}; the defaults are `ablation_sampler`'s. */
export interface AblationOptions extends SamplerOptions, ChurnOptions {
  /** 'euler' or 'heun' (default). */
  solver?: 'euler' | 'heun';
  /** σ(t) with σ'(t) and σ⁻¹ (default `linearSchedule`). */
  schedule?: NoiseSchedule;
  /** s(t) (default 'none'). */
  scaling?: Scaling;
  /** α of the general 2nd-order Runge–Kutta step (Algorithm 1 uses α = 1: Heun). */
  alpha?: number;
}

/** s(t) and s'(t) for a scaling over schedule σ(t). */
function scalingOf(scaling: Scaling, { sigma, sigmaDeriv }: NoiseSchedule): { s: (t: number) => number; sDeriv: (t: number) => number } {
  switch (scaling) {
    case 'vp': {
      const s = (t: number) => 1 / Math.sqrt(1 + sigma(t) ** 2);
      return { s, sDeriv: (t) => -sigma(t) * sigmaDeriv(t) * s(t) ** 3 };
    }
    case 'none':
      return { s: () => 1, sDeriv: () => 0 };
    default: {
      const never: never = scaling;
      throw new RangeError(`sampleAblation: unknown scaling ${String(never)}`);
    }
  }
}

/**
 * Sample by Algorithm 1 of Karras et al. 2022 generalized as `ablation_sampler`: t_i = σ⁻¹(σ_i), t_N = 0,
 * and at each step (after optional churn, Algorithm 2) an Euler step in t, then for Heun the
 * α-weighted 2nd-order correction, skipped on the last step. `x` holds samples at σ_0 in the unscaled
 * space (σ_0 · N(0, I), as for every sampler here); it is scaled by s(t_0) on entry, and the result is
 * at t_N = 0, where s = 1. NFE: N for Euler, 2N − 1 for Heun. The reference rounds σ through
 * `net.round_sigma`; pass a discretization already on the network's grid (`iddpmSigmas` is).
 */
export function sampleAblation(denoise: Denoiser, x: Tensor, sigmas: ArrayLike<number>, options: AblationOptions = {}): Tensor {
  checkSigmas('sampleAblation', sigmas);
  const { solver = 'heun', schedule = linearSchedule, scaling = 'none', alpha = 1, onStep } = options;
  if (solver !== 'euler' && solver !== 'heun') throw new RangeError(`sampleAblation: unknown solver ${String(solver)}`);
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`sampleAblation: alpha must be in (0, 1], got ${alpha}`);
  const { sigma, sigmaDeriv, sigmaInv } = schedule;
  const { s, sDeriv } = scalingOf(scaling, schedule);
  const numSteps = sigmas.length - 1;
  const t = Array.from(sigmas, (sig, i) => (i === numSteps && sig === 0 ? 0 : sigmaInv(sig))); // t_N = 0 exactly
  /** dx/dt of Eq. 4 at (x, t), given D(x/s; σ(t)). */
  const derivative = (xt: Tensor, tt: number, denoised: Tensor): Tensor =>
    xt.mul(sigmaDeriv(tt) / sigma(tt) + sDeriv(tt) / s(tt)).sub(denoised.mul((sigmaDeriv(tt) * s(tt)) / sigma(tt)));
  return noGrad(() => runSteps(tidy(() => x.mul(s(t[0]!))), numSteps, (x, i) => {
    const tCur = t[i]!, tNext = t[i + 1]!;
    // Increase noise temporarily (Algorithm 2, lines 4–6, in the scaled space).
    const gamma = churnGamma(sigma(tCur), numSteps, options);
    const tHat = gamma > 0 ? sigmaInv(sigma(tCur) + gamma * sigma(tCur)) : tCur;
    const xHat = tHat === tCur ? x : addChurnNoise(x.mul(s(tHat) / s(tCur)), sigma(tCur), sigma(tHat), options, s(tHat));
    // Euler step.
    const h = tNext - tHat;
    const denoised = denoise(xHat.div(s(tHat)), sigma(tHat));
    const dCur = derivative(xHat, tHat, denoised);
    let xNext: Tensor;
    if (solver === 'euler' || i === numSteps - 1) {
      xNext = xHat.add(dCur.mul(h));
    } else {
      // 2nd-order correction at t' = t̂ + αh.
      const xPrime = xHat.add(dCur.mul(alpha * h));
      const tPrime = tHat + alpha * h;
      const dPrime = derivative(xPrime, tPrime, denoise(xPrime.div(s(tPrime)), sigma(tPrime)));
      xNext = xHat.add(dCur.mul(1 - 1 / (2 * alpha)).add(dPrime.mul(1 / (2 * alpha))).mul(h));
    }
    onStep?.({ i, sigma: sigmas[i]!, x: scaling === 'none' ? xNext : xNext.div(s(tNext)), denoised }); // unscaled x̃
    return xNext;
  }, { ownsInitial: true }));
}
