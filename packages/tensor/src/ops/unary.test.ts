import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Tensor } from '../index.ts';
import { abs, cos, erf, exp, floor, log, log1p, relu, rsqrt, sigmoid, sign, sin, sqrt, tanh, tensor, Generator } from '../index.ts';
import { check, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

/** Each op with its scalar reference and a map from normals into the op's smooth domain. */
const cases: Record<string, { op: (x: Tensor) => Tensor; ref: (v: number) => number; domain: (x: Tensor) => Tensor }> = {
  exp: { op: exp, ref: Math.exp, domain: (x) => x },
  log: { op: log, ref: Math.log, domain: (x) => x.abs().add(0.3) },
  log1p: { op: log1p, ref: Math.log1p, domain: (x) => x.abs().add(-0.5) },
  sqrt: { op: sqrt, ref: Math.sqrt, domain: (x) => x.abs().add(0.3) },
  rsqrt: { op: rsqrt, ref: (v) => 1 / Math.sqrt(v), domain: (x) => x.abs().add(0.3) },
  sin: { op: sin, ref: Math.sin, domain: (x) => x },
  cos: { op: cos, ref: Math.cos, domain: (x) => x },
  tanh: { op: tanh, ref: Math.tanh, domain: (x) => x },
  sigmoid: { op: sigmoid, ref: (v) => 1 / (1 + Math.exp(-v)), domain: (x) => x },
  // Kinked at 0: keep inputs at least 0.1 away from it so central differences do not straddle the kink.
  relu: { op: relu, ref: (v) => Math.max(v, 0), domain: (x) => x.add(x.sign().mul(0.1)) },
  abs: { op: abs, ref: Math.abs, domain: (x) => x.add(x.sign().mul(0.1)) },
  erf: { op: erf, ref: (v) => erfReference(v), domain: (x) => x },
};

/** erf by numerical integration of 2/√π e^(−t²) (Simpson, 2000 panels): an independent reference. */
function erfReference(x: number): number {
  const n = 2000, h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return (2 / Math.sqrt(Math.PI)) * (h / 3) * s;
}

describe('unary math', () => {
  const unaryGradient = (name: keyof typeof cases) => () => {
    const { op, domain } = cases[name]!;
    check(fc.tuple(shapeArb(), seedArb), ([shape, seed]) => {
      const g = new Generator(seed);
      gradcheck(op, [domain(leaf(shape, g)).detach().requiresGrad_()], { generator: g });
    });
  };
  it('gradient: exp', unaryGradient('exp'));
  it('gradient: log', unaryGradient('log'));
  it('gradient: log1p', unaryGradient('log1p'));
  it('gradient: sqrt', unaryGradient('sqrt'));
  it('gradient: rsqrt', unaryGradient('rsqrt'));
  it('gradient: sin', unaryGradient('sin'));
  it('gradient: cos', unaryGradient('cos'));
  it('gradient: tanh', unaryGradient('tanh'));
  it('gradient: sigmoid', unaryGradient('sigmoid'));
  it('gradient: relu', unaryGradient('relu'));
  it('gradient: abs', unaryGradient('abs'));
  it('gradient: erf', unaryGradient('erf'));

  it('values match the scalar functions in float64', () => {
    check(fc.array(fc.double({ noNaN: true, min: -5, max: 5 }), { minLength: 1, maxLength: 8 }), (values) => {
      for (const [name, { op, ref, domain }] of Object.entries(cases)) {
        const x = domain(tensor(values, { dtype: 'float64' }));
        const got = op(x).dataSync(), want = [...x.dataSync()].map(ref);
        want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 1e-12 * Math.max(1, Math.abs(w)), `${name}(${x.dataSync()[i]}) = ${got[i]}, want ${w}`));
      }
    });
  });

  it('erf: known values, odd symmetry and the tails', () => {
    const x = tensor([0, 0.5, 1, 2, 3, 6, -1], { dtype: 'float64' });
    const want = [0, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, 1, -0.8427007929497149];
    erf(x).dataSync().forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-14, `erf(${x.dataSync()[i]}) = ${v}`));
  });

  it('gradient: sign and floor are zero (piecewise constant)', () => {
    for (const op of [sign, floor]) {
      const x = tensor([-1.5, 0.25, 2.7], { dtype: 'float64', requiresGrad: true });
      op(x).sum().backward();
      assert.deepEqual(x.grad!.toArray(), [0, 0, 0]);
    }
    assert.deepEqual(sign(tensor([-2, 0, 3])).toArray(), [-1, 0, 1]);
    assert.deepEqual(floor(tensor([-1.5, 0.25, 2.7])).toArray(), [-2, 0, 2]);
  });

  it('sigmoid does not overflow for large |x|', () => {
    assert.deepEqual(sigmoid(tensor([-1000, 1000], { dtype: 'float64' })).toArray(), [0, 1]);
  });

  it('relu and abs take PyTorch gradients at exactly 0', () => {
    const x = tensor([0], { dtype: 'float64', requiresGrad: true });
    relu(x).add(abs(x)).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [0]);
  });
});
