import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { gradcheck, leaf } from '@diffusion-ts/tensor/testing';
import { SiLU } from './silu.ts';

describe('SiLU', () => {
  it('is x·σ(x), parameter-free', () => {
    const xs = [-3, -0.5, 0, 0.7, 4];
    const y = new SiLU().forward(tensor(xs, { dtype: 'float64' })).dataSync();
    xs.forEach((x, i) => assert.ok(Math.abs(y[i]! - x / (1 + Math.exp(-x))) < 1e-12));
    assert.equal(new SiLU().numParameters(), 0);
    assert.equal(new SiLU().toString(), 'SiLU()');
  });

  it('gradcheck', () => {
    const g = new Generator(0);
    gradcheck((x: Tensor) => new SiLU().forward(x), [leaf([2, 5], g)], { generator: g });
  });
});
