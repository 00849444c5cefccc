import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dropout, ones, randn, Generator } from '../index.ts';
import { check, expectOpError, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

const pArb = fc.double({ noNaN: true, min: 0, max: 0.95 });

describe('dropout', () => {
  it('gradient: dropout (p, training and eval, a fixed mask per seed)', () => {
    check(fc.tuple(shapeArb(), fc.oneof(pArb, fc.constantFrom(0, 1)), fc.boolean(), seedArb), ([shape, p, training, seed]) => {
      const g = new Generator(seed);
      // A fresh generator with one seed per call draws the same mask for every evaluation.
      gradcheck((x) => dropout(x, p, { training, generator: new Generator(seed) }), [leaf(shape, g)], { generator: g });
    });
  });

  it('p = 0 and evaluation mode are the identity', () => {
    check(fc.tuple(shapeArb(), pArb, seedArb), ([shape, p, seed]) => {
      const x = leaf(shape, new Generator(seed)).detach();
      assert.deepEqual([...dropout(x, 0, { generator: new Generator(seed) }).dataSync()], [...x.dataSync()]);
      assert.deepEqual([...dropout(x, p, { training: false }).dataSync()], [...x.dataSync()]);
    });
  });

  it('every entry is dropped (0) or scaled by 1/(1 − p), and the gradient is the same mask; p = 1 drops all', () => {
    check(fc.tuple(shapeArb(), pArb, fc.constantFrom('float32', 'float64') as fc.Arbitrary<'float32' | 'float64'>, seedArb), ([shape, p, dtype, seed]) => {
      const x = randn(shape, { dtype, generator: new Generator(seed) }).requiresGrad_();
      const y = dropout(x, p, { generator: new Generator(seed + 1) });
      y.sum().backward();
      const [X, Y, G] = [x.dataSync(), y.dataSync(), x.grad!.dataSync()];
      const rtol = dtype === 'float32' ? 1e-6 : 1e-15;
      for (let i = 0; i < X.length; i++) {
        const kept = Y[i] !== 0 || X[i] === 0;
        if (kept) {
          assert.ok(Math.abs(Y[i]! - X[i]! / (1 - p)) <= rtol * Math.abs(X[i]! / (1 - p)), `entry ${i}: ${Y[i]} vs ${X[i]}/(1 − ${p})`);
          assert.ok(Math.abs(G[i]! - 1 / (1 - p)) <= rtol / (1 - p), `grad ${i}: ${G[i]}`);
        } else {
          assert.equal(G[i], 0);
        }
      }
      assert.ok([...dropout(x, 1).dataSync()].every((v) => v === 0));
    });
  });

  it('the same generator seed gives the same mask; another seed a different one', () => {
    check(fc.tuple(shapeArb(), pArb, seedArb), ([shape, p, seed]) => {
      const x = leaf(shape, new Generator(seed)).detach();
      const a = dropout(x, p, { generator: new Generator(seed) }), b = dropout(x, p, { generator: new Generator(seed) });
      assert.deepEqual([...a.dataSync()], [...b.dataSync()]);
    });
    const x = ones([64, 64], { dtype: 'float64' });
    assert.notDeepEqual([...dropout(x, 0.5, { generator: new Generator(1) }).dataSync()], [...dropout(x, 0.5, { generator: new Generator(2) }).dataSync()]);
  });

  it('keeps a fraction near 1 − p of a big tensor (within 5 binomial standard deviations)', () => {
    check(fc.tuple(fc.double({ noNaN: true, min: 0.05, max: 0.95 }), seedArb), ([p, seed]) => {
      const n = 20000, y = dropout(ones([n], { dtype: 'float64' }), p, { generator: new Generator(seed) }).dataSync();
      const kept = [...y].filter((v) => v !== 0).length / n;
      assert.ok(Math.abs(kept - (1 - p)) <= 5 * Math.sqrt((p * (1 - p)) / n), `p = ${p}: kept ${kept}`);
    });
  });

  it('a probability outside [0, 1] throws the op\'s own error', () => {
    const x = ones([2]);
    check(fc.oneof(fc.double({ min: 1, max: 1e9, minExcluded: true, noNaN: true }), fc.double({ min: -1e9, max: -Number.MIN_VALUE, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity)), (p) => {
      expectOpError(() => dropout(x, p), 'dropout', /probability must be in \[0, 1\]/);
      expectOpError(() => dropout(x, p, { training: false }), 'dropout', /probability/);
    });
  });
});
