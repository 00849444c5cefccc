import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { div, exp, log, logSoftmax, max, softmax, sub, sum, tensor, where, Generator, noGrad, type Tensor } from '../index.ts';
import { check, expectOpError, expectSameAsComposed, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    assert.ok(a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e), `entry ${i}: ${a} vs ${e}`);
  }
};

/** A non-scalar shape and a dim of it (negative dims included). */
const shapeAndDim = shapeArb({ minDims: 1 }).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 })));
const norm = (dim: number, ndim: number) => (dim < 0 ? dim + ndim : dim);

/** softmax along `dim` computed entry by entry in float64: exp(xᵢ − m) / Σⱼ exp(xⱼ − m). */
function softmaxDirect(x: Tensor, dim: number): number[] {
  const data = x.dataSync(), shape = x.shape, d = norm(dim, shape.length);
  const n = shape[d]!, inner = shape.slice(d + 1).reduce((p, m) => p * m, 1);
  return Array.from(data, (_, flat) => {
    const base = flat - (Math.floor(flat / inner) % n) * inner;
    const row = Array.from({ length: n }, (_, j) => data[base + j * inner]!);
    const m = Math.max(...row);
    return Math.exp(data[flat]! - m) / row.reduce((s, v) => s + Math.exp(v - m), 0);
  });
}

/** softmax as it was composed before the fused op (ops/softmax.ts): exp(x − m) / Σ exp(x − m), m detached. */
function composedSoftmax(x: Tensor, dim: number): Tensor {
  const m = noGrad(() => max(x, dim, true));
  const e = exp(sub(x, noGrad(() => where(m.abs().lt(Infinity), m, 0))));
  return div(e, sum(e, dim, true));
}

describe('softmax', () => {
  it('softmax (the fused op) matches its composed form: values, gradients and second derivatives', () => {
    check(fc.tuple(shapeAndDim, seedArb), ([[shape, dim], seed]) => {
      const g = new Generator(seed);
      expectSameAsComposed((x) => softmax(x!, dim), (x) => composedSoftmax(x!, dim), [leaf(shape, g, 3)], g, 1e-13);
    });
  });

  it('gradient: softmax (any dim)', () => {
    check(fc.tuple(shapeAndDim, seedArb), ([[shape, dim], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => softmax(x, dim), [leaf(shape, g, 2)], { generator: g });
    });
  });

  it('gradient: logSoftmax (any dim)', () => {
    check(fc.tuple(shapeAndDim, seedArb), ([[shape, dim], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => logSoftmax(x, dim), [leaf(shape, g, 2)], { generator: g });
    });
  });

  it('agrees with a direct float64 computation; rows are positive and sum to 1', () => {
    check(fc.tuple(shapeAndDim, seedArb), ([[shape, dim], seed]) => {
      const x = leaf(shape, new Generator(seed), 3).detach(), y = softmax(x, dim);
      assert.deepEqual(y.shape, shape);
      assertClose(y.dataSync(), softmaxDirect(x, dim), 1e-15, 1e-13);
      assert.ok([...y.dataSync()].every((p) => p > 0 && p <= 1));
      assertClose(sum(y, dim).dataSync(), new Float64Array(y.numel() / shape[norm(dim, shape.length)]!).fill(1), 1e-14);
    });
  });

  it('is invariant to adding a constant along the dim (one per row, up to ±1000)', () => {
    check(fc.tuple(shapeAndDim, seedArb, fc.double({ noNaN: true, min: -1000, max: 1000 })), ([[shape, dim], seed, c]) => {
      const g = new Generator(seed);
      const x = leaf(shape, g).detach();
      const d = norm(dim, shape.length);
      // A different constant for each row: broadcast along `dim` only.
      const shift = leaf(shape.map((m, k) => (k === d ? 1 : m)), g).mul(c).detach();
      assertClose(softmax(x.add(shift), dim).dataSync(), softmax(x, dim).dataSync(), 1e-12, 1e-9);
      assertClose(logSoftmax(x.add(shift), dim).dataSync(), logSoftmax(x, dim).dataSync(), 1e-9, 1e-9);
    });
  });

  it('logSoftmax = log(softmax), and is ≤ 0', () => {
    check(fc.tuple(shapeAndDim, seedArb), ([[shape, dim], seed]) => {
      const x = leaf(shape, new Generator(seed), 3).detach();
      const ls = logSoftmax(x, dim);
      assertClose(ls.dataSync(), log(softmax(x, dim)).dataSync(), 1e-13, 1e-13);
      assertClose(ls.dataSync(), softmaxDirect(x, dim).map(Math.log), 1e-13, 1e-13);
      assert.ok([...ls.dataSync()].every((v) => v <= 0));
    });
  });

  it('never overflows for huge inputs, in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      // The shift must not cost precision at the scale of the inputs: a few ulps of float32 at most.
      const y = softmax(tensor([[1000, 1000], [1000, 0], [-1000, -1000], [-1000, 1000]], { dtype }), 1).dataSync();
      assertClose(y, [0.5, 0.5, 1, 0, 0.5, 0.5, 0, 1], 1e-7);
      const ls = logSoftmax(tensor([1000, 1000, 0], { dtype }), 0).dataSync();
      assertClose(ls, [-Math.LN2, -Math.LN2, -1000 - Math.LN2], 1e-7, 1e-7);
    }
  });

  it('−∞ entries get probability 0 and the rest renormalise', () => {
    const y = softmax(tensor([[0, -Infinity, 0], [-Infinity, 5, -Infinity]], { dtype: 'float64' }), -1);
    assert.deepEqual([...y.dataSync()], [0.5, 0, 0.5, 0, 1, 0]);
  });

  it('an out-of-range dim throws the op\'s own error', () => {
    check(fc.tuple(shapeArb({ minDims: 1 }), fc.integer({ min: 0, max: 3 })), ([shape, extra]) => {
      const x = leaf(shape, new Generator(0)).detach();
      for (const bad of [shape.length + extra, -shape.length - 1 - extra, 0.5]) {
        expectOpError(() => softmax(x, bad), 'softmax', /out of range/);
        expectOpError(() => logSoftmax(x, bad), 'logSoftmax', /out of range/);
      }
    });
  });
});
