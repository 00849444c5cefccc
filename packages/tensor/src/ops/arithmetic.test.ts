import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { add, div, mul, neg, pow, sub, tensor, expand, broadcastShapes, Generator } from '../index.ts';
import { broadcastableShapes, check, expectOpError, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

const binaryCases = { add, sub, mul, div, pow } as const;

describe('arithmetic', () => {
  /** The gradient property of a broadcasting binary op; div and pow get operands in their smooth domain. */
  const binaryGradient = (name: keyof typeof binaryCases) => () => {
    check(fc.tuple(broadcastableShapes(2), seedArb), ([[sa, sb], seed]) => {
      const g = new Generator(seed);
      const positive = (shape: number[]) => leaf(shape, g).abs().add(0.5).detach().requiresGrad_();
      const a = name === 'pow' ? positive(sa!) : leaf(sa!, g);
      const b = name === 'div' ? positive(sb!) : leaf(sb!, g);
      gradcheck(binaryCases[name], [a, b], { generator: g });
    });
  };
  it('gradient: add (broadcasting)', binaryGradient('add'));
  it('gradient: sub (broadcasting)', binaryGradient('sub'));
  it('gradient: mul (broadcasting)', binaryGradient('mul'));
  it('gradient: div (broadcasting)', binaryGradient('div'));
  it('gradient: pow (broadcasting)', binaryGradient('pow'));

  it('gradient: neg', () => {
    check(fc.tuple(shapeArb(), seedArb), ([shape, seed]) => {
      const g = new Generator(seed);
      gradcheck(neg, [leaf(shape, g)], { generator: g });
    });
  });

  it('values equal the scalar operations, and broadcasting agrees with explicit expand', () => {
    check(fc.tuple(broadcastableShapes(2), seedArb), ([[sa, sb], seed]) => {
      const g = new Generator(seed);
      const a = leaf(sa!, g).detach(), b = leaf(sb!, g).detach();
      const shape = broadcastShapes('test', sa!, sb!);
      const [ea, eb] = [expand(a, shape).dataSync(), expand(b, shape).dataSync()];
      const fns = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y };
      for (const [name, f] of Object.entries(fns)) {
        const out = binaryCases[name as keyof typeof fns](a, b);
        assert.deepEqual(out.shape, shape);
        assert.deepEqual([...out.dataSync()], [...ea].map((x, i) => f(x, eb[i]!)));
      }
    });
  });

  it('numbers act as scalars of the tensor dtype, on either side', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    assert.deepEqual(x.add(1).toArray(), [2, 3, 4]);
    assert.deepEqual(sub(10, x).toArray(), [9, 8, 7]);
    assert.equal(pow(2, x).dtype, 'float64');
    assert.deepEqual(pow(2, x).toArray(), [2, 4, 8]);
  });

  it('non-broadcastable shapes throw the op error, never a result', () => {
    const arb = fc.tuple(shapeArb({ minDims: 1 }), fc.nat(), fc.integer({ min: 2, max: 4 }));
    check(arb, ([shape, at, extra]) => {
      const k = at % shape.length;
      if (shape[k] === 1) return; // size 1 broadcasts; not an invalid pair
      const other = shape.map((d, i) => (i === k ? d + extra : d));
      for (const [name, op] of Object.entries(binaryCases)) {
        expectOpError(() => op(tensor(new Float32Array(shape.reduce((p, d) => p * d, 1)), { shape }), tensor(new Float32Array(other.reduce((p, d) => p * d, 1)), { shape: other })), name, /cannot be broadcast/);
      }
    });
  });

  it('mixing dtypes is an error that names both', () => {
    expectOpError(() => add(tensor([1]), tensor([1], { dtype: 'float64' })), 'add', /float32\[1\] and float64\[1\]/);
  });
});
