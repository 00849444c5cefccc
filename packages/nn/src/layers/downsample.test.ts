import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, randn, type Tensor } from '@diffusion-ts/tensor';
import { leaf } from '@diffusion-ts/tensor/testing';
import { Downsample } from './downsample.ts';
import { gradcheckModule } from '../testing/modules.ts';

describe('Downsample', () => {
  it('without a conv averages 2×2 blocks', () => {
    const layer = new Downsample({ channels: 1, useConv: false, generator: new Generator(0) });
    const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8]]]]);
    assert.deepEqual(layer.forward(x).toArray(), [[[[3.5, 5.5]]]]);
    assert.equal(layer.numParameters(), 0);
  });

  it('with a conv is a 3×3 stride-2 padding-1 conv under the key op (odd sizes round up)', () => {
    const layer = new Downsample({ channels: 2, useConv: true, generator: new Generator(0) });
    assert.deepEqual(layer.forward(randn([1, 2, 8, 8])).shape, [1, 2, 4, 4]);
    assert.deepEqual(layer.forward(randn([1, 2, 5, 7])).shape, [1, 2, 3, 4]);
    assert.deepEqual(Object.keys(layer.stateDict()), ['op.weight', 'op.bias']);
    assert.deepEqual(layer.op!.stride, [2, 2]);
    assert.throws(() => new Downsample({ channels: 2, useConv: false, outChannels: 4, generator: new Generator(0) }), /cannot change/);
  });

  it('gradcheck (conv and pool)', () => {
    const g = new Generator(3);
    const conv = new Downsample({ channels: 2, useConv: true, outChannels: 3, generator: g });
    gradcheckModule(conv, [leaf([1, 2, 4, 4], g)], (x: Tensor) => conv.forward(x), g);
    const pool = new Downsample({ channels: 2, useConv: false, generator: g });
    gradcheckModule(pool, [leaf([1, 2, 4, 2], g)], (x: Tensor) => pool.forward(x), g);
  });
});
