import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cat, Generator, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { sampleHeun } from '../samplers/heun.ts';
import { karrasSigmas } from '../schedules/sigmas.ts';
import { edmPrecond, iddpmPrecond, precondition, vePrecond, vpPrecond, type RawNetwork } from './precondition.ts';
import { edmPrecondCoefficients, iddpmPrecondCoefficients, vePrecondCoefficients, vpPrecondCoefficients } from './precondition-coefficients.ts';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** A random bounded "network": F(x_in; c_noise) = tanh(w ⊙ x_in + b c_noise + c), |F| < 1. */
const randomNetwork = (seed: number): RawNetwork => {
  const g = new Generator(seed);
  const [w, b, c] = [g.normal(), g.normal(), g.normal()];
  return (xIn, cNoise) => xIn.mul(w).add(cNoise.reshape([-1, ...xIn.shape.slice(1).map(() => 1)]).mul(b)).add(c).tanh();
};

/** A network that records what it was given and returns `out(xIn)`. */
const spy = (out: (xIn: Tensor) => Tensor = (xIn) => xIn.sin()) => {
  const calls: { xIn: Tensor; cNoise: Tensor; labels?: Tensor }[] = [];
  const network: RawNetwork = (xIn, cNoise, labels) => (calls.push({ xIn, cNoise, labels }), out(xIn));
  return { calls, network };
};

const variants = [
  { name: 'EDM', make: (f: RawNetwork) => edmPrecond(f), coefficients: (s: number) => edmPrecondCoefficients(s) },
  { name: 'EDM (sigmaData 1.3)', make: (f: RawNetwork) => edmPrecond(f, { sigmaData: 1.3 }), coefficients: (s: number) => edmPrecondCoefficients(s, { sigmaData: 1.3 }) },
  { name: 'VP', make: (f: RawNetwork) => vpPrecond(f), coefficients: (s: number) => vpPrecondCoefficients(s) },
  { name: 'VE', make: (f: RawNetwork) => vePrecond(f), coefficients: vePrecondCoefficients },
  { name: 'iDDPM', make: (f: RawNetwork) => iddpmPrecond(f), coefficients: (s: number) => iddpmPrecondCoefficients(s) },
];

describe('preconditioning D(x; σ) = c_skip x + c_out F(c_in x; c_noise) (Eq. 7, Table 1 of Karras et al. 2022)', () => {
  for (const { name, make, coefficients } of variants) {
    it(`${name}: feeds F c_in·x and c_noise [B] (and the labels), and returns c_skip x + c_out F`, () => {
      const { calls, network } = spy();
      const D = make(network);
      const x = randn([3, 2, 2], { dtype: 'float64', generator: new Generator(1) });
      const labels = tensor([0, 1, 2]);
      for (const sigma of [0.002, 0.3, 5, 80]) {
        const { cSkip, cOut, cIn, cNoise } = coefficients(sigma);
        const out = D(x, sigma, labels);
        const call = calls.at(-1)!;
        assert.deepEqual(call.cNoise.shape, [3]);
        assert.deepEqual([...call.cNoise.dataSync()], [cNoise, cNoise, cNoise]);
        assert.equal(call.labels, labels);
        assert.ok(maxAbsDiff(call.xIn.dataSync(), x.mul(cIn).dataSync()) === 0);
        const expected = x.mul(cSkip).add(x.mul(cIn).sin().mul(cOut));
        assert.ok(maxAbsDiff(out.dataSync(), expected.dataSync()) <= 1e-15 * (1 + sigma), `sigma ${sigma}`);
      }
    });

    it(`${name}: D(x; 0) = x exactly, without evaluating F`, () => {
      const { calls, network } = spy();
      const x = randn([4, 3], { dtype: 'float64', generator: new Generator(2) });
      assert.equal(make(network)(x, 0), x);
      assert.equal(calls.length, 0);
    });

    it(`${name}: the batched form with one σ per sample equals the per-sample denoiser`, () => {
      const D = make(randomNetwork(3));
      const x = randn([4, 2], { dtype: 'float64', generator: new Generator(4) });
      const sigmas = [0.01, 0.5, 3, 70];
      const batched = D.batch(x, tensor(sigmas, { dtype: 'float64' })).dataSync();
      assert.deepEqual(D.batch(x, sigmas).dataSync(), batched);
      sigmas.forEach((sigma, b) => {
        const alone = D(x.narrow(0, b, 1), sigma).dataSync();
        assert.ok(maxAbsDiff(batched.subarray(2 * b, 2 * b + 2), alone) <= 1e-15, `sample ${b}`);
      });
      assert.throws(() => D.batch(x, [1, 2]), /precondition: 2 noise levels for x of shape \[4,2\]/);
    });
  }

  it('EDM: D(x; σ) → x as σ → 0 for any network, with |D − x| ≤ σ²/σ_data² |x| + c_out(σ) since |F| < 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ noNaN: true, min: 0.05, max: 5 }), (seed, sigmaData) => {
        const D = edmPrecond(randomNetwork(seed), { sigmaData });
        const x = randn([8, 2], { dtype: 'float64', generator: new Generator(seed) });
        const xs = x.dataSync();
        let previous = Infinity;
        for (const sigma of [1e-1, 1e-3, 1e-5, 1e-8]) {
          const out = D(x, sigma).dataSync();
          const gap = maxAbsDiff(out, xs);
          const xMax = Math.max(...xs.map(Math.abs));
          // plus the rounding of c_skip·x + c_out·F in float64 (a few ulps of |x|)
          const bound = (sigma ** 2 / sigmaData ** 2) * xMax + edmPrecondCoefficients(sigma, { sigmaData }).cOut + 4 * Number.EPSILON * xMax;
          assert.ok(gap <= bound && gap <= previous, `sigma ${sigma}: ${gap} vs ${bound}`);
          previous = gap;
        }
        assert.ok(previous < 1e-7);
      }),
    );
  });

  it('EDM: c_in gives F unit-variance input when the data have variance σ_data² (statistically, 20000 draws)', () => {
    const g = new Generator(5);
    for (const sigmaData of [0.5, 2]) {
      const { calls, network } = spy();
      const D = edmPrecond(network, { sigmaData });
      for (const sigma of [0.01, 0.5, 10, 80]) {
        const y = randn([20000, 1], { dtype: 'float64', generator: g }).mul(sigmaData);
        D(y.add(randn([20000, 1], { dtype: 'float64', generator: g }).mul(sigma)), sigma);
        const input = calls.at(-1)!.xIn.dataSync();
        const variance = Array.from(input).reduce((s, v) => s + v * v, 0) / input.length;
        // relative standard error of a variance from 20000 normals: √(2/20000) = 1%
        assert.ok(Math.abs(variance - 1) < 0.05, `sigmaData ${sigmaData}, sigma ${sigma}: variance ${variance}`);
      }
    }
  });

  it('iDDPM with learnedVariance keeps the first C of the network’s 2C output channels, as iDDPMPrecond', () => {
    const network: RawNetwork = (xIn) => cat([xIn.mul(2), xIn.mul(100)], 1); // [B, 2C, …]: mean part, then variance part
    const x = randn([2, 2, 3], { dtype: 'float64', generator: new Generator(6) });
    const D = iddpmPrecond(network, { learnedVariance: true });
    const { cSkip, cOut, cIn } = iddpmPrecondCoefficients(1.5);
    const expected = x.mul(cSkip).add(x.mul(2 * cIn * cOut));
    assert.ok(maxAbsDiff(D(x, 1.5).dataSync(), expected.dataSync()) < 1e-14);
    assert.ok(maxAbsDiff(D.batch(x, [1.5, 1.5]).dataSync(), expected.dataSync()) < 1e-14);
  });

  it('gradients flow through D to the network’s parameters: ∂ΣD/∂w = c_out c_in Σx for F = w·x_in', () => {
    const w = tensor([0.7], { dtype: 'float64' }).requiresGrad_();
    const D = precondition((xIn) => xIn.mul(w), (s) => edmPrecondCoefficients(s));
    const x = randn([3, 2], { dtype: 'float64', generator: new Generator(7) });
    const sigmas = [0.1, 1, 10];
    D(x, sigmas).sum().backward();
    const xs = x.dataSync();
    const expected = sigmas.reduce((acc, s, b) => {
      const { cOut, cIn } = edmPrecondCoefficients(s);
      return acc + cOut * cIn * (xs[2 * b]! + xs[2 * b + 1]!);
    }, 0);
    assert.ok(Math.abs(w.grad!.item() - expected) < 1e-12);
  });

  it('a preconditioned network is a sampler Denoiser as it is: 18 Heun steps call F 35 times, never at sigma = 0', () => {
    const seen: number[] = [];
    const D = edmPrecond((xIn, cNoise) => (seen.push(Math.exp(4 * cNoise.dataSync()[0]!)), xIn.mul(0.1)));
    const out = sampleHeun(D, randn([4, 2], { dtype: 'float64', generator: new Generator(8) }).mul(80), karrasSigmas(18));
    assert.equal(seen.length, 35);
    assert.ok(Math.min(...seen) > 0.0019 && out.dataSync().every(Number.isFinite));
  });
});
