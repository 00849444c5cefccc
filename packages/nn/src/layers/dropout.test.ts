import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, type Tensor } from '@diffusion-ts/tensor';
import { gradcheck, leaf } from '@diffusion-ts/tensor/testing';
import { Dropout } from './dropout.ts';

describe('Dropout', () => {
  it('in training mode zeroes entries with probability p and scales the rest by 1/(1 − p)', () => {
    const layer = new Dropout({ p: 0.25, generator: new Generator(1) });
    const x = randn([4000], { generator: new Generator(2) });
    const [xs, ys] = [x.dataSync(), layer.forward(x).dataSync()];
    let dropped = 0;
    xs.forEach((v, i) => {
      if (ys[i] === 0) dropped++;
      else assert.ok(Math.abs(ys[i]! - v / 0.75) < 1e-5);
    });
    // Binomial(4000, 0.25): mean 1000, sd ≈ 27; 5 sd either side.
    assert.ok(Math.abs(dropped - 1000) < 140, `dropped ${dropped}`);
  });

  it('is the identity in eval mode, and reproducible from its generator in training mode', () => {
    const x = randn([50], { generator: new Generator(3) });
    const layer = new Dropout({ p: 0.5, generator: new Generator(9) });
    assert.equal(layer.eval().forward(x), x);
    const again = new Dropout({ p: 0.5, generator: new Generator(9) });
    assert.deepEqual(layer.train().forward(x).dataSync(), again.forward(x).dataSync());
    assert.throws(() => new Dropout({ p: 1.5, generator: new Generator(0) }), /probability must be in \[0, 1\]/);
  });

  it('gradcheck with a fixed mask (the generator reseeded for each evaluation)', () => {
    const g = new Generator(4), maskGenerator = new Generator(0);
    const layer = new Dropout({ p: 0.3, generator: maskGenerator });
    gradcheck((x: Tensor) => { maskGenerator.manualSeed(17); return layer.forward(x); }, [leaf([3, 4], g)], { generator: g });
  });
});
