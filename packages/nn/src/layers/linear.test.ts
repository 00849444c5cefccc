import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, randn, type Tensor } from '@diffusion-ts/tensor';
import { check, leaf, seedArb } from '@diffusion-ts/tensor/testing';
import { Linear } from './linear.ts';
import { gradcheckModule, maxAbsDiff } from '../testing/modules.ts';

describe('Linear', () => {
  it('computes x Wᵀ + b over any leading dims', () => {
    const g = new Generator(1);
    const layer = new Linear({ inFeatures: 3, outFeatures: 2, generator: g });
    const x = randn([2, 4, 3], { generator: g });
    const y = layer.forward(x);
    assert.deepEqual(y.shape, [2, 4, 2]);
    const [xs, w, b, ys] = [x.dataSync(), layer.weight.dataSync(), layer.bias!.dataSync(), y.dataSync()];
    const expected = Array.from({ length: 16 }, (_, k) => {
      const row = Math.floor(k / 2), o = k % 2;
      return b[o]! + [0, 1, 2].reduce((s, i) => s + xs[row * 3 + i]! * w[o * 3 + i]!, 0);
    });
    assert.ok(maxAbsDiff(ys, expected) < 1e-6);
  });

  it("initialises weight and bias in PyTorch's U(±1/√fanIn), reproducibly from the generator", () => {
    const make = () => new Linear({ inFeatures: 16, outFeatures: 64, generator: new Generator(7) });
    const a = make(), b = make();
    assert.deepEqual(a.weight.dataSync(), b.weight.dataSync());
    for (const p of a.parameters()) {
      const v = p.dataSync();
      assert.ok(v.every((e) => Math.abs(e) <= 0.25));
      assert.ok(Math.max(...v) > 0.2 && Math.min(...v) < -0.2, 'values spread over the whole interval');
    }
    assert.deepEqual(a.namedParameters().map(([n, p]) => [n, p.shape]), [['weight', [64, 16]], ['bias', [64]]]);
  });

  it('has no bias key when bias = false', () => {
    const layer = new Linear({ inFeatures: 2, outFeatures: 3, bias: false, generator: new Generator(0) });
    assert.deepEqual(Object.keys(layer.stateDict()), ['weight']);
    assert.equal(layer.toString(), 'Linear(inFeatures=2, outFeatures=3, bias=false)');
  });

  it('gradcheck: VJP wrt input, weight and bias agrees with central differences', () => {
    check(fc.record({ seed: seedArb, n: fc.integer({ min: 1, max: 3 }), i: fc.integer({ min: 1, max: 4 }), o: fc.integer({ min: 1, max: 4 }), bias: fc.boolean() }),
      ({ seed, n, i, o, bias }) => {
        const g = new Generator(seed);
        const layer = new Linear({ inFeatures: i, outFeatures: o, bias, generator: g });
        gradcheckModule(layer, [leaf([n, i], g)], (x: Tensor) => layer.forward(x), g);
      }, { numRuns: 10 });
  });
});
