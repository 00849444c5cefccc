import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { embedding, tensor, Generator, type Tensor } from '../index.ts';
import { check, expectOpError, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

/** A table [numEmbeddings, dim] and ids of any shape (0-d included) within it. */
const lookupArb = fc.record({ rows: fc.integer({ min: 1, max: 4 }), dim: fc.integer({ min: 1, max: 4 }), idsShape: shapeArb() })
  .chain(({ rows, dim, idsShape }) => fc.record({
    rows: fc.constant(rows), dim: fc.constant(dim), idsShape: fc.constant(idsShape),
    ids: fc.array(fc.nat({ max: rows - 1 }), { minLength: idsShape.reduce((p, d) => p * d, 1), maxLength: idsShape.reduce((p, d) => p * d, 1) }),
  }));
const int32 = (ids: readonly number[], shape: readonly number[]): Tensor => tensor(Int32Array.from(ids), { shape });

describe('embedding', () => {
  it('gradient: embedding (repeated ids accumulate into their row)', () => {
    check(fc.tuple(lookupArb, seedArb), ([{ rows, dim, idsShape, ids }, seed]) => {
      const g = new Generator(seed);
      gradcheck((w) => embedding(int32(ids, idsShape), w), [leaf([rows, dim], g)], { generator: g });
    });
  });

  it('picks rows: out[...i] = weight[ids[...i]], shape [...ids.shape, dim]', () => {
    check(fc.tuple(lookupArb, seedArb), ([{ rows, dim, idsShape, ids }, seed]) => {
      const w = leaf([rows, dim], new Generator(seed)).detach(), W = [...w.dataSync()];
      const y = embedding(int32(ids, idsShape), w);
      assert.deepEqual(y.shape, [...idsShape, dim]);
      assert.deepEqual([...y.dataSync()], ids.flatMap((id) => W.slice(id * dim, (id + 1) * dim)));
    });
  });

  it('the weight gradient counts how often each row was picked', () => {
    check(lookupArb, ({ rows, dim, idsShape, ids }) => {
      const w = leaf([rows, dim], new Generator(0));
      embedding(int32(ids, idsShape), w).sum().backward();
      const counts = Array.from({ length: rows }, (_, r) => ids.filter((id) => id === r).length);
      assert.deepEqual([...w.grad!.dataSync()], counts.flatMap((n) => Array(dim).fill(n)));
    });
  });

  it('a weight that is not 2-D, or ids that are not int32, throw the op\'s own error', () => {
    check(lookupArb, ({ rows, dim, idsShape, ids }) => {
      const good = int32(ids, idsShape);
      expectOpError(() => embedding(good, leaf([rows * dim], new Generator(0)).detach()), 'embedding', /\[numEmbeddings, dim\]/);
      expectOpError(() => embedding(good, leaf([1, rows, dim], new Generator(0)).detach()), 'embedding', /\[numEmbeddings, dim\]/);
      expectOpError(() => embedding(tensor(Float32Array.from(ids), { shape: idsShape }), leaf([rows, dim], new Generator(0)).detach()), 'embedding', /int32/);
    });
  });
});
