/** Ancestral sampling of a discrete-time Gaussian diffusion: Algorithm 2 of Ho et al. 2020. */
import { defaultGenerator, noGrad, type Tensor } from '@diffusion-ts/tensor';
import type { DiffusionModel, GaussianDiffusion, PMeanVariance, PMeanVarianceOptions } from '../gaussian/diffusion.ts';
import { condMeanShift, type ClassifierGrad } from '../guidance/classifier.ts';
import type { NoiseSource, StepInfo } from '../types.ts';
import { randnFrom } from './noise.ts';
import { runSteps } from './step-loop.ts';

export interface DdpmOptions<K> extends PMeanVarianceOptions<K> {
  /**
   * The z of each step, drawn per sample (one generator per sample makes sample k batch-independent).
   * Default: the default generator (`manualSeed(n)`).
   */
  noise?: NoiseSource;
  /** Classifier guidance: the mean shift of Algorithm 1 of Dhariwal & Nichol 2021. */
  condFn?: ClassifierGrad<K>;
  /**
   * The reverse-step prediction to use in place of `d.pMeanVariance(model, x_t, t)`, e.g. one conditioned
   * on known frames (`replacementPrediction`, `reconstructionGuidedPrediction` of video/discrete.ts).
   */
  predict?: (x: Tensor, t: Int32Array) => PMeanVariance;
  /** Called after each step with the new x and the predicted x₀; `t` is the step's timestep (on gpu, read them there: see `SamplerOptions.onStep`). */
  onStep?: (info: StepInfo) => void;
}

/**
 * x_{t−1} = μ_θ(x_t, t) + σ_t z for t = T−1 … 0 (0-based), with no noise at the last step: Algorithm 2
 * of Ho et al. 2020, σ_t² = Σ_θ from the process's variance kind (fixed β̃ or β, or learned). On a
 * respaced process with a learned variance this is iDDPM's strided sampling (Nichol & Dhariwal 2021,
 * Section 4).
 * @param x x_T [B, C, …] (usually N(0, I))
 * @returns x₀
 */
export function sampleDdpm<K>(d: GaussianDiffusion, model: DiffusionModel<K>, x: Tensor, { noise = defaultGenerator, condFn, predict, onStep, modelKwargs, ...pOptions }: DdpmOptions<K> = {}): Tensor {
  const B = x.shape[0] ?? 0;
  return noGrad(() => runSteps(x, d.numTimesteps, (x, i) => {
    const step = d.numTimesteps - 1 - i;
    const t = new Int32Array(B).fill(step);
    const p = predict ? predict(x, t) : d.pMeanVariance(model, x, t, { ...pOptions, modelKwargs });
    const mean = condFn ? condMeanShift(d, condFn, p, x, t, modelKwargs) : p.mean;
    const xNext = step > 0 ? mean.add(p.logVariance.mul(0.5).exp().mul(randnFrom(noise, x.shape, x.dtype))) : mean;
    onStep?.({ i, t: step, x: xNext, denoised: p.predX0 });
    return xNext;
  }));
}
