import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { cosineBetas, linearBetas } from '../schedules/betas.ts';
import { GaussianDiffusion } from './diffusion.ts';
import { discreteDenoiser, discreteSigmas, discreteSigmaSchedule } from './sigma-denoiser.ts';
import { sampleHeun } from '../samplers/heun.ts';

/** The index of the largest level at or below σ in an increasing grid. */
const lastAtMost = (grid: Float64Array, sigma: number): number => {
  let i = grid.length - 1;
  while (i > 0 && grid[i]! > sigma) i--;
  return i;
};

describe('discrete models in sigma space', () => {
  const d = new GaussianDiffusion(linearBetas(1000), { modelMeanType: 'eps', modelVarType: 'fixedLarge' });

  it('the grid is σ_t = √((1 − ᾱ)/ᾱ), increasing; the schedule walks it down to 0', () => {
    const grid = discreteSigmas(d);
    assert.ok(grid.every((s, t) => t === 0 || s > grid[t - 1]!));
    assert.ok(Math.abs(grid[0]! - Math.sqrt(1e-4 / (1 - 1e-4))) < 1e-12);
    const s = discreteSigmaSchedule(d, 10, { sigmaMax: Infinity });
    assert.equal(s.length, 11);
    assert.equal(s[0], grid[999]);
    assert.equal(s[9], grid[0]);
    assert.equal(s[10], 0);
    assert.throws(() => discreteSigmaSchedule(d, 0), /steps must be an integer in \[1, \d+\]/);
  });

  it('by default the schedule keeps the levels in [0.002, 80], as NVlabs/edm does for discrete models', () => {
    const grid = discreteSigmas(d);
    const top = lastAtMost(grid, 80);
    assert.ok(grid[999]! > 80 && top < 999);
    const s = discreteSigmaSchedule(d, 10);
    assert.equal(s[0], grid[top]);
    assert.equal(s[9], grid[0]);
    assert.equal(discreteSigmaSchedule(d, top + 1).length, top + 2);
    assert.throws(() => discreteSigmaSchedule(d, top + 2), new RegExp(`steps must be an integer in \\[1, ${top + 1}\\]`));
    assert.deepEqual(discreteSigmaSchedule(d, 1), [grid[top], 0]);
    // The cosine grid of iDDPM tops out near 2·10⁴; σ_max = 80 leaves out its top 9 levels (the paper's
    // j₀ = 8 of Table 1, on its own u grid, whose 9th level is just under 80; ours is 80.2).
    const cosine = new GaussianDiffusion(cosineBetas(1000));
    const cGrid = discreteSigmas(cosine);
    assert.ok(cGrid[999]! > 1e4, `top level ${cGrid[999]}`);
    assert.equal(lastAtMost(cGrid, 80), 1000 - 1 - 9);
  });

  it('with the exact ε of Gaussian data, D is the exact posterior mean E[x₀ | x₀ + σn]', () => {
    // x₀ ~ N(0, s²): E[x₀ | y] = s²/(s² + σ²) · y. In terms of x_t = y/√(1+σ²) at the grid step t:
    // ε = (x_t − √ᾱ x̂₀)/√(1 − ᾱ) with x̂₀ the posterior mean under the grid's own σ_t.
    const s2 = 0.25;
    const grid = discreteSigmas(d);
    const exactEps = (xt: Tensor, t: Tensor): Tensor => {
      const step = t.dataSync()[0]!;
      const a = d.alphasCumprod[step]!, sig = grid[step]!;
      const y = xt.mul(Math.sqrt(1 + sig * sig));
      const x0 = y.mul(s2 / (s2 + sig * sig));
      return xt.sub(x0.mul(Math.sqrt(a))).div(Math.sqrt(1 - a));
    };
    const D = discreteDenoiser(d, (x, t) => exactEps(x, t));
    const sigma = grid[400]!;
    const y = tensor([[0.3], [-1.2]], { dtype: 'float64' });
    const got = D(y, sigma).dataSync();
    [0.3, -1.2].forEach((v, i) => assert.ok(Math.abs(got[i]! - v * s2 / (s2 + sigma * sigma)) < 1e-9));
    assert.equal(D(y, 0), y);
  });

  it('an EDM sampler on the discrete grid draws Gaussian data with the right variance', () => {
    const s2 = 0.25, grid = discreteSigmas(d);
    const D = discreteDenoiser(d, (xt, t) => {
      const step = t.dataSync()[0]!, a = d.alphasCumprod[step]!, sig = grid[step]!;
      const x0 = xt.mul(Math.sqrt(1 + sig * sig) * s2 / (s2 + sig * sig));
      return xt.sub(x0.mul(Math.sqrt(a))).div(Math.sqrt(1 - a));
    });
    const sigmas = discreteSigmaSchedule(d, 40);
    const n = 4000;
    const x = randn([n, 1], { dtype: 'float64', generator: new Generator(3) }).mul(Math.sqrt(sigmas[0]! ** 2 + s2));
    const out = sampleHeun(D, x, sigmas);
    const v = out.var().item();
    assert.ok(Math.abs(v - s2) < 5 * s2 * Math.sqrt(2 / n), `variance ${v}, want ${s2}`);
  });

  it('on the cosine grid, Heun survives a 0.3% error of ε from σ_max = 80, not from the grid\'s top level', () => {
    // Gaussian data x₀ ~ N(0, s²) and an ε-model off by 0.3% of x_t: x̂₀ = x − σ ε̂ turns that error into
    // σ·0.3% of error in D, so the first step from σ ≈ 2·10⁴ lands far off the next level's distribution.
    const cosine = new GaussianDiffusion(cosineBetas(1000));
    const s2 = 0.25, grid = discreteSigmas(cosine);
    const D = discreteDenoiser(cosine, (xt, t) => {
      const step = t.dataSync()[0]!, a = cosine.alphasCumprod[step]!, sig = grid[step]!;
      const x0 = xt.mul(Math.sqrt(1 + sig * sig) * s2 / (s2 + sig * sig));
      return xt.sub(x0.mul(Math.sqrt(a))).div(Math.sqrt(1 - a)).add(xt.mul(0.003));
    });
    const variance = (sigmas: number[]): number => {
      const x = randn([4000, 1], { dtype: 'float64', generator: new Generator(5) }).mul(Math.sqrt(sigmas[0]! ** 2 + s2));
      return sampleHeun(D, x, sigmas).var().item();
    };
    const clipped = variance(discreteSigmaSchedule(cosine, 18));
    const whole = variance(discreteSigmaSchedule(cosine, 18, { sigmaMax: Infinity }));
    assert.ok(Math.abs(clipped - s2) < 0.2 * s2, `from σ_max = 80: variance ${clipped}, want ${s2}`);
    assert.ok(whole > 100 * s2, `from the top level: variance ${whole}`);
  });
});
