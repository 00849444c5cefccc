import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { check, leaf, seedArb } from '@diffusion-ts/tensor/testing';
import { GroupNorm } from './group-norm.ts';
import { gradcheckModule } from '../testing/modules.ts';

describe('GroupNorm', () => {
  it('property: at init (weight 1, bias 0) each group of the output has mean 0 and variance 1', () => {
    check(fc.record({
      seed: seedArb, n: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 4 }), perGroup: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 4 }), w: fc.integer({ min: 2, max: 4 }), shift: fc.double({ noNaN: true, min: -5, max: 5 }), scale: fc.double({ noNaN: true, min: 0.5, max: 4 }),
    }), ({ seed, n, groups, perGroup, h, w, shift, scale }) => {
      const c = groups * perGroup;
      const layer = new GroupNorm({ numGroups: groups, numChannels: c, eps: 0 });
      const x = randn([n, c, h, w], { dtype: 'float64', generator: new Generator(seed) }).mul(scale).add(shift);
      const y = layer.to('float64').forward(x).dataSync();
      const size = perGroup * h * w; // each group is a contiguous block of [n, c, h, w]
      for (let start = 0; start < y.length; start += size) {
        const block = Array.from(y.subarray(start, start + size));
        const mean = block.reduce((a, b) => a + b, 0) / size;
        const variance = block.reduce((a, b) => a + (b - mean) ** 2, 0) / size;
        assert.ok(Math.abs(mean) < 1e-9, `group mean ${mean}`);
        assert.ok(Math.abs(variance - 1) < 1e-6, `group variance ${variance}`);
      }
    });
  });

  it('applies the per-channel affine after normalising: y = γ_c · x̂ + β_c', () => {
    const layer = new GroupNorm({ numGroups: 1, numChannels: 2, eps: 0 }).to('float64');
    layer.weight!.assign(tensor([2, -3], { dtype: 'float64' }));
    layer.bias!.assign(tensor([0.5, 1], { dtype: 'float64' }));
    // One group over [1, 2] and [3, 5]: mean 2.75, variance 2.1875.
    const y = layer.forward(tensor([[[[1, 2]], [[3, 5]]]], { dtype: 'float64' })).dataSync();
    const xhat = [1, 2, 3, 5].map((v) => (v - 2.75) / Math.sqrt(2.1875));
    const expected = [2 * xhat[0]! + 0.5, 2 * xhat[1]! + 0.5, -3 * xhat[2]! + 1, -3 * xhat[3]! + 1];
    expected.forEach((e, i) => assert.ok(Math.abs(y[i]! - e) < 1e-12));
  });

  it('rejects channels not divisible into the groups, and names its parameters weight and bias', () => {
    assert.throws(() => new GroupNorm({ numGroups: 32, numChannels: 48 }), /48 channels cannot be split into 32 groups/);
    assert.deepEqual(Object.keys(new GroupNorm({ numGroups: 2, numChannels: 4 }).stateDict()), ['weight', 'bias']);
    assert.deepEqual(Object.keys(new GroupNorm({ numGroups: 2, numChannels: 4, affine: false }).stateDict()), []);
  });

  it('gradcheck wrt input, weight and bias', () => {
    check(fc.record({ seed: seedArb, groups: fc.integer({ min: 1, max: 2 }), perGroup: fc.integer({ min: 1, max: 2 }) }), ({ seed, groups, perGroup }) => {
      const g = new Generator(seed);
      const layer = new GroupNorm({ numGroups: groups, numChannels: groups * perGroup });
      gradcheckModule(layer, [leaf([2, groups * perGroup, 2, 3], g)], (x: Tensor) => layer.forward(x), g);
    }, { numRuns: 10 });
  });
});
