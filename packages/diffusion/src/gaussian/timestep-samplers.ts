/**
 * Distributions over training timesteps (improved-diffusion's resample.py): uniform, and the
 * importance sampling of Nichol & Dhariwal 2021 ("Reducing Gradient Noise", Section 3.3), which draws
 * t with p_t ∝ √E[L_t²] and reweights by 1/(T p_t) so that the loss's expectation is unchanged.
 */
import { defaultGenerator, type Generator } from '@diffusion-ts/tensor';

/** A batch of timesteps and the importance weights 1/(T p_t) to multiply their losses by. */
export interface TimestepBatch {
  t: Int32Array;
  weights: Float64Array;
}

/** A distribution over the T training timesteps. */
export interface ScheduleSampler {
  /** Unnormalized, positive weights, one per timestep. */
  weights(): Float64Array;
  /** Draw `batchSize` timesteps with p = w/Σw, and their weights 1/(T p_t). */
  sample(batchSize: number, generator?: Generator): TimestepBatch;
}

/**
 * Draw from p = w/Σw as NumPy's legacy `random.choice(len(p), size, p=p)`: the normalized cumulative
 * sum, searched with side='right' for one uniform per draw; weights 1/(T p_t) as the reference.
 */
export function sampleTimesteps(w: Float64Array, batchSize: number, generator: Generator = defaultGenerator): TimestepBatch {
  const T = w.length;
  const total = w.reduce((a, b) => a + b, 0);
  const p = w.map((v) => v / total);
  const cdf = new Float64Array(T);
  let acc = 0;
  p.forEach((v, i) => { acc += v; cdf[i] = acc; });
  const last = cdf[T - 1]!;
  cdf.forEach((v, i) => { cdf[i] = v / last; });
  const t = new Int32Array(batchSize);
  const weights = new Float64Array(batchSize);
  for (let b = 0; b < batchSize; b++) {
    const u = generator.random();
    let lo = 0, hi = T; // first index with cdf > u
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    const step = Math.min(lo, T - 1);
    t[b] = step;
    weights[b] = 1 / (T * p[step]!);
  }
  return { t, weights };
}

/** Every timestep equally likely; all weights 1. */
export class UniformSampler implements ScheduleSampler {
  private readonly w: Float64Array;
  constructor(readonly numTimesteps: number) {
    this.w = new Float64Array(numTimesteps).fill(1);
  }
  weights(): Float64Array {
    return this.w.slice();
  }
  sample(batchSize: number, generator: Generator = defaultGenerator): TimestepBatch {
    return sampleTimesteps(this.w, batchSize, generator);
  }
}

export interface LossSecondMomentOptions {
  /** How many recent losses to keep per timestep (10 in the reference). */
  historyPerTerm?: number;
  /** Probability mass spread uniformly over all timesteps (0.001 in the reference). */
  uniformProb?: number;
}

/**
 * Importance sampling of L_vlb's terms (Nichol & Dhariwal 2021, Section 3.3): p_t ∝ √(mean of the last
 * 10 L_t²), mixed with 0.001 of the uniform distribution, weights 1/(T p_t). Until every timestep has a
 * full history it samples uniformly (warm-up), as the reference's `LossSecondMomentResampler`.
 */
export class LossSecondMomentResampler implements ScheduleSampler {
  readonly historyPerTerm: number;
  readonly uniformProb: number;
  private readonly history: Float64Array[];
  private readonly counts: Int32Array;

  constructor(readonly numTimesteps: number, { historyPerTerm = 10, uniformProb = 0.001 }: LossSecondMomentOptions = {}) {
    this.historyPerTerm = historyPerTerm;
    this.uniformProb = uniformProb;
    this.history = Array.from({ length: numTimesteps }, () => new Float64Array(historyPerTerm));
    this.counts = new Int32Array(numTimesteps);
  }

  /** True once every timestep has `historyPerTerm` losses. */
  warmedUp(): boolean {
    return this.counts.every((c) => c === this.historyPerTerm);
  }

  weights(): Float64Array {
    const T = this.numTimesteps;
    if (!this.warmedUp()) return new Float64Array(T).fill(1);
    const w = Float64Array.from(this.history, (h) => Math.sqrt(h.reduce((a, l) => a + l * l, 0) / h.length));
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((v) => (v / total) * (1 - this.uniformProb) + this.uniformProb / T);
  }

  sample(batchSize: number, generator: Generator = defaultGenerator): TimestepBatch {
    return sampleTimesteps(this.weights(), batchSize, generator);
  }

  /** Record the loss of each sample at its timestep (the oldest of a full history is shifted out). */
  updateWithLosses(ts: ArrayLike<number>, losses: ArrayLike<number>): void {
    if (ts.length !== losses.length) throw new RangeError(`updateWithLosses: ${ts.length} timesteps and ${losses.length} losses`);
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!, h = this.history[t];
      if (h === undefined || !Number.isInteger(t)) throw new RangeError(`updateWithLosses: timestep ${t} is outside [0, ${this.numTimesteps})`);
      if (this.counts[t] === this.historyPerTerm) {
        h.copyWithin(0, 1);
        h[this.historyPerTerm - 1] = losses[i]!;
      } else {
        h[this.counts[t]!] = losses[i]!;
        this.counts[t] = this.counts[t]! + 1;
      }
    }
  }
}
