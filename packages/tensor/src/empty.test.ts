// Tensors with a size-0 dim, where the result is meaningful: shapes propagate, sums of nothing are 0,
// products over an empty inner dimension are 0, and gradients keep their shapes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cat, matmul, tensor, zeros } from './index.ts';
import { check, shapeArb } from './testing/index.ts';

const empty = (shape: number[]) => zeros(shape, { dtype: 'float64', requiresGrad: true });

describe('empty tensors', () => {
  it('elementwise ops and broadcasting keep a size-0 dim', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 3 }), fc.nat()), ([shape, k]) => {
      const withZero = shape.map((d, i) => (i === k % shape.length ? 0 : d));
      const x = empty(withZero);
      const y = x.mul(2).add(tensor(1, { dtype: 'float64' })).exp();
      assert.deepEqual(y.shape, withZero);
      assert.equal(y.numel(), 0);
      y.sum().backward();
      assert.deepEqual(x.grad!.shape, withZero);
    });
  });

  it('a sum over an empty dim is 0, a mean is NaN, like PyTorch', () => {
    const x = zeros([3, 0], { dtype: 'float64' });
    assert.deepEqual(x.sum(1).toArray(), [0, 0, 0]);
    assert.ok(Number.isNaN(x.mean().item()));
  });

  it('matmul with an empty inner dimension gives zeros; with an empty outer one, an empty result', () => {
    const a = empty([2, 0]), b = empty([0, 3]);
    const c = matmul(a, b);
    assert.deepEqual(c.toArray(), [[0, 0, 0], [0, 0, 0]]);
    c.sum().backward();
    assert.deepEqual(a.grad!.shape, [2, 0]);
    assert.deepEqual(matmul(empty([0, 4]), empty([4, 5])).shape, [0, 5]);
  });

  it('cat skips empty pieces; reshape and toString handle them', () => {
    const joined = cat([tensor([[1, 2]]), zeros([0, 2])], 0);
    assert.deepEqual(joined.toArray(), [[1, 2]]);
    assert.deepEqual(zeros([2, 0, 3]).reshape(0, 6).shape, [0, 6]);
    assert.equal(zeros([2, 0]).toString(), 'tensor([], size=[2, 0])');
  });
});
