import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gelu, mul, sigmoid, silu, softplus, square, tensor, Generator, type Tensor } from '../index.ts';
import { check, expectSameAsComposed, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

const f64 = (values: readonly number[]): Tensor => tensor(Float64Array.from(values));
const scalars = fc.array(fc.double({ noNaN: true, min: -30, max: 30 }), { minLength: 1, maxLength: 8 });

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `entry ${i}: ${a} vs ${e}`);
  }
};

/** Φ(x) = ½ + (1/√2π) ∫₀ˣ e^(−t²/2) dt by composite Simpson's rule (4000 panels): independent of the erf kernel. */
function normalCdf(x: number): number {
  const n = 4000, a = Math.min(Math.abs(x), 10), h = a / n;
  const f = (t: number) => Math.exp(-0.5 * t * t);
  let s = f(0) + f(a);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(i * h);
  const integral = (s * h) / 3 / Math.sqrt(2 * Math.PI);
  return 0.5 + Math.sign(x) * integral;
}

const elementwise = { silu, gelu, softplus, square } as const;

describe('activations', () => {
  /** The gradient property of an elementwise activation, on inputs of scale 1 and 3 (to reach the tails). */
  const gradientProperty = (fn: (x: Tensor) => Tensor) => () => {
    check(fc.tuple(shapeArb(), seedArb, fc.constantFrom(1, 3)), ([shape, seed, scale]) => {
      const g = new Generator(seed);
      gradcheck(fn, [leaf(shape, g, scale)], { generator: g });
    });
  };
  it('gradient: silu', gradientProperty(silu));
  it('gradient: gelu', gradientProperty(gelu));
  it('gradient: softplus', gradientProperty(softplus));
  it('gradient: square', gradientProperty(square));

  it('every activation keeps shape and dtype', () => {
    check(fc.tuple(shapeArb(), seedArb), ([shape, seed]) => {
      const x = leaf(shape, new Generator(seed)).detach();
      for (const fn of Object.values(elementwise)) {
        const y = fn(x);
        assert.deepEqual(y.shape, shape);
        assert.equal(y.dtype, 'float64');
      }
    });
  });

  it('silu(x) = x·σ(x)', () => {
    check(scalars, (xs) => {
      assertClose(silu(f64(xs)).dataSync(), xs.map((x) => x / (1 + Math.exp(-x))), 1e-14, 1e-13);
    });
  });

  it('silu (the fused op) matches x·σ(x) composed: values, gradients and second derivatives', () => {
    check(fc.tuple(shapeArb(), seedArb, fc.constantFrom(1, 3, 30)), ([shape, seed, scale]) => {
      const g = new Generator(seed);
      expectSameAsComposed((x) => silu(x!), (x) => mul(x!, sigmoid(x!)), [leaf(shape, g, scale)], g, 1e-14);
    });
  });

  it('gelu(x) = x·Φ(x), with Φ integrated independently of the erf kernel', () => {
    check(fc.array(fc.double({ noNaN: true, min: -8, max: 8 }), { minLength: 1, maxLength: 8 }), (xs) => {
      assertClose(gelu(f64(xs)).dataSync(), xs.map((x) => x * normalCdf(x)), 1e-12, 1e-12);
    });
  });

  it('gelu matches tabulated erf: gelu(√2·t) = √2·t·½(1 + erf t)', () => {
    // erf values to 19 digits (Abramowitz & Stegun, Table 7.1; DLMF §7.23).
    const erfTable: [number, number][] = [[0.1, 0.1124629160182848922], [0.5, 0.5204998778130465377], [1, 0.8427007929497148693], [2, 0.9953222650189527342], [3, 0.9999779095030014146]];
    const xs = erfTable.flatMap(([t]) => [Math.SQRT2 * t, -Math.SQRT2 * t]);
    const expected = erfTable.flatMap(([t, e]) => [Math.SQRT2 * t * 0.5 * (1 + e), -Math.SQRT2 * t * 0.5 * (1 - e)]);
    assertClose(gelu(f64(xs)).dataSync(), expected, 1e-14, 1e-13);
    assert.deepEqual([...gelu(f64([0])).dataSync()], [0]);
  });

  it('softplus(x) = log1p(exp(x)) for moderate x', () => {
    check(scalars, (xs) => {
      assertClose(softplus(f64(xs)).dataSync(), xs.map((x) => Math.log1p(Math.exp(x))), 1e-15, 1e-13);
    });
  });

  it('softplus never overflows: softplus(1000) = 1000 and softplus(−1000) = 0, in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const y = softplus(tensor([1000, -1000, 88.8, -88.8], { dtype })).dataSync();
      assert.ok([...y].every(Number.isFinite), `${dtype}: ${[...y]}`);
      assert.equal(y[0], 1000);
      assert.ok(y[1]! >= 0 && y[1]! < 1e-300);
      assert.ok(Math.abs(y[2]! - 88.8) < 1e-4);
    }
  });

  it('softplus: derivative is σ(x) everywhere, ½ exactly at 0', () => {
    const arb = fc.array(fc.oneof(fc.constant(0), fc.double({ noNaN: true, min: -30, max: 30 })), { minLength: 1, maxLength: 8 });
    check(arb, (xs) => {
      const x = f64(xs).requiresGrad_();
      softplus(x).sum().backward();
      assertClose(x.grad!.dataSync(), xs.map((v) => 1 / (1 + Math.exp(-v))), 1e-15, 1e-13);
    });
    const zero = f64([0]).requiresGrad_();
    softplus(zero).backward(f64([1]));
    assert.equal(zero.grad!.item(), 0.5);
  });

  it('square(x) = x·x exactly', () => {
    check(scalars, (xs) => {
      assert.deepEqual([...square(f64(xs)).dataSync()], xs.map((x) => x * x));
    });
  });
});
