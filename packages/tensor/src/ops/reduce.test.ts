import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { argmax, argmin, max, min, sum, tensor, Generator } from '../index.ts';
import { sumToShape } from './reduce.ts';
import { check, expectOpError, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

/** A shape with a random subset of its dims (as negative or positive numbers), and keepdim. */
const reduction = shapeArb({ minDims: 1, maxDims: 4 }).chain((shape) => fc.tuple(
  fc.constant(shape),
  fc.subarray(shape.map((_, k) => k), { minLength: 1 }).chain((dims) => fc.tuple(...dims.map((d) => fc.constantFrom(d, d - shape.length)))),
  fc.boolean(),
  seedArb,
));

describe('reductions', () => {
  it('gradient: sum (dims, negative dims, keepdim, all dims)', () => {
    check(reduction, ([shape, dims, keepdim, seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => sum(x, dims, keepdim), [leaf(shape, g)], { generator: g });
      gradcheck((x) => sum(x), [leaf(shape, g)], { generator: g });
    });
  });

  const extremeGradient = (op: typeof max) => () => {
    check(reduction, ([shape, dims, keepdim, seed]) => {
      const g = new Generator(seed);
      // A random permutation of 0..n−1 (times 0.1): distinct entries, so the extreme is unique.
      const n = shape.reduce((p, d) => p * d, 1);
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) { const j = g.integer(0, i + 1); [perm[i], perm[j]] = [perm[j]!, perm[i]!]; }
      const x = tensor(Float64Array.from(perm, (v) => v * 0.1), { shape, requiresGrad: true });
      gradcheck((t) => op(t, dims, keepdim), [x], { generator: g });
    });
  };
  it('gradient: max (distinct values)', extremeGradient(max));
  it('gradient: min (distinct values)', extremeGradient(min));

  it('a sum over all dims equals nested single-dim sums', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 4 }), seedArb), ([shape, seed]) => {
      const x = leaf(shape, new Generator(seed)).detach();
      let nested = x;
      for (let k = shape.length - 1; k >= 0; k--) nested = sum(nested, k);
      assert.ok(Math.abs(nested.item() - sum(x).item()) < 1e-12 * shape.length * 10);
      const direct = [...x.dataSync()].reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum(x).item() - direct) < 1e-10);
    });
  });

  it('shapes: keepdim keeps size-1 dims, otherwise they go', () => {
    const x = tensor(new Float32Array(24), { shape: [2, 3, 4] });
    assert.deepEqual(sum(x, [0, -1]).shape, [3]);
    assert.deepEqual(sum(x, [0, -1], true).shape, [1, 3, 1]);
    assert.deepEqual(sum(x).shape, []);
    assert.deepEqual(max(x, 1, true).shape, [2, 1, 4]);
  });

  it('max and min share the gradient evenly among ties (torch.amax)', () => {
    const x = tensor([[1, 3, 3], [2, 0, 0]], { dtype: 'float64', requiresGrad: true });
    max(x, 1).sum().add(min(x, 1).sum()).backward();
    assert.deepEqual(x.grad!.toArray(), [[1, 0.5, 0.5], [1, 0.5, 0.5]]);
  });

  it('argmax / argmin give int32 indices of the first extreme', () => {
    const x = tensor([[1, 5, 5], [7, 0, 0]]);
    assert.deepEqual(argmax(x, 1).toArray(), [1, 0]);
    assert.deepEqual(argmin(x, 1).toArray(), [0, 1]);
    assert.deepEqual(argmax(x, 0, true).toArray(), [[1, 0, 0]]);
    assert.equal(argmax(x).item(), 3);
    assert.equal(argmax(x).dtype, 'int32');
  });

  it('NaN propagates through sum, max and min', () => {
    const x = tensor([1, NaN, 3]);
    for (const op of [sum, max, min]) assert.ok(Number.isNaN(op(x).item()));
  });

  it('bad dims throw the op error', () => {
    check(fc.tuple(shapeArb({ maxDims: 3 }), fc.integer({ min: 0, max: 3 })), ([shape, extra]) => {
      const x = tensor(new Float32Array(shape.reduce((p, d) => p * d, 1)), { shape });
      const bad = Math.max(shape.length, 1) + extra;
      expectOpError(() => sum(x, bad), 'sum', /out of range/);
      expectOpError(() => max(x, -bad - 1), 'max', /out of range/);
    });
    expectOpError(() => sum(tensor([[1, 2]]), [1, -1]), 'sum', /repeat/);
    expectOpError(() => max(tensor(new Float32Array(0), { shape: [0, 2] }), 0), 'max', /size 0/);
  });
});

describe('sumToShape', () => {
  it('gradient: sumToShape (the tape\'s un-broadcast)', () => {
    check(fc.tuple(shapeArb({ maxDims: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2 }), seedArb), ([shape, ones, lead, seed]) => {
      const g = new Generator(seed);
      const target = shape.map((d, k) => (ones[k] ? 1 : d));
      const big = [...Array(lead).fill(2), ...shape] as number[];
      gradcheck((x) => sumToShape(x, target), [leaf(big, g)], { generator: g });
    });
  });
});
