import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { gradcheck, leaf } from '@diffusion-ts/tensor/testing';
import { FourierFeatures } from './fourier-features.ts';

describe('FourierFeatures', () => {
  it("equals EDM's [cos(2π x f), sin(2π x f)] with its frequency buffer", () => {
    const layer = new FourierFeatures({ numChannels: 6, generator: new Generator(0) }).to('float64');
    const xs = [0.3, -1.2];
    const y = layer.forward(tensor(xs, { dtype: 'float64' })).toArray() as number[][];
    const f = Array.from(layer.freqs.dataSync());
    xs.forEach((x, n) => f.forEach((fi, i) => {
      assert.ok(Math.abs(y[n]![i]! - Math.cos(2 * Math.PI * x * fi)) < 1e-9);
      assert.ok(Math.abs(y[n]![3 + i]! - Math.sin(2 * Math.PI * x * fi)) < 1e-9);
    }));
  });

  it('keeps the frequencies as a saved buffer, not a parameter; they are N(0, scale²)', () => {
    const layer = new FourierFeatures({ numChannels: 4000, scale: 16, generator: new Generator(1) });
    assert.equal(layer.numParameters(), 0);
    assert.deepEqual(Object.keys(layer.stateDict()), ['freqs']);
    const f = Array.from(layer.freqs.dataSync());
    const std = Math.sqrt(f.reduce((a, b) => a + b * b, 0) / f.length);
    assert.ok(Math.abs(std / 16 - 1) < 0.05, `std ${std}`); // 2000 draws: relative sd of the estimate ≈ 1.6%
    assert.throws(() => new FourierFeatures({ numChannels: 5, generator: new Generator(0) }), /positive even integer/);
  });

  it('gradcheck wrt x', () => {
    const g = new Generator(2);
    const layer = new FourierFeatures({ numChannels: 4, scale: 1, generator: g }).to('float64');
    gradcheck((x: Tensor) => layer.forward(x), [leaf([3], g)], { generator: g });
  });
});
