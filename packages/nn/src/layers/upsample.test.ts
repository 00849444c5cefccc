import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, randn, type Tensor } from '@diffusion-ts/tensor';
import { leaf } from '@diffusion-ts/tensor/testing';
import { Upsample } from './upsample.ts';
import { gradcheckModule } from '../testing/modules.ts';

describe('Upsample', () => {
  it('without a conv repeats each pixel into a 2×2 block', () => {
    const layer = new Upsample({ channels: 1, useConv: false, generator: new Generator(0) });
    assert.deepEqual(layer.forward(tensor([[[[1, 2], [3, 4]]]])).toArray(), [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
    assert.equal(layer.numParameters(), 0);
  });

  it('with a conv keeps the size after doubling it, under the key conv', () => {
    const layer = new Upsample({ channels: 2, useConv: true, outChannels: 3, generator: new Generator(0) });
    assert.deepEqual(layer.forward(randn([1, 2, 3, 5])).shape, [1, 3, 6, 10]);
    assert.deepEqual(Object.keys(layer.stateDict()), ['conv.weight', 'conv.bias']);
    assert.throws(() => layer.forward(randn([1, 3, 2, 2])), /expects \[B, 2, H, W\]/);
  });

  it('gradcheck', () => {
    const g = new Generator(1);
    const layer = new Upsample({ channels: 2, useConv: true, generator: g });
    gradcheckModule(layer, [leaf([1, 2, 2, 3], g)], (x: Tensor) => layer.forward(x), g);
  });
});
