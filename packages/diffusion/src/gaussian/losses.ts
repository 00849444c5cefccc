/**
 * Training losses of Ho et al. 2020 and Nichol & Dhariwal 2021, exactly as improved-diffusion's
 * `GaussianDiffusion.training_losses`.
 */
import { cat, randn, type Tensor } from '@diffusion-ts/tensor';
import type { DiffusionModel, GaussianDiffusion, ModelMeanType } from './diffusion.ts';
import { meanFlat } from './gather.ts';
import { vbTermsBpd, vbTermsFromPMeanVariance } from './vlb.ts';

/** Per-sample losses [B]; `mse` and `vb` are present when the loss has those parts. */
export interface TrainingLosses {
  loss: Tensor;
  mse?: Tensor;
  vb?: Tensor;
}

export interface TrainingLossesOptions<K> {
  /** ε of the q(x_t | x₀) draw (x0's shape); the ε-prediction target. Default: drawn from the default generator. */
  noise?: Tensor;
  modelKwargs?: K;
}

/** What the mean channels are trained to output, for each parameterization. */
function meanTarget(type: ModelMeanType, d: GaussianDiffusion, x0: Tensor, xt: Tensor, t: Int32Array, noise: Tensor): Tensor {
  switch (type) {
    case 'eps': return noise;
    case 'x0': return x0;
    case 'xPrev': return d.qPosteriorMeanVariance(x0, xt, t).mean;
    case 'v': return d.predictVFromEps(x0, t, noise);
    default: { const never: never = type; throw new RangeError(`trainingLosses: unknown modelMeanType '${String(never)}'`); }
  }
}

/**
 * The training loss at timesteps t, per sample, with x_t = qSample(x0, t, noise):
 * - 'mse' / 'rescaledMse': `mse` = ‖target − output‖² averaged over dimensions, where the target is
 *   ε, x₀, μ̃ or v by the parameterization (L_simple, Eq. 14 of Ho et al. 2020, for ε). With a learned
 *   variance, `vb` is the bound's term at t computed on `frozen_out` (the mean channels detached, the
 *   variance channels live), so L_vlb trains only the variance: L_hybrid = L_simple + λ L_vlb, Eq. 16
 *   of Nichol & Dhariwal 2021, with L_vlb estimated as T·vb; 'mse' keeps vb as is (λ = 1/T),
 *   'rescaledMse' multiplies it by T/1000 (λ = 0.001, the paper's value, at any T).
 *   `loss` = mse (+ vb).
 * - 'kl': the bound's term at t in bits (no clipping of x₀); 'rescaledKl': that times T, an unbiased
 *   estimate of the whole bound (less L_T) when t is uniform.
 */
export function trainingLosses<K>(d: GaussianDiffusion, model: DiffusionModel<K>, x0: Tensor, t: Int32Array, { noise = randn(x0.shape, { dtype: x0.dtype }).to(x0.backend), modelKwargs }: TrainingLossesOptions<K> = {}): TrainingLosses {
  const xt = d.qSample(x0, t, noise);
  switch (d.lossType) {
    case 'kl':
    case 'rescaledKl': {
      const vb = vbTermsBpd(d, model, x0, xt, t, { clipDenoised: false, modelKwargs }).output;
      return { loss: d.lossType === 'rescaledKl' ? vb.mul(d.numTimesteps) : vb };
    }
    case 'mse':
    case 'rescaledMse': {
      const out = d.callModel(model, xt, t, modelKwargs);
      const { meanOut, varValues } = d.splitModelOutput(out, xt);
      let vb: Tensor | undefined;
      if (varValues !== null) {
        const frozenOut = cat([meanOut.detach(), varValues], 1);
        const p = d.pMeanVarianceFromOutput(frozenOut, xt, t, { clipDenoised: false });
        vb = vbTermsFromPMeanVariance(d, p, x0, xt, t);
        if (d.lossType === 'rescaledMse') vb = vb.mul(d.numTimesteps / 1000);
      }
      const mse = meanFlat(meanTarget(d.modelMeanType, d, x0, xt, t, noise).sub(meanOut).square());
      return vb === undefined ? { loss: mse, mse } : { loss: mse.add(vb), mse, vb };
    }
    default: { const never: never = d.lossType; throw new RangeError(`trainingLosses: unknown lossType '${String(never)}'`); }
  }
}
