/**
 * The variational bound in bits per dimension (Ho et al. 2020, Eq. 5: L_T + Σ_{t>1} L_{t−1} + L_0),
 * exactly as improved-diffusion's `_vb_terms_bpd`, `_prior_bpd` and `calc_bpd_loop`.
 */
import { defaultGenerator, noGrad, stack, tensor, tidy, where, type Tensor } from '@diffusion-ts/tensor';
import type { DiffusionModel, GaussianDiffusion, PMeanVariance } from './diffusion.ts';
import { meanFlat } from './gather.ts';
import { discretizedGaussianLogLikelihood, normalKl } from './likelihood.ts';
import { randnFrom } from '../samplers/noise.ts';
import type { NoiseSource } from '../types.ts';

/** One term of the bound per sample, in bits, and the x₀ the model predicted on the way. */
export interface VbTerms {
  /** [B]: L_{t−1} = KL(q(x_{t−1} | x_t, x₀) ‖ p(x_{t−1} | x_t)) for t > 0, the decoder NLL −ln p(x₀ | x₁) at t = 0. */
  output: Tensor;
  predX0: Tensor;
}

/**
 * The bound's term at each sample's timestep from the reverse step `p` (computed by the caller, so the
 * hybrid loss can pass one built on a frozen mean): the Gaussian KL to the true posterior (Eqs. 5–7 of
 * Ho et al. 2020, with the posterior's clipped log variance as the reference), and at t = 0 the
 * discretized Gaussian decoder's NLL (Eq. 13) with log scale ½ ln Σ; both averaged over dimensions and
 * divided by ln 2 (bits per dimension).
 */
export function vbTermsFromPMeanVariance(d: GaussianDiffusion, p: PMeanVariance, x0: Tensor, xt: Tensor, t: Int32Array): Tensor {
  const truth = d.qPosteriorMeanVariance(x0, xt, t);
  const kl = meanFlat(normalKl(truth.mean, truth.logVariance, p.mean, p.logVariance)).div(Math.LN2);
  const decoderNll = meanFlat(discretizedGaussianLogLikelihood(x0, p.mean, p.logVariance.mul(0.5)).neg()).div(Math.LN2);
  const isDecoderStep = tensor(Float64Array.from(t, (step) => (step === 0 ? 1 : 0)), { dtype: x0.dtype });
  return where(isDecoderStep, decoderNll, kl);
}

/**
 * One term of the bound per sample, in bits per dimension (the reference's `_vb_terms_bpd`):
 * the model's reverse step at x_t, compared with the true posterior.
 */
export function vbTermsBpd<K>(
  d: GaussianDiffusion, model: DiffusionModel<K>, x0: Tensor, xt: Tensor, t: Int32Array,
  { clipDenoised = true, modelKwargs }: { clipDenoised?: boolean; modelKwargs?: K } = {},
): VbTerms {
  const p = d.pMeanVariance(model, xt, t, { clipDenoised, modelKwargs });
  return { output: vbTermsFromPMeanVariance(d, p, x0, xt, t), predX0: p.predX0 };
}

/**
 * The prior term L_T = KL(q(x_T | x₀) ‖ N(0, I)) in bits per dimension, per sample [B]. It does not
 * depend on the model (Ho et al. 2020, Section 3.1).
 */
export function priorBpd(d: GaussianDiffusion, x0: Tensor): Tensor {
  const last = new Int32Array(x0.shape[0] ?? 0).fill(d.numTimesteps - 1);
  const q = d.qMeanVariance(x0, last);
  return meanFlat(normalKl(q.mean, q.logVariance, 0, 0)).div(Math.LN2);
}

/** The whole bound and its parts, per sample. */
export interface BpdResult {
  /** [B]: Σ_t vb[:, t] + priorBpd, the bound on −log₂ p(x₀) per dimension. */
  total: Tensor;
  /** [B]: L_T. */
  priorBpd: Tensor;
  /** [B, T]: column t is the term at timestep t (the decoder NLL in column 0). */
  vb: Tensor;
  /** [B, T]: mean squared error of the predicted x₀ at each timestep. */
  xstartMse: Tensor;
  /** [B, T]: mean squared error of the ε implied by the predicted x₀. */
  mse: Tensor;
}

export interface CalcBpdOptions<K> {
  /** Clip the predicted x₀ into [−1, 1] (default true, as the reference). */
  clipDenoised?: boolean;
  /** Where the ε of each q(x_t | x₀) draw comes from; drawn for t = T−1 first, down to 0. Default: the default generator. */
  noise?: NoiseSource;
  modelKwargs?: K;
}

/**
 * The full variational bound in bits per dimension, one Monte Carlo draw of x_t per timestep, as the
 * reference's `calc_bpd_loop` (it visits t = T−1 down to 0, and so draws its noise in that order).
 * One deliberate difference: the reference stacks the per-t columns in loop order (T−1 first); here
 * column t holds timestep t.
 */
export function calcBpd<K>(d: GaussianDiffusion, model: DiffusionModel<K>, x0: Tensor, { clipDenoised = true, noise = defaultGenerator, modelKwargs }: CalcBpdOptions<K> = {}): BpdResult {
  // Each timestep in its own tidy scope (gpu memory: one step's intermediates at a time), the whole in one.
  return noGrad(() => tidy(() => {
    const B = x0.shape[0] ?? 0;
    const T = d.numTimesteps;
    const vb: Tensor[] = new Array(T), xstartMse: Tensor[] = new Array(T), mse: Tensor[] = new Array(T);
    for (let step = T - 1; step >= 0; step--) {
      [vb[step], xstartMse[step], mse[step]] = tidy(() => {
        const t = new Int32Array(B).fill(step);
        const eps = randnFrom(noise, x0.shape, x0.dtype);
        const xt = d.qSample(x0, t, eps);
        const out = vbTermsBpd(d, model, x0, xt, t, { clipDenoised, modelKwargs });
        return [out.output, meanFlat(out.predX0.sub(x0).square()), meanFlat(d.predictEpsFromX0(xt, t, out.predX0).sub(eps).square())];
      });
    }
    const vbAll = stack(vb, 1);
    const prior = priorBpd(d, x0);
    return { total: vbAll.sum(1).add(prior), priorBpd: prior, vb: vbAll, xstartMse: stack(xstartMse, 1), mse: stack(mse, 1) };
  }));
}

