import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { leaf } from '@diffusion-ts/tensor/testing';
import { MLP } from './mlp.ts';
import { gradcheckModule } from './testing/modules.ts';

describe('MLP', () => {
  it('maps x [B, d] and t [B] to [B, d], or [B, 2d] with a learned variance', () => {
    const g = new Generator(0);
    const x = randn([5, 2], { generator: g }), t = tensor([0, 10, 100, 500.5, 999]);
    assert.deepEqual(new MLP({ generator: g }).forward(x, t).shape, [5, 2]);
    assert.deepEqual(new MLP({ dataDim: 3, learnSigma: true, generator: g }).forward(randn([4, 3]), tensor([1, 2, 3, 4])).shape, [4, 6]);
    assert.throws(() => new MLP({ generator: g }).forward(randn([5, 3]), t), /x must be \[B, 2\]/);
  });

  it('builds without options (a 2-D denoiser drawn from the default generator), as every module does', () => {
    manualSeed(4);
    const a = new MLP();
    manualSeed(4);
    assert.deepEqual(a.stateDict()['out.weight']!.dataSync(), new MLP({}).stateDict()['out.weight']!.dataSync());
    assert.deepEqual(a.forward(randn(3, 2), tensor([1, 2, 3])).shape, [3, 2]);
  });

  it('takes t as the U-Nets do: a [B] tensor, an array of B numbers or one number; bad inputs name MLP', () => {
    const model = new MLP({ hiddenDim: 8, generator: new Generator(5) });
    const x = randn([2, 2], { generator: new Generator(6) });
    const byTensor = model.forward(x, tensor([3, 40])).dataSync();
    assert.deepEqual(model.forward(x, [3, 40]).dataSync(), byTensor);
    assert.deepEqual(model.forward(x, 7).dataSync(), model.forward(x, tensor([7, 7])).dataSync());
    assert.throws(() => model.forward(x, [1, 2, 3]), /^RangeError: MLP: 3 timesteps for a batch of 2$/);
    assert.throws(() => model.forward([[1, 2]] as never, [1]), (e: unknown) => e instanceof TypeError && /^MLP: x must be a Tensor \[B, 2\]/.test(e.message));
  });

  it('depends on t', () => {
    const model = new MLP({ hiddenDim: 16, generator: new Generator(1) });
    const x = randn([1, 2], { generator: new Generator(2) });
    assert.notDeepEqual(model.forward(x, tensor([3])).dataSync(), model.forward(x, tensor([300])).dataSync());
  });

  it('has named parameters timeEmbed, inputProj, layers.i, out', () => {
    const model = new MLP({ hiddenDim: 4, numLayers: 2, timeEmbedDim: 6, generator: new Generator(0) });
    assert.deepEqual(Object.keys(model.stateDict()), [
      'timeEmbed.0.weight', 'timeEmbed.0.bias', 'timeEmbed.2.weight', 'timeEmbed.2.bias', 'inputProj.weight', 'inputProj.bias',
      'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'out.weight', 'out.bias',
    ]);
    assert.equal(model.numParameters(), (6 * 4 + 4) + (4 * 4 + 4) + (2 * 4 + 4) + 2 * (4 * 4 + 4) + (4 * 2 + 2));
  });

  it('gradcheck wrt x, t and all parameters', () => {
    const g = new Generator(3);
    const model = new MLP({ hiddenDim: 5, numLayers: 2, timeEmbedDim: 4, generator: g });
    gradcheckModule(model, [leaf([3, 2], g), leaf([3], g)], (x: Tensor, t: Tensor) => model.forward(x, t), g);
  });
});
