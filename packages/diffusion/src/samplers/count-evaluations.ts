/** Counting denoiser evaluations (NFE), the cost axis of every sampler comparison (Karras et al. 2022, Fig. 2). */
import type { Denoiser } from '../types.ts';

/** A denoiser that counts its calls, with the running count. */
export interface CountedDenoiser {
  denoise: Denoiser;
  /** Number of evaluations so far. */
  readonly count: number;
}

/** Wrap `denoise` so each call is counted: `const c = countEvaluations(d); sampleHeun(c.denoise, …); c.count`. */
export function countEvaluations(denoise: Denoiser): CountedDenoiser {
  let count = 0;
  return {
    denoise: (x, sigma) => {
      count++;
      return denoise(x, sigma);
    },
    get count() {
      return count;
    },
  };
}
