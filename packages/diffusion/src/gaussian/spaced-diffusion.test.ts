import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, randn, type Tensor } from '@diffusion-ts/tensor';
import { cosineBetas, linearBetas } from '../schedules/betas.ts';
import { GaussianDiffusion } from './diffusion.ts';
import { spacedDiffusion } from './spaced-diffusion.ts';
import { ddimTimesteps, spaceTimesteps } from './space-timesteps.ts';

describe('spacedDiffusion (iDDPM Section 4, respace.py)', () => {
  it('keeps ᾱ, and hence q(x_t | x0), at every kept step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 400 }), fc.boolean(), fc.integer({ min: 2, max: 20 }), (T, cosine, n) => {
        const base = cosine ? cosineBetas(T) : linearBetas(T);
        const d = spacedDiffusion(base, spaceTimesteps(T, [Math.min(n, T)]));
        const full = new GaussianDiffusion(base);
        d.timestepMap.forEach((orig, k) => {
          const a = d.alphasCumprod[k]!, b = full.alphasCumprod[orig]!;
          // ᾱ is rebuilt as ∏(1 − β'), and β' = 1 − ᾱ_k/ᾱ_{k−1} near 1 leaves an absolute rounding of ~1e-16.
          assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(b, 1e-3), `step ${k} → ${orig}: ${a} vs ${b}`);
          assert.ok(Math.abs(d.sqrtOneMinusAlphasCumprod[k]! - full.sqrtOneMinusAlphasCumprod[orig]!) <= 1e-12);
        });
        assert.equal(d.numTimesteps, d.timestepMap.length);
        assert.equal(d.originalNumTimesteps, T);
      }),
    );
  });

  it('calls the model with the original timestep, times 1000/T_original when rescaled', () => {
    const use = ddimTimesteps(4000, 10);
    const seen: number[][] = [];
    const spy = (x: Tensor, tm: Tensor) => { seen.push([...tm.dataSync()]); return x; };
    const x = randn([3, 1], { dtype: 'float64', generator: new Generator(1) });
    const t = Int32Array.of(0, 4, 9);
    spacedDiffusion(linearBetas(4000), use).pMeanVariance(spy, x, t);
    spacedDiffusion(linearBetas(4000), use, { rescaleTimesteps: true }).pMeanVariance(spy, x, t);
    assert.deepEqual(seen, [[0, 1600, 3600], [0, 400, 900]]);
  });
});
