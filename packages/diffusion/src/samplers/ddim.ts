/** DDIM sampling and its deterministic reverse (Song et al. 2021), as guided-diffusion's `ddim_sample`. */
import { defaultGenerator, noGrad, type Tensor } from '@diffusion-ts/tensor';
import type { DiffusionModel, GaussianDiffusion, PMeanVariance, PMeanVarianceOptions } from '../gaussian/diffusion.ts';
import { condScoreShift, type ClassifierGrad } from '../guidance/classifier.ts';
import type { NoiseSource, StepInfo } from '../types.ts';
import { randnFrom } from './noise.ts';
import { runSteps } from './step-loop.ts';

export interface DdimOptions<K> extends PMeanVarianceOptions<K> {
  /** η: 0 is the deterministic DDIM, 1 has DDPM's posterior variance. Default 0. */
  eta?: number;
  /** The step noise, drawn per sample when η > 0; default the default generator (`manualSeed(n)`). */
  noise?: NoiseSource;
  /** Classifier guidance: the ε shift of Algorithm 2 of Dhariwal & Nichol 2021. */
  condFn?: ClassifierGrad<K>;
  /** The prediction to use in place of `d.pMeanVariance(model, x_t, t)` (see `DdpmOptions.predict`). */
  predict?: (x: Tensor, t: Int32Array) => PMeanVariance;
  onStep?: (info: StepInfo) => void;
}

/**
 * x_{t−1} = √ᾱ_{t−1} x̂₀ + √(1 − ᾱ_{t−1} − σ_t²) ε̂ + σ_t z (Eq. 12 of Song et al. 2021, their α being
 * our ᾱ), with σ_t(η) = η √((1 − ᾱ_{t−1})/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_{t−1}) (Eq. 16 of Song et al. 2021: η = 1
 * is DDPM's posterior standard deviation, η = 0 the deterministic DDIM) and no noise at the last step.
 * ε̂ is re-derived from the (clipped) x̂₀, as the reference does, so every parameterization works.
 * On a respaced process (`spacedDiffusion(betas, spaceTimesteps(T, 'ddim50'))`) this is strided DDIM.
 * @param x x_T [B, C, …]   @returns x₀
 */
export function sampleDdim<K>(d: GaussianDiffusion, model: DiffusionModel<K>, x: Tensor, { eta = 0, noise = defaultGenerator, condFn, predict, onStep, modelKwargs, ...pOptions }: DdimOptions<K> = {}): Tensor {
  if (!(eta >= 0)) throw new RangeError(`sampleDdim: eta must be >= 0, got ${eta}`);
  const B = x.shape[0] ?? 0;
  return noGrad(() => runSteps(x, d.numTimesteps, (x, i) => {
    const step = d.numTimesteps - 1 - i;
    const t = new Int32Array(B).fill(step);
    let p = predict ? predict(x, t) : d.pMeanVariance(model, x, t, { ...pOptions, modelKwargs });
    if (condFn) p = condScoreShift(d, condFn, p, x, t, modelKwargs);
    const eps = d.predictEpsFromX0(x, t, p.predX0);
    const alphaBar = d.alphasCumprod[step]!, alphaBarPrev = d.alphasCumprodPrev[step]!;
    const sigma = eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev); // σ_t(η), Eq. 16
    const meanPred = p.predX0.mul(Math.sqrt(alphaBarPrev)).add(eps.mul(Math.sqrt(1 - alphaBarPrev - sigma ** 2)));
    const xNext = step > 0 && sigma > 0 ? meanPred.add(randnFrom(noise, x.shape, x.dtype).mul(sigma)) : meanPred;
    onStep?.({ i, t: step, x: xNext, denoised: p.predX0 });
    return xNext;
  }));
}

/**
 * The deterministic DDIM encoder x₀ → x_T: Eq. 12 of Song et al. 2021 with η = 0 run forwards,
 * x_{t+1} = √ᾱ_{t+1} x̂₀ + √(1 − ᾱ_{t+1}) ε̂, as guided-diffusion's `ddim_reverse_sample`.
 * @param x x₀ [B, C, …]   @returns x_T
 */
export function ddimReverse<K>(d: GaussianDiffusion, model: DiffusionModel<K>, x: Tensor, { onStep, modelKwargs, ...pOptions }: Omit<DdimOptions<K>, 'eta' | 'noise' | 'condFn' | 'predict'> = {}): Tensor {
  const B = x.shape[0] ?? 0;
  return noGrad(() => runSteps(x, d.numTimesteps, (x, step) => {
    const t = new Int32Array(B).fill(step);
    const p = d.pMeanVariance(model, x, t, { ...pOptions, modelKwargs });
    const eps = d.predictEpsFromX0(x, t, p.predX0);
    const alphaBarNext = d.alphasCumprodNext[step]!;
    const xNext = p.predX0.mul(Math.sqrt(alphaBarNext)).add(eps.mul(Math.sqrt(1 - alphaBarNext)));
    onStep?.({ i: step, t: step, x: xNext, denoised: p.predX0 });
    return xNext;
  }));
}
