/**
 * Test fixtures: the exact reverse model of a 1-D Gaussian mixture (a single Gaussian, two classes,
 * or point masses on the 256-level grid) under a discrete-time Gaussian diffusion, as a model with
 * the process's own output kind. Not exported from the package.
 *
 * For x₀ ~ Σ_k w_k N(μ_k, s_k²) and x_t = √ᾱ x₀ + √(1 − ᾱ) ε, component k gives
 * x_t ~ N(√ᾱ μ_k, ᾱ s_k² + 1 − ᾱ) and, given x_t, x₀ ~ N(μ_k + g_k (x_t − √ᾱ μ_k), s_k² (1 − ᾱ)/(ᾱ s_k² + 1 − ᾱ))
 * with g_k = √ᾱ s_k²/(ᾱ s_k² + 1 − ᾱ): E[x₀ | x_t] is linear in x_t for one Gaussian, and a
 * responsibility-weighted sum of such lines for a mixture.
 */
import { tensor, type Tensor } from '@diffusion-ts/tensor';
import type { DiffusionModel, GaussianDiffusion } from '../gaussian/diffusion.ts';

export interface Component {
  weight: number;
  mean: number;
  std: number;
}

/** The process step of each float model timestep (inverting d.modelTimesteps, respacing and rescaling included). */
export function stepLookup(d: GaussianDiffusion): (tModel: number) => number {
  const all = d.modelTimesteps(Int32Array.from({ length: d.numTimesteps }, (_, i) => i));
  const map = new Map<number, number>();
  all.forEach((tm, i) => map.set(tm, i));
  return (tm) => {
    const step = map.get(tm);
    if (step === undefined) throw new RangeError(`stepLookup: model timestep ${tm} is not one of the process's`);
    return step;
  };
}

/** Posterior of x₀ given x_t = x at ᾱ: its mean and variance, and each component's log evidence log w_k + log N(x; √ᾱ μ_k, ᾱ s_k² + 1 − ᾱ). */
export function mixturePosterior(components: readonly Component[], alphaBar: number, x: number): { mean: number; variance: number; logEvidence: Float64Array } {
  const K = components.length, sqrtAb = Math.sqrt(alphaBar);
  const logEvidence = new Float64Array(K);
  let top = -Infinity;
  for (let k = 0; k < K; k++) {
    const { weight, mean, std } = components[k]!;
    const v = alphaBar * std * std + 1 - alphaBar;
    const l = Math.log(weight) - 0.5 * Math.log(2 * Math.PI * v) - (x - sqrtAb * mean) ** 2 / (2 * v);
    logEvidence[k] = l;
    if (l > top) top = l;
  }
  let total = 0, m1 = 0, m2 = 0;
  for (let k = 0; k < K; k++) {
    const r = Math.exp(logEvidence[k]! - top);
    if (r < 1e-18) continue; // below float64 resolution of the sums
    const { mean, std } = components[k]!;
    const v = alphaBar * std * std + 1 - alphaBar;
    const mk = mean + ((sqrtAb * std * std) / v) * (x - sqrtAb * mean);
    total += r;
    m1 += r * mk;
    m2 += r * ((std * std * (1 - alphaBar)) / v + mk * mk);
  }
  const mean = m1 / total;
  return { mean, variance: Math.max(m2 / total - mean * mean, 0), logEvidence };
}

/**
 * The Bayes-optimal model of the mixture for process `d`, outputting what d.modelMeanType asks for
 * (from x̂₀ = E[x₀ | x_t]) and, when d learns its variance, the variance of the exact reverse kernel
 * q(x_{t−1} | x_t) ≈ N(μ̃(x̂₀, x_t), β̃_t + coef1² Var[x₀ | x_t]) (exact for a single Gaussian).
 * Inputs x: [B, 1].
 */
export function mixtureOracle(d: GaussianDiffusion, components: readonly Component[]): DiffusionModel<unknown> {
  const lookup = stepLookup(d);
  return (x, tModel) => {
    const xs = x.dataSync(), ts = tModel.dataSync();
    const B = xs.length;
    const channels = d.learnsVariance ? 2 : 1;
    const out = new Float64Array(B * channels);
    for (let b = 0; b < B; b++) {
      const step = lookup(ts[b]!);
      const ab = d.alphasCumprod[step]!;
      const xt = xs[b]!;
      const { mean: x0, variance } = mixturePosterior(components, ab, xt);
      const eps = (xt - Math.sqrt(ab) * x0) / Math.sqrt(1 - ab);
      const c1 = d.posteriorMeanCoef1[step]!, c2 = d.posteriorMeanCoef2[step]!;
      let value: number;
      switch (d.modelMeanType) {
        case 'eps': value = eps; break;
        case 'x0': value = x0; break;
        case 'v': value = Math.sqrt(ab) * eps - Math.sqrt(1 - ab) * x0; break;
        case 'xPrev': value = c1 * x0 + c2 * xt; break;
      }
      out[b * channels] = value;
      if (channels === 2) {
        const logVar = Math.log(d.posteriorVariance[step]! + c1 * c1 * variance);
        const minLog = d.posteriorLogVarianceClipped[step]!, maxLog = d.logBetas[step]!;
        out[b * channels + 1] = d.modelVarType === 'learned' ? logVar : (2 * (logVar - minLog)) / (maxLog - minLog) - 1;
      }
    }
    return tensor(out, { shape: [B, channels], dtype: x.dtype });
  };
}

/** Exact logits log w_k + log N(x_t; √ᾱ μ_k, ᾱ s_k² + 1 − ᾱ) of the mixture's components, as tensor ops (differentiable in x). */
export function mixtureClassifier(d: GaussianDiffusion, components: readonly Component[]): (x: Tensor, tModel: Tensor) => Tensor {
  const lookup = stepLookup(d);
  return (x, tModel) => {
    const ab = Float64Array.from(tModel.dataSync(), (tm) => d.alphasCumprod[lookup(tm)]!);
    const B = ab.length, K = components.length;
    const mu = new Float64Array(B * K), inv = new Float64Array(B * K), c = new Float64Array(B * K);
    for (let b = 0; b < B; b++) {
      components.forEach(({ weight, mean, std }, k) => {
        const v = ab[b]! * std * std + 1 - ab[b]!;
        mu[b * K + k] = Math.sqrt(ab[b]!) * mean;
        inv[b * K + k] = -0.5 / v;
        c[b * K + k] = Math.log(weight) - 0.5 * Math.log(2 * Math.PI * v);
      });
    }
    const shape = [B, K];
    const diff = x.sub(tensor(mu, { shape, dtype: x.dtype })); // x: [B, 1] broadcasts to [B, K]
    return diff.mul(diff).mul(tensor(inv, { shape, dtype: x.dtype })).add(tensor(c, { shape, dtype: x.dtype }));
  };
}

/** The 256 data levels 2k/255 − 1 and their probabilities under N(mean, std²) with the edge bins open (as the decoder). */
export function discretizedGaussian(mean: number, std: number, phi: (z: number) => number): { levels: Float64Array; probs: Float64Array } {
  const levels = Float64Array.from({ length: 256 }, (_, k) => (2 * k) / 255 - 1);
  const probs = levels.map((x, k) => {
    const hi = k === 255 ? 1 : phi((x + 1 / 255 - mean) / std);
    const lo = k === 0 ? 0 : phi((x - 1 / 255 - mean) / std);
    return hi - lo;
  });
  return { levels, probs };
}
