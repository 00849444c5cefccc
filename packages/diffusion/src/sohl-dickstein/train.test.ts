import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { Adam, Linear } from '@diffusion-ts/nn';
import { slicedWasserstein } from '../metrics/distances.ts';
import { SohlDicksteinDiffusion } from './gaussian.ts';
import { trainOnBound, type StepOptimizer } from './train.ts';

/**
 * sklearn's make_swiss_roll(noise = 0.5) projected onto (x, z): t = 1.5π(1 + 2u), (t cos t, t sin t) + noise,
 * then Z-scored with one shift and one scale for all coordinates, as the reference's train.py does.
 */
function swissRoll(n: number, g: Generator): Tensor {
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = 1.5 * Math.PI * (1 + 2 * g.random());
    xy[2 * i] = t * Math.cos(t) + 0.5 * g.normal();
    xy[2 * i + 1] = t * Math.sin(t) + 0.5 * g.normal();
  }
  const mean = xy.reduce((s, v) => s + v, 0) / xy.length;
  const scale = Math.sqrt(xy.reduce((s, v) => s + (v - mean) ** 2, 0) / xy.length);
  return tensor(Float32Array.from(xy, (v) => (v - mean) / scale), { shape: [n, 2] });
}

describe('trainOnBound: the 2-D Swiss roll of Sohl-Dickstein et al. 2015 (Figure 1)', () => {
  it('a short run lowers the bound below the Gaussian\'s and moves samples towards the roll', async (t) => {
    const g = new Generator(0);
    const T = 40, nBasis = 10, hidden = 64;
    const train = swissRoll(2000, g), test = swissRoll(1000, g);
    // The reference's network sees only x^t; time enters through the temporal readout of its 2·nBasis outputs per coordinate.
    const l1 = new Linear({ inFeatures: 2, outFeatures: hidden, generator: g });
    const l2 = new Linear({ inFeatures: hidden, outFeatures: hidden, generator: g });
    const l3 = new Linear({ inFeatures: hidden, outFeatures: 2 * 2 * nBasis, generator: g });
    const network = (x: Tensor) => l3.forward(l2.forward(l1.forward(x).tanh()).tanh());
    const diffusion = new SohlDicksteinDiffusion({ T, nBasis });
    const swToTest = (samples: Tensor) => slicedWasserstein(samples.dataSync(), test.dataSync(), 2, { rand: new Generator(3) });

    const bitsBefore = diffusion.boundBits(network, test, new Generator(1));
    const swBefore = swToTest(diffusion.sample(network, [1000, 2], new Generator(2)));
    const optimizer = new Adam([...l1.parameters(), ...l2.parameters(), ...l3.parameters(), ...diffusion.parameters()], { lr: 3e-3 });
    const losses = await trainOnBound(diffusion, network, optimizer, train, { steps: 800, batchSize: 256, generator: g });
    const bitsAfter = diffusion.boundBits(network, test, new Generator(1));
    const swAfter = swToTest(diffusion.sample(network, [1000, 2], new Generator(2)));

    t.diagnostic(`bound on held-out data: ${bitsBefore.toFixed(3)} -> ${bitsAfter.toFixed(3)} bits/dim (relative to N(0, I)); ` +
      `sliced W2 to held-out data: ${swBefore.toFixed(3)} -> ${swAfter.toFixed(3)}; last train losses ${losses.slice(-3).join(', ')}`);
    assert.equal(losses.length, 800);
    assert.ok(bitsAfter < bitsBefore - 0.3 && bitsAfter < -0.05, `bits ${bitsBefore} -> ${bitsAfter}`);
    assert.ok(swAfter < 0.75 * swBefore, `sliced Wasserstein ${swBefore} -> ${swAfter}`);
  });
});

describe('trainOnBound: the loop', () => {
  it('draws batchSize rows per step, and runs zeroGrad, backward and one optimizer step per step, then onStep', async () => {
    // A model whose loss is w · mean(x0): its gradient w.r.t. w is the minibatch mean, known for every step.
    const w = tensor([0.5], { dtype: 'float64', requiresGrad: true });
    const data = tensor([1, 2, 4, 8, 16, 32, 64], { dtype: 'float64', shape: [7, 1] });
    const batches: number[][] = [];
    const model = { trainingLoss: (_: null, x0: Tensor) => { batches.push([...x0.dataSync()]); return x0.mean().mul(w); } };
    const calls: string[] = [];
    const gradsAtStep: number[] = [];
    const optimizer: StepOptimizer = {
      zeroGrad: () => { calls.push('zeroGrad'); w.grad = null; },
      step: () => { calls.push('step'); gradsAtStep.push(w.grad!.item()); },
    };
    const reported: { step: number; bits: number }[] = [];
    const losses = await trainOnBound(model, null, optimizer, data, { steps: 3, batchSize: 4, generator: new Generator(6), onStep: (info) => { calls.push('onStep'); reported.push(info); } });

    const g = new Generator(6);
    const expectedBatches = Array.from({ length: 3 }, () => Array.from({ length: 4 }, () => 2 ** g.integer(0, 7)));
    assert.deepEqual(batches, expectedBatches);
    assert.deepEqual(calls, Array.from({ length: 3 }, () => ['zeroGrad', 'step', 'onStep']).flat());
    const means = expectedBatches.map((b) => b.reduce((a, v) => a + v, 0) / 4);
    assert.deepEqual(gradsAtStep, means); // this minibatch's gradient alone: zeroGrad came before backward
    assert.deepEqual([...losses], means.map((m) => 0.5 * m));
    assert.deepEqual(reported, means.map((m, step) => ({ step, bits: 0.5 * m })));
  });
});
