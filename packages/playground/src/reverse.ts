/**
 * The reverse process one step at a time, so the page can draw each step and the engine can be
 * asynchronous (the gpu backend's reads are `await t.data()`): the loop calls a library sampler on
 * one interval [σ_i, σ_{i+1}] of the schedule, awaits the step's x_t and x̂₀, reports them, and yields
 * to the browser before the next. For these samplers a step depends only on (x_i, σ_i, σ_{i+1}) and
 * the noise drawn so far, so the steps chain into exactly the full run: the browser test holds the
 * page's result to the Node result of one `sampleHeun(D, x, sigmas)` call. EDM's churn is spread as
 * S_churn/N per step (Algorithm 2), so one interval gets S_churn/N of it. DPM-Solver++(2M) is not
 * offered: it is a multistep method whose steps share state.
 */
import { Generator, noGrad, type Tensor } from '@diffusion-ts/tensor';
import { randnFrom, sampleEdmStochastic, sampleEuler, sampleEulerAncestral, sampleHeun, type Denoiser, type StepInfo } from '@diffusion-ts/diffusion';

export const samplerNames = ['heun', 'euler', 'edm', 'euler-a'] as const;
export type SamplerName = (typeof samplerNames)[number];
export const samplerTitles: Record<SamplerName, string> = {
  heun: 'EDM Heun (deterministic, Karras et al. 2022 Alg. 1)',
  euler: 'Euler (deterministic)',
  edm: 'EDM stochastic (Alg. 2, churn)',
  'euler-a': 'Euler ancestral',
};

export interface ReverseOptions {
  sampler: SamplerName;
  sigmas: readonly number[];
  /** Samples k = 0…n−1 use generators seeded seed + k (as the CLI does), for x_T and all noise. */
  seed: number;
  n: number;
  sampleShape: readonly number[];
  /** EDM's S_churn over the whole schedule. */
  churn: number;
}

/** One step of `sampler` from sigmas[i] to sigmas[i + 1], with the library sampler itself. */
function stepOf(sampler: SamplerName, D: Denoiser, x: Tensor, pair: readonly number[], gens: Generator[], o: ReverseOptions, onStep: (info: StepInfo) => void): Tensor {
  const N = o.sigmas.length - 1;
  switch (sampler) {
    case 'heun':
      return sampleHeun(D, x, pair, { onStep });
    case 'euler':
      return sampleEuler(D, x, pair, { onStep });
    case 'edm':
      return sampleEdmStochastic(D, x, pair, { sChurn: o.churn / N, sTmin: 0.05, sTmax: 50, sNoise: 1.003, noise: gens, onStep });
    case 'euler-a':
      return sampleEulerAncestral(D, x, pair, { noise: gens, onStep });
    default: {
      const never: never = sampler;
      throw new Error(`unknown sampler ${String(never)}`);
    }
  }
}

export interface ReverseStep {
  i: number;
  sigma: number;
  x: Float32Array;
  denoised: Float32Array;
  /** Wall time of the step, the reads included. */
  ms: number;
}

/** x_T ~ N(0, σ_0² I), drawn from the per-sample generators. */
export function initialNoise(o: Pick<ReverseOptions, 'seed' | 'n' | 'sampleShape' | 'sigmas'>): { x: Tensor; gens: Generator[] } {
  const gens = Array.from({ length: o.n }, (_, k) => new Generator(o.seed + k));
  return { x: randnFrom(gens, [o.n, ...o.sampleShape]).mul(o.sigmas[0]!), gens };
}

/** Run the reverse process step by step, yielding each step's state; stop early by breaking out. */
export async function* reverseProcess(D: Denoiser, o: ReverseOptions): AsyncGenerator<ReverseStep, void, void> {
  let { x, gens } = initialNoise(o);
  for (let i = 0; i < o.sigmas.length - 1; i++) {
    const t0 = performance.now();
    // The sampler releases the step's x̂₀ when the step ends (device memory on gpu): start its read
    // inside onStep, which takes hold of the values at call time.
    let denoised: Promise<Float32Array> | undefined;
    const next = noGrad(() => stepOf(o.sampler, D, x, o.sigmas.slice(i, i + 2), gens, o, (info) => { denoised = info.denoised.data() as Promise<Float32Array>; }));
    const [xs, ds] = await Promise.all([next.data(), denoised!]);
    const ms = performance.now() - t0;
    x.dispose();
    x = next;
    yield { i, sigma: o.sigmas[i]!, x: xs as Float32Array, denoised: ds, ms };
  }
}
