/**
 * A user's first call: every sampler, loss and process method runs without its option bag, drawing
 * its noise from the default generator, so `manualSeed(n)` makes it reproducible (as torch.manual_seed
 * does) and passing `{ noise: defaultGenerator }` after the same seed gives the same numbers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultGenerator, manualSeed, randn, tensor, zeros, type Tensor } from '@diffusion-ts/tensor';
import { linearBetas } from './schedules/betas.ts';
import { karrasSigmas } from './schedules/sigmas.ts';
import { GaussianDiffusion } from './gaussian/diffusion.ts';
import { trainingLosses } from './gaussian/losses.ts';
import { calcBpd } from './gaussian/vlb.ts';
import { gmm1d2 } from './gmm/gaussian-mixture.ts';
import { gmmDenoiser } from './gmm/denoiser.ts';
import { sampleEulerAncestral } from './samplers/euler-ancestral.ts';
import { sampleEdmStochastic, edmStochasticDefaults } from './samplers/edm-stochastic.ts';
import { sampleHeun } from './samplers/heun.ts';
import { sampleDdpm } from './samplers/ddpm.ts';
import { sampleDdim } from './samplers/ddim.ts';
import { edmLoss, veLoss, vpLoss } from './edm/loss.ts';
import { classifierLoss } from './guidance/train-classifier.ts';
import { SohlDicksteinDiffusion } from './sohl-dickstein/gaussian.ts';
import { BinomialDiffusion } from './sohl-dickstein/binomial.ts';
import { UniformSampler } from './gaussian/timestep-samplers.ts';

/** The values of `run()` after `manualSeed(seed)`. */
const seeded = (seed: number, run: () => Tensor): number[] => {
  manualSeed(seed);
  return Array.from(run().dataSync());
};

/** Without options equals with the default generator named, and two seeds differ. */
function defaultsToDefaultGenerator(bare: () => Tensor, named: () => Tensor): void {
  assert.deepEqual(seeded(3, bare), seeded(3, named));
  assert.notDeepEqual(seeded(3, bare), seeded(4, bare));
}

const denoise = gmmDenoiser(gmm1d2);
const sigmas = karrasSigmas(6);
const xT = (): Tensor => randn([4, 1], { dtype: 'float64' }).mul(sigmas[0]!);
const d = new GaussianDiffusion(linearBetas(50));
const epsModel = (x: Tensor): Tensor => x.mul(0.1);

describe('option bags have defaults: the noise comes from the default generator', () => {
  it('sampleEulerAncestral(d, x, sigmas)', () => {
    defaultsToDefaultGenerator(() => sampleEulerAncestral(denoise, xT(), sigmas), () => sampleEulerAncestral(denoise, xT(), sigmas, { noise: defaultGenerator }));
  });

  it("sampleEdmStochastic(d, x, sigmas) uses NVlabs/edm's ImageNet-64 churn settings", () => {
    defaultsToDefaultGenerator(() => sampleEdmStochastic(denoise, xT(), sigmas), () => sampleHeun(denoise, xT(), sigmas, { ...edmStochasticDefaults, noise: defaultGenerator }));
    // An option given as undefined keeps its default, as destructuring would.
    assert.deepEqual(seeded(3, () => sampleEdmStochastic(denoise, xT(), sigmas, { sChurn: undefined })), seeded(3, () => sampleEdmStochastic(denoise, xT(), sigmas)));
  });

  it('sampleHeun with churn and no noise source draws from the default generator', () => {
    defaultsToDefaultGenerator(() => sampleHeun(denoise, xT(), sigmas, { sChurn: 10 }), () => sampleHeun(denoise, xT(), sigmas, { sChurn: 10, noise: defaultGenerator }));
  });

  it('sampleDdpm(d, model, x) and sampleDdim(d, model, x, { eta: 1 })', () => {
    const x = (): Tensor => randn([2, 3], { dtype: 'float64' });
    defaultsToDefaultGenerator(() => sampleDdpm(d, epsModel, x()), () => sampleDdpm(d, epsModel, x(), { noise: defaultGenerator }));
    // Unclipped, so that the samples are not all ±1 (the noise must show in the result).
    defaultsToDefaultGenerator(() => sampleDdim(d, epsModel, x(), { eta: 1, clipDenoised: false }), () => sampleDdim(d, epsModel, x(), { eta: 1, clipDenoised: false, noise: defaultGenerator }));
  });

  it("qSample(x0, t) draws ε, as guided-diffusion's q_sample; trainingLosses and calcBpd too", () => {
    const x0 = tensor([[0.5, -0.5], [0.1, 0.2]], { dtype: 'float64' }), t = Int32Array.of(3, 17);
    defaultsToDefaultGenerator(() => d.qSample(x0, t), () => d.qSample(x0, t, randn(x0.shape, { dtype: 'float64', generator: defaultGenerator })));
    defaultsToDefaultGenerator(() => trainingLosses(d, epsModel, x0, t).loss, () => trainingLosses(d, epsModel, x0, t, { noise: randn([2, 2], { dtype: 'float64' }) }).loss);
    defaultsToDefaultGenerator(() => calcBpd(d, epsModel, x0).mse, () => calcBpd(d, epsModel, x0, { noise: defaultGenerator }).mse);
  });

  it('process methods name themselves when timesteps are not an Int32Array', () => {
    const x0 = tensor([[0.5], [0.1]]);
    assert.throws(() => d.qSample(x0, [1, 2] as never), (e: unknown) =>
      e instanceof TypeError && e.message === 'qSample: timesteps t must be an Int32Array of 2 integers in [0, 50), got an array of 2 (wrap an array as Int32Array.from(t))');
    assert.throws(() => d.qMeanVariance(x0, tensor([1, 2]) as never), /qMeanVariance: timesteps t must be an Int32Array .* got a float32 Tensor \[2\]/);
    assert.throws(() => d.qSample(x0, Int32Array.of(1, 50)), /qSample: timestep t\[1\] = 50 is outside \[0, 50\)/);
  });

  it('edmLoss, vpLoss and veLoss without options', () => {
    const images = tensor([[0.5, -0.5], [0.1, 0.2]], { dtype: 'float64' });
    const batchDenoiser = (x: Tensor): Tensor => x.mul(0.5);
    defaultsToDefaultGenerator(() => edmLoss(batchDenoiser, images).loss, () => edmLoss(batchDenoiser, images, { noise: defaultGenerator }).loss);
    defaultsToDefaultGenerator(() => vpLoss(batchDenoiser, images).loss, () => vpLoss(batchDenoiser, images, { noise: defaultGenerator }).loss);
    defaultsToDefaultGenerator(() => veLoss(batchDenoiser, images).loss, () => veLoss(batchDenoiser, images, { noise: defaultGenerator }).loss);
  });

  it("Sohl-Dickstein's processes draw from the default generator when given none (sample, trainingLoss, qSample)", () => {
    const sd = new SohlDicksteinDiffusion({ T: 6, nBasis: 2, dtype: 'float64' });
    const network = (x: Tensor): Tensor => zeros([x.shape[0]!, 2 * 2 * 2], { dtype: 'float64' }); // [B, 2·d·nBasis]: μ and β readouts
    const x0 = tensor([[0.5, -0.5], [0.1, 0.2]], { dtype: 'float64' });
    defaultsToDefaultGenerator(() => sd.sample(network, [3, 2]), () => sd.sample(network, [3, 2], defaultGenerator));
    defaultsToDefaultGenerator(() => sd.trainingLoss(network, x0), () => sd.trainingLoss(network, x0, defaultGenerator));
    const binomial = new BinomialDiffusion({ T: 5, nBasis: 2 });
    const bits = tensor([[1, 0, 1, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 1, 1, 0]]);
    defaultsToDefaultGenerator(() => binomial.qSample(bits, 3), () => binomial.qSample(bits, 3, defaultGenerator));
  });

  it('timestep samplers and GaussianMixture.sample draw from the default generator when given none', () => {
    const draws = (seed: number, run: () => ArrayLike<number>): number[] => {
      manualSeed(seed);
      return Array.from(run());
    };
    const uniform = new UniformSampler(50);
    assert.deepEqual(draws(3, () => uniform.sample(8).t), draws(3, () => uniform.sample(8, defaultGenerator).t));
    assert.notDeepEqual(draws(3, () => uniform.sample(8).t), draws(4, () => uniform.sample(8).t));
    assert.deepEqual(draws(3, () => gmm1d2.sample(5)), draws(3, () => gmm1d2.sample(5, defaultGenerator)));
    assert.notDeepEqual(draws(3, () => gmm1d2.sample(5)), draws(4, () => gmm1d2.sample(5)));
  });

  it('classifierLoss without options', async () => {
    const images = tensor([[0.5, -0.5], [0.1, 0.2]], { dtype: 'float64' });
    const logits = (x: Tensor): Tensor => x.mul(tensor([1, -1], { dtype: 'float64' }));
    const seededXT = async (seed: number, named: boolean): Promise<number[]> => {
      manualSeed(seed);
      const { xT } = await classifierLoss(logits, d, images, [0, 1], named ? { generator: defaultGenerator } : undefined);
      return Array.from(xT.dataSync());
    };
    assert.deepEqual(await seededXT(3, false), await seededXT(3, true));
    assert.notDeepEqual(await seededXT(3, false), await seededXT(4, false));
  });
});
