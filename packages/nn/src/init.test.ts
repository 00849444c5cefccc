import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '@diffusion-ts/tensor';
import { constant, fanInUniform, metaInit, normal, uniform, zeroModule } from './init.ts';
import { Linear } from './layers/linear.ts';

const moments = (v: ArrayLike<number>): [number, number] => {
  const a = Array.from(v), mean = a.reduce((s, x) => s + x, 0) / a.length;
  return [mean, a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length];
};

describe('init', () => {
  it('uniform(bound) lies in [−bound, bound) with mean 0 and variance bound²/3', () => {
    const v = uniform([20000], 0.5, { generator: new Generator(0) }).dataSync();
    assert.ok(v.every((x) => x >= -0.5 && x < 0.5));
    const [mean, variance] = moments(v);
    // 2·10⁴ draws: sd of the mean ≈ 0.002, of the variance ≈ 0.0005.
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(variance - 0.25 / 3) < 0.003, `mean ${mean}, variance ${variance}`);
  });

  it('normal(mean, std) has those moments', () => {
    const [mean, variance] = moments(normal([20000], 1, 2, { generator: new Generator(1) }).dataSync());
    assert.ok(Math.abs(mean - 1) < 0.07 && Math.abs(variance - 4) < 0.25, `mean ${mean}, variance ${variance}`);
  });

  it('is a pure function of the generator state, and advances it', () => {
    const a = new Generator(3), b = new Generator(3);
    assert.deepEqual(fanInUniform([10], 4, { generator: a }).dataSync(), fanInUniform([10], 4, { generator: b }).dataSync());
    assert.notDeepEqual(fanInUniform([10], 4, { generator: a }).dataSync(), fanInUniform([10], 4, { generator: new Generator(4) }).dataSync());
    assert.deepEqual(constant([2], 1.5).toArray(), [1.5, 1.5]);
  });

  it('zeroModule zeroes every parameter and keeps them trainable', () => {
    const layer = zeroModule(new Linear({ inFeatures: 3, outFeatures: 2, generator: new Generator(0) }));
    for (const p of layer.parameters()) {
      assert.ok(p.dataSync().every((x) => x === 0));
      assert.equal(p.requiresGrad, true);
    }
    assert.deepEqual(Object.keys(layer.stateDict()), ['weight', 'bias']);
  });

  it('metaInit builds shapes without values, and only inside its scope', () => {
    const layer = metaInit(() => new Linear({ inFeatures: 1000, outFeatures: 1000, generator: new Generator(0) }));
    assert.equal(layer.numParameters(), 1_001_000);
    assert.throws(() => layer.weight.dataSync(), /disposed tensor of shape \[1000,1000\]/);
    assert.equal(new Linear({ inFeatures: 2, outFeatures: 2, generator: new Generator(0) }).weight.dataSync().length, 4);
  });
});
