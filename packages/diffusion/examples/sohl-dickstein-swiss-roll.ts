/**
 * The 2-D Swiss roll of Sohl-Dickstein et al. 2015 (Figure 1), end to end: a Gaussian diffusion with
 * T = 40 steps and the paper's learnable schedule, a small MLP reverse model read out through 10
 * temporal basis functions, Adam on the bound K, then ancestral samples.
 *
 *   npx tsx packages/diffusion/examples/sohl-dickstein-swiss-roll.ts [steps = 3000]
 */
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { Adam, Linear } from '@diffusion-ts/nn';
import { SohlDicksteinDiffusion, slicedWasserstein, trainOnBound } from '@diffusion-ts/diffusion';
import { swissRoll } from '@diffusion-ts/cli';

const steps = Number(process.argv[2] ?? 3000);
const g = new Generator(0);
const T = 40, nBasis = 10, hidden = 64;

// Data: the roll projected on (x, z), centred and scaled to unit variance.
const asTensor = ({ data, shape }: { data: Float32Array; shape: number[] }): Tensor => tensor(data, { shape });
const train = asTensor(swissRoll(4000, g));
const test = asTensor(swissRoll(1000, g));

// The reverse model's network: x^t [B, 2] -> [B, 2 · 2 · nBasis] (mean and variance coefficients per coordinate).
const layers = [
  new Linear({ inFeatures: 2, outFeatures: hidden, generator: g }),
  new Linear({ inFeatures: hidden, outFeatures: hidden, generator: g }),
  new Linear({ inFeatures: hidden, outFeatures: 2 * 2 * nBasis, generator: g }),
];
const network = (x: Tensor): Tensor => layers[2]!.forward(layers[1]!.forward(layers[0]!.forward(x).tanh()).tanh());

const diffusion = new SohlDicksteinDiffusion({ T, nBasis });
const sw = (samples: Tensor): number => slicedWasserstein(samples.dataSync(), test.dataSync(), 2, { rand: new Generator(3) });
const report = (label: string): void => {
  const bits = diffusion.boundBits(network, test, new Generator(1));
  const samples = diffusion.sample(network, [1000, 2], new Generator(2));
  console.log(`${label}: bound ${bits.toFixed(3)} bits/dim relative to N(0, I); sliced W2 of 1000 samples to held-out data ${sw(samples).toFixed(3)}`);
};

report('untrained');
const optimizer = new Adam([...layers.flatMap((l) => l.parameters()), ...diffusion.parameters()], { lr: 3e-3 });
const start = Date.now();
await trainOnBound(diffusion, network, optimizer, train, {
  steps,
  batchSize: 256,
  generator: g,
  onStep: ({ step, bits }) => { if ((step + 1) % 500 === 0) console.log(`step ${step + 1}: ${bits.toFixed(3)} bits/dim (${((Date.now() - start) / 1000).toFixed(0)} s)`); },
});
report(`after ${steps} steps`);

// A coarse picture of the samples: a 48 × 24 character histogram over [-2.5, 2.5]².
const samples = diffusion.sample(network, [3000, 2], new Generator(4)).dataSync();
const grid = Array.from({ length: 24 }, () => Array<string>(48).fill(' '));
for (let i = 0; i < samples.length; i += 2) {
  const col = Math.floor(((samples[i]! + 2.5) / 5) * 48), row = Math.floor(((2.5 - samples[i + 1]!) / 5) * 24);
  if (col >= 0 && col < 48 && row >= 0 && row < 24) grid[row]![col] = grid[row]![col] === ' ' ? '.' : '#';
}
console.log(grid.map((r) => r.join('')).join('\n'));
console.log('learned schedule beta_t:', Array.from(diffusion.betas().dataSync(), (b) => b.toFixed(3)).join(' '));
