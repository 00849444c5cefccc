// A user's first script, run by plain `node` against the installed tarballs (no tsx, no TypeScript):
// a few EDM training steps of a tiny MLP on an 8-Gaussian mixture, then Heun samples.
import { Generator, randn, tensor, getBackend } from '@diffusion-ts/tensor';
import { Adam, MLP } from '@diffusion-ts/nn';
import { edmLoss, edmPrecond, gmm2d8, karrasSigmas, sampleHeun } from '@diffusion-ts/diffusion';

const g = new Generator(0);
const mlp = new MLP({ dataDim: 2, hiddenDim: 32, generator: g });
const D = edmPrecond((x, cNoise) => mlp.forward(x, cNoise), { sigmaData: 1 });
const opt = new Adam(mlp.parameters(), { lr: 2e-3 });
const losses = [];
for (let step = 0; step < 20; step++) {
  const x0 = tensor(gmm2d8.sample(64, g), { shape: [64, 2], dtype: 'float32' });
  const loss = edmLoss(D.batch, x0, { noise: g, sigmaData: 1 }).loss.mean();
  opt.zeroGrad();
  loss.backward();
  opt.step();
  losses.push(loss.item());
}
const sigmas = karrasSigmas(8, { sigmaMax: 160, sigmaMin: 0.002 });
const samples = sampleHeun((x, sigma) => D(x, sigma), randn([16, 2], { generator: new Generator(1) }).mul(sigmas[0]), sigmas);
const values = [...samples.dataSync()];
if (!values.every(Number.isFinite)) throw new Error('samples are not finite');
console.log(JSON.stringify({ backend: getBackend().name, first: losses[0], last: losses.at(-1), shape: samples.shape }));
