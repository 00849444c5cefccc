import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { check, gradcheck, leaf } from '@diffusion-ts/tensor/testing';
import { timestepEmbedding } from './timestep-embedding.ts';

describe('timestepEmbedding', () => {
  it("property: entries equal guided-diffusion's formula [cos(t·f_i), sin(t·f_i)], f_i = 10000^(−i/half)", () => {
    check(fc.record({
      ts: fc.array(fc.double({ noNaN: true, min: 0, max: 4000 }), { minLength: 1, maxLength: 4 }),
      dim: fc.integer({ min: 1, max: 12 }),
    }), ({ ts, dim }) => {
      const emb = timestepEmbedding(tensor(ts, { dtype: 'float64' }), dim);
      assert.deepEqual(emb.shape, [ts.length, dim]);
      const rows = emb.toArray() as number[][], half = Math.floor(dim / 2);
      ts.forEach((t, n) => {
        for (let i = 0; i < half; i++) {
          const f = Math.pow(10000, -i / half);
          assert.ok(Math.abs(rows[n]![i]! - Math.cos(t * f)) < 1e-9);
          assert.ok(Math.abs(rows[n]![half + i]! - Math.sin(t * f)) < 1e-9);
        }
        if (dim % 2 === 1) assert.equal(rows[n]![dim - 1], 0);
      });
    });
  });

  it('t = 0 gives ones then zeros; int32 timesteps are accepted as float32; maxPeriod sets the slowest frequency', () => {
    assert.deepEqual(timestepEmbedding(tensor([0], { dtype: 'int32' }), 4).toArray(), [[1, 1, 0, 0]]);
    assert.equal(timestepEmbedding(tensor([3], { dtype: 'int32' }), 4).dtype, 'float32');
    const [, c1] = (timestepEmbedding(tensor([2], { dtype: 'float64' }), 4, 100).toArray() as number[][])[0]!;
    assert.ok(Math.abs(c1! - Math.cos(2 / 10)) < 1e-12); // f_1 = 100^(−1/2)
    assert.throws(() => timestepEmbedding(tensor([[1]]), 4), /must be 1-D/);
  });

  it('gradcheck wrt fractional timesteps', () => {
    const g = new Generator(0);
    gradcheck((t: Tensor) => timestepEmbedding(t, 6), [leaf([3], g)], { generator: g });
  });
});
