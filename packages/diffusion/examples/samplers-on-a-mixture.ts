/**
 * @diffusion-ts/diffusion in one screen. Part 1: the EDM samplers on a 2-D Gaussian mixture whose
 * exact denoiser is known, so every error is the sampler's own. Part 2: the discrete-time process
 * (DDPM/iDDPM): q(x_t | x_0), the training loss of an MLP, and strided DDIM sampling.
 *
 *   npx tsx packages/diffusion/examples/samplers-on-a-mixture.ts
 */
import { Generator, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { MLP } from '@diffusion-ts/nn';
import {
  GaussianDiffusion, classifierFree, countEvaluations, cosineBetas, ddimTimesteps, gmm2d8, gmmDenoiser, karrasSigmas,
  sampleDdim, sampleDpmSolver2M, sampleEuler, sampleHeun, slicedWasserstein, spacedDiffusion, trainingLosses,
} from '@diffusion-ts/diffusion';

// Part 1. x_0 ~ gmm2d8 (8 Gaussians on the unit circle); D(x; σ) = E[x_0 | x_0 + σ n = x] exactly.
const exact = gmmDenoiser(gmm2d8);
const reference = gmm2d8.sample(4000, new Generator(1));
const sigmas = karrasSigmas(16); // Eq. 5 of Karras et al. 2022: 16 steps from 80 down to 0.002, then 0
const samplers = { Euler: sampleEuler, Heun: sampleHeun, 'DPM-Solver++(2M)': sampleDpmSolver2M };
for (const [name, sample] of Object.entries(samplers)) {
  const counted = countEvaluations(exact);
  const xT = randn([1000, 2], { dtype: 'float64', generator: new Generator(0) }).mul(sigmas[0]!);
  const x0 = sample(counted.denoise, xT, sigmas);
  const sw2 = slicedWasserstein(x0.dataSync(), reference, 2, { rand: new Generator(2) });
  console.log(`${name.padEnd(17)} NFE ${String(counted.count).padStart(2)}  sliced W2 to the mixture ${sw2.toFixed(3)}`);
}
// Guidance wraps a denoiser into a denoiser: here D_u + 2·(D_c − D_u), with both the exact denoiser.
const guided = sampleHeun(classifierFree(exact, exact, 2), randn([4, 2], { dtype: 'float64', generator: new Generator(3) }).mul(80), sigmas);
console.log('guided samples', guided.shape);

// Part 2. A cosine-schedule process (iDDPM Eq. 17) with T = 1000 and an ε-predicting MLP.
const g = new Generator(0);
const betas = cosineBetas(1000);
const d = new GaussianDiffusion(betas, { modelMeanType: 'eps', modelVarType: 'fixedSmall', lossType: 'mse' });
const x0 = tensor(gmm2d8.sample(8, g), { shape: [8, 2], dtype: 'float32' });
const t = Int32Array.from({ length: 8 }, () => g.integer(0, 1000));
const noise = randn([8, 2], { generator: g });
const xt = d.qSample(x0, t, noise); // √ᾱ_t x_0 + √(1 − ᾱ_t) ε (Eq. 4 of Ho et al. 2020)
const mlp = new MLP({ dataDim: 2, hiddenDim: 32, generator: g });
const model = (x: Tensor, tt: Tensor): Tensor => mlp.forward(x, tt); // a DiffusionModel: (x_t, t) ↦ ε̂
const { loss } = trainingLosses(d, model, x0, t, { noise }); // per-sample L_simple (Eq. 14)
console.log('x_t', xt.shape, 'L_simple per sample', loss.shape, 'mean', loss.mean().item().toFixed(3));
// DDIM (η = 0) on 10 of the 1000 steps: ddimTimesteps(1000, 10) = [0, 100, …, 900].
const strided = spacedDiffusion(betas, ddimTimesteps(1000, 10));
const samples = sampleDdim(strided, model, randn([4, 2], { generator: g }), { eta: 0, clipDenoised: false });
console.log('DDIM samples (untrained model)', samples.shape, 'steps', strided.numTimesteps);
