/**
 * A PyTorch user's first hour (issue #15): each row of the issue's table, the call as a newcomer
 * types it, through the packages' public entries. Each now works, or throws an error that names the
 * entry and the offending value, instead of a TypeError from deep inside.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { format, inspect } from 'node:util';
import { manualSeed, OpError, randn, tensor, zeros } from '@diffusion-ts/tensor';
import { Conv2d, Linear, presets, UNet } from '@diffusion-ts/nn';
import { GaussianDiffusion, gmm1d2, gmmDenoiser, karrasSigmas, linearBetas, sampleEulerAncestral } from '@diffusion-ts/diffusion';

describe("the issue's table: the calls a PyTorch user makes first", () => {
  it('new UNet(presets.tiny16) builds from the default generator', () => {
    manualSeed(0);
    const model = new UNet(presets.tiny16);
    assert.deepEqual(model.forward(randn(1, 3, 16, 16), [5]).shape, [1, 3, 16, 16]);
  });

  it('new UNet(presets.tiny16, {}) and new Linear(3, 4) build without a generator', () => {
    manualSeed(1);
    const a = new UNet(presets.tiny16, {});
    manualSeed(1);
    const b = new UNet(presets.tiny16);
    assert.deepEqual(a.stateDict()['inputBlocks.0.0.weight']!.dataSync(), b.stateDict()['inputBlocks.0.0.weight']!.dataSync(), 'manualSeed makes it reproducible');
    assert.deepEqual(new Linear(3, 4).forward(randn(2, 3)).shape, [2, 4]);
  });

  it("new Conv2d(3, 4, 3) is PyTorch's positional form", () => {
    const conv = new Conv2d(3, 4, 3);
    assert.deepEqual(conv.weight.shape, [4, 3, 3, 3]);
    assert.deepEqual(conv.forward(randn(1, 3, 5, 5)).shape, [1, 4, 3, 3]);
  });

  it('sampleEulerAncestral(d, x, sigmas) runs without options', () => {
    const sigmas = karrasSigmas(8);
    const x = sampleEulerAncestral(gmmDenoiser(gmm1d2), randn(4, 1, { dtype: 'float64' }).mul(sigmas[0]!), sigmas);
    assert.deepEqual(x.shape, [4, 1]);
    assert.ok(Array.from(x.dataSync()).every(Number.isFinite));
  });

  it('qSample(x0, t) without noise draws it, as q_sample does', () => {
    const d = new GaussianDiffusion(linearBetas(100));
    const x0 = tensor([[0.5, -0.5], [0.1, 0.2]]);
    const xt = d.qSample(x0, Int32Array.of(10, 90));
    assert.deepEqual(xt.shape, [2, 2]);
    assert.notDeepEqual(xt.dataSync(), x0.dataSync());
  });

  it('console.log(t) prints what String(t) does (util.inspect.custom), not the storage', () => {
    const t = tensor([[1, 2], [3, 4]]);
    assert.equal(inspect(t), String(t));
    assert.equal(format('%o', t), String(t));
    assert.equal(format(t), String(t)); // console.log's formatting
    assert.doesNotMatch(inspect(t), /backend|storage|kernels/);
  });

  it('a UNet on a 15×15 input fails at the door, naming UNet and the size', () => {
    const model = new UNet(presets.tiny16);
    assert.throws(() => model.forward(randn(2, 3, 15, 15), [1, 2]), (e: unknown) =>
      e instanceof RangeError && /^UNet: input 15×15 cannot be halved 1 times \(2 levels\)/.test(e.message));
  });

  it('unet.forward(x, [1, 2]) takes the timesteps as an array, as the [2] tensor', () => {
    const model = new UNet(presets.tiny16);
    const x = randn(2, 3, 16, 16);
    assert.deepEqual(model.forward(x, [1, 2]).dataSync(), model.forward(x, tensor([1, 2])).dataSync());
    assert.throws(() => model.forward(x, [1, 2, 3]), /^RangeError: UNet: 3 timesteps for a batch of 2/);
  });

  it('zeros(2, 3) takes varargs sizes; a bad size names zeros, not full', () => {
    assert.deepEqual(zeros(2, 3).shape, [2, 3]);
    assert.deepEqual(zeros([2, 3]).shape, [2, 3]);
    assert.throws(() => zeros(2, -3), (e: unknown) => e instanceof OpError && e.op === 'zeros' && /^zeros: /.test(e.message));
  });
});
