import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { logsumexp, mean, std, sum, tensor, variance, Generator, type Tensor } from '../index.ts';
import { check, expectOpError, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    assert.ok(a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e), `entry ${i}: ${a} vs ${e}`);
  }
};

type Dims = number | number[] | undefined;

/** A shape and a dims argument for it: omitted (all dims), one dim, or a list; negative dims included. */
const shapeAndDims = (minDims = 0) => shapeArb({ minDims }).chain((shape) =>
  fc.tuple(fc.constant(shape), fc.oneof(
    fc.constant(undefined),
    shape.length === 0 ? fc.constant(undefined) : fc.integer({ min: -shape.length, max: shape.length - 1 }),
    fc.subarray([...shape.keys()]).chain((ds) => fc.tuple(...ds.map((d) => fc.constantFrom(d, d - shape.length)))),
  ) as fc.Arbitrary<Dims>, fc.boolean()));

const normDims = (dims: Dims, ndim: number): number[] =>
  dims === undefined ? [...Array(ndim).keys()] : (typeof dims === 'number' ? [dims] : dims).map((d) => (d < 0 ? d + ndim : d));

/**
 * Reduce by hand: for each output position (row-major over the kept dims), the list of values over
 * the reduced dims, then `f` of that list.
 */
function reduceDirect(x: Tensor, dims: Dims, f: (values: number[]) => number): number[] {
  const data = x.dataSync(), shape = x.shape, reduced = normDims(dims, shape.length);
  const groups = new Map<string, number[]>();
  for (let flat = 0; flat < data.length; flat++) {
    let rest = flat;
    const index = shape.map(() => 0);
    for (let k = shape.length - 1; k >= 0; k--) { index[k] = rest % shape[k]!; rest = Math.floor(rest / shape[k]!); }
    const key = index.filter((_, k) => !reduced.includes(k)).join(',');
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(data[flat]!);
  }
  return [...groups.values()].map(f); // insertion order = row-major order of the kept dims
}

const keptShape = (shape: readonly number[], dims: Dims, keepdim: boolean): number[] => {
  const reduced = normDims(dims, shape.length);
  return keepdim ? shape.map((d, k) => (reduced.includes(k) ? 1 : d)) : shape.filter((_, k) => !reduced.includes(k));
};

const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const varOf = (correction: number) => (v: number[]) => { const m = meanOf(v); return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - correction); };
const lseOf = (v: number[]) => Math.log(v.reduce((a, b) => a + Math.exp(b), 0));
const count = (shape: readonly number[], dims: Dims) => normDims(dims, shape.length).reduce((n, d) => n * shape[d]!, 1);

describe('reductions', () => {
  it('gradient: mean (dims, keepdim)', () => {
    check(fc.tuple(shapeAndDims(), seedArb), ([[shape, dims, keepdim], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => mean(x, dims, keepdim), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: variance (dims, keepdim, correction 0 and 1)', () => {
    check(fc.tuple(shapeAndDims(), fc.constantFrom(0, 1), seedArb), ([[shape, dims, keepdim], correction, seed]) => {
      if (count(shape, dims) <= correction) return; // N − correction = 0: no finite variance
      const g = new Generator(seed);
      gradcheck((x) => variance(x, dims, { correction, keepdim }), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: std (dims, keepdim, correction 0 and 1)', () => {
    check(fc.tuple(shapeAndDims(), fc.constantFrom(0, 1), seedArb), ([[shape, dims, keepdim], correction, seed]) => {
      if (count(shape, dims) < 2) return; // a single value has std 0, where √ is not differentiable
      const g = new Generator(seed);
      gradcheck((x) => std(x, dims, { correction, keepdim }), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: logsumexp (dims, keepdim, large offsets)', () => {
    check(fc.tuple(shapeAndDims(), seedArb, fc.constantFrom(0, 500, -500)), ([[shape, dims, keepdim], seed, offset]) => {
      const g = new Generator(seed);
      const x = leaf(shape, g).add(offset).detach().requiresGrad_();
      gradcheck((t) => logsumexp(t, dims, keepdim), [x], { generator: g });
    });
  });

  it('mean, variance and std agree with a direct float64 computation (correction 0 and 1), with keepdim shapes', () => {
    check(fc.tuple(shapeAndDims(), fc.constantFrom(0, 1), seedArb), ([[shape, dims, keepdim], correction, seed]) => {
      const x = leaf(shape, new Generator(seed)).detach();
      const m = mean(x, dims, keepdim);
      assert.deepEqual(m.shape, keptShape(shape, dims, keepdim));
      assertClose(m.dataSync(), reduceDirect(x, dims, meanOf), 1e-14, 1e-12);
      if (count(shape, dims) <= correction) return;
      const v = variance(x, dims, { correction, keepdim }), s = std(x, dims, { correction, keepdim });
      assert.deepEqual(v.shape, keptShape(shape, dims, keepdim));
      assert.deepEqual(s.shape, keptShape(shape, dims, keepdim));
      const expected = reduceDirect(x, dims, varOf(correction));
      assertClose(v.dataSync(), expected, 1e-13, 1e-12);
      assertClose(s.dataSync(), expected.map(Math.sqrt), 1e-13, 1e-12);
    });
  });

  it('variance defaults to the unbiased estimate (correction 1)', () => {
    const x = tensor([1, 2, 3, 4], { dtype: 'float64' });
    assert.equal(variance(x).item(), 5 / 3);
    assert.equal(variance(x, 0, { correction: 0 }).item(), 5 / 4);
    assert.equal(std(x).item(), Math.sqrt(5 / 3));
  });

  it('logsumexp agrees with log Σ exp computed directly in float64', () => {
    check(fc.tuple(shapeAndDims(), seedArb), ([[shape, dims, keepdim], seed]) => {
      const x = leaf(shape, new Generator(seed), 3).detach();
      const y = logsumexp(x, dims, keepdim);
      assert.deepEqual(y.shape, keptShape(shape, dims, keepdim));
      assertClose(y.dataSync(), reduceDirect(x, dims, lseOf), 1e-13, 1e-13);
    });
  });

  it('logsumexp is stable for huge inputs: lse(x ± 1000) = lse(x) ± 1000, finite in float32 and float64', () => {
    check(fc.tuple(shapeAndDims(), seedArb, fc.constantFrom(1000, -1000)), ([[shape, dims, keepdim], seed, offset]) => {
      const x = leaf(shape, new Generator(seed)).detach();
      const expected = reduceDirect(x, dims, lseOf).map((v) => v + offset);
      assertClose(logsumexp(x.add(offset), dims, keepdim).dataSync(), expected, 1e-10, 1e-13);
      const y32 = logsumexp(x.add(offset).to('float32'), dims, keepdim).dataSync();
      assert.ok([...y32].every(Number.isFinite));
      assertClose(y32, expected, 1e-3, 1e-5);
    });
    assert.equal(logsumexp(tensor([1000, 1000], { dtype: 'float64' })).item(), 1000 + Math.LN2);
  });

  it('logsumexp of an all −∞ row is −∞ (not NaN), and +∞ dominates', () => {
    const x = tensor([[-Infinity, -Infinity], [0, Infinity]], { dtype: 'float64' });
    assert.deepEqual([...logsumexp(x, 1).dataSync()], [-Infinity, Infinity]);
  });

  it('reducing over all dims at once equals nested reductions one dim at a time', () => {
    check(fc.tuple(shapeArb({ minDims: 1 }), seedArb, fc.boolean()), ([shape, seed, lastFirst]) => {
      const x = leaf(shape, new Generator(seed)).detach();
      const order = [...shape.keys()].sort((a, b) => (lastFirst ? b - a : a - b));
      const nested = (f: (t: Tensor, d: number) => Tensor) => order.reduce((t, d) => f(t, d), x);
      // Reducing with keepdim keeps the dim indices of the remaining dims valid.
      assertClose(nested((t, d) => sum(t, d, true)).dataSync(), sum(x).dataSync(), 1e-13, 1e-13);
      assertClose(nested((t, d) => mean(t, d, true)).dataSync(), mean(x).dataSync(), 1e-14, 1e-13);
      assertClose(nested((t, d) => logsumexp(t, d, true)).dataSync(), logsumexp(x).dataSync(), 1e-13, 1e-13);
      assert.deepEqual(mean(x).shape, []);
      assert.deepEqual(logsumexp(x, undefined, true).shape, shape.map(() => 1));
    });
  });

  it('an out-of-range or repeated dim throws the op\'s own error', () => {
    const ops = { mean: (x: Tensor, d: number[]) => mean(x, d), variance: (x: Tensor, d: number[]) => variance(x, d), std: (x: Tensor, d: number[]) => std(x, d), logsumexp: (x: Tensor, d: number[]) => logsumexp(x, d) };
    check(fc.tuple(shapeArb({ minDims: 1 }), fc.integer({ min: 0, max: 3 }), fc.boolean()), ([shape, extra, negative]) => {
      const x = leaf(shape, new Generator(0)).detach();
      const bad = negative ? -shape.length - 1 - extra : shape.length + extra;
      for (const [name, op] of Object.entries(ops)) {
        expectOpError(() => op(x, [bad]), name, /out of range/);
        expectOpError(() => op(x, [0, -shape.length]), name, /repeat/);
      }
    });
  });
});
