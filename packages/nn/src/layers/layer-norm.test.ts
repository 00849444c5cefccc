import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, randn, type Tensor } from '@diffusion-ts/tensor';
import { check, leaf, seedArb } from '@diffusion-ts/tensor/testing';
import { LayerNorm } from './layer-norm.ts';
import { gradcheckModule } from '../testing/modules.ts';

describe('LayerNorm', () => {
  it('property: at init each normalised slice has mean 0 and variance 1', () => {
    check(fc.record({ seed: seedArb, rows: fc.integer({ min: 1, max: 4 }), d: fc.integer({ min: 2, max: 8 }), shift: fc.double({ noNaN: true, min: -5, max: 5 }) }),
      ({ seed, rows, d, shift }) => {
        const layer = new LayerNorm({ normalizedShape: d, eps: 0 }).to('float64');
        const y = layer.forward(randn([rows, d], { dtype: 'float64', generator: new Generator(seed) }).add(shift)).dataSync();
        for (let r = 0; r < rows; r++) {
          const row = Array.from(y.subarray(r * d, (r + 1) * d));
          const mean = row.reduce((a, b) => a + b, 0) / d;
          const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
          assert.ok(Math.abs(mean) < 1e-9 && Math.abs(variance - 1) < 1e-6, `row ${r}: mean ${mean}, variance ${variance}`);
        }
      });
  });

  it('normalises over several trailing dims; elementwiseAffine = false has no parameters', () => {
    const layer = new LayerNorm({ normalizedShape: [2, 3] });
    assert.deepEqual(layer.weight!.shape, [2, 3]);
    assert.deepEqual(layer.forward(randn([4, 2, 3])).shape, [4, 2, 3]);
    assert.equal(new LayerNorm({ normalizedShape: 3, elementwiseAffine: false }).numParameters(), 0);
  });

  it('gradcheck wrt input, weight and bias', () => {
    const g = new Generator(11);
    const layer = new LayerNorm({ normalizedShape: [2, 3] });
    gradcheckModule(layer, [leaf([3, 2, 3], g)], (x: Tensor) => layer.forward(x), g);
  });
});
