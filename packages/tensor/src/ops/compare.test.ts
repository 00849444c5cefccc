import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { clamp, eq, ge, gt, le, lt, maximum, minimum, ne, tensor, where, Generator } from '../index.ts';
import { broadcastableShapes, check, expectOpError, gradcheck, leaf, seedArb } from '../testing/index.ts';

describe('comparisons, where, maximum, minimum, clamp', () => {
  it('comparisons return 1/0 masks in the operand dtype and carry no gradient', () => {
    const a = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true }), b = tensor([2, 2, 2], { dtype: 'float64' });
    const masks = { eq, ne, lt, le, gt, ge };
    const want = { eq: [0, 1, 0], ne: [1, 0, 1], lt: [1, 0, 0], le: [1, 1, 0], gt: [0, 0, 1], ge: [0, 1, 1] };
    for (const [name, op] of Object.entries(masks)) {
      const m = op(a, b);
      assert.deepEqual(m.toArray(), want[name as keyof typeof want], name);
      assert.equal(m.dtype, 'float64');
      assert.equal(m.requiresGrad, false);
    }
  });

  it('gradient: where (broadcasting all three)', () => {
    check(fc.tuple(broadcastableShapes(3), seedArb), ([[sc, sa, sb], seed]) => {
      const g = new Generator(seed);
      const cond = gt(leaf(sc!, g).detach(), 0);
      gradcheck((a, b) => where(cond, a, b), [leaf(sa!, g), leaf(sb!, g)], { generator: g });
    });
  });

  const extremumGradient = (op: typeof maximum) => () => {
    check(fc.tuple(broadcastableShapes(2), seedArb), ([[sa, sb], seed]) => {
      const g = new Generator(seed);
      // |a| < 1 < 2 < |b|: never a tie (where the function has a kink), and both branches are taken.
      const a = leaf(sa!, g).tanh().detach().requiresGrad_();
      const n = leaf(sb!, g).detach();
      const b = n.sign().mul(n.abs().add(2)).detach().requiresGrad_();
      gradcheck(op, [a, b], { generator: g });
    });
  };
  it('gradient: maximum (broadcasting, away from ties)', extremumGradient(maximum));
  it('gradient: minimum (broadcasting, away from ties)', extremumGradient(minimum));

  it('maximum/minimum split the gradient evenly at ties, like PyTorch', () => {
    const a = tensor([1, 2], { dtype: 'float64', requiresGrad: true }), b = tensor([1, 3], { dtype: 'float64', requiresGrad: true });
    maximum(a, b).sum().backward();
    assert.deepEqual(a.grad!.toArray(), [0.5, 0]);
    assert.deepEqual(b.grad!.toArray(), [0.5, 1]);
    assert.ok(Number.isNaN(maximum(tensor([NaN]), tensor([1])).item()), 'NaN propagates');
  });

  it('maximum/minimum give each input its own mask when only that one needs a gradient', () => {
    for (const [op, aWins] of [[maximum, [0, 1, 0.5]], [minimum, [1, 0, 0.5]]] as const) {
      const a = tensor([1, 4, 2], { dtype: 'float64', requiresGrad: true }), b = tensor([3, 0, 2], { dtype: 'float64', requiresGrad: true });
      op(a, b.detach()).sum().backward();
      op(a.detach(), b).sum().backward();
      assert.deepEqual(a.grad!.toArray(), aWins);
      assert.deepEqual(b.grad!.toArray(), aWins.map((v) => 1 - v));
    }
  });

  it('gradient: clamp (inside the bounds gets 1, bounds included)', () => {
    check(fc.tuple(fc.array(fc.double({ noNaN: true, min: -3, max: 3 }), { minLength: 1, maxLength: 6 }), seedArb), ([values, seed]) => {
      const g = new Generator(seed);
      // Inputs off the bounds by at least 0.1 so central differences never straddle a kink.
      const x = tensor(values.map((v) => (Math.abs(Math.abs(v) - 1) < 0.1 ? v + 0.25 : v)), { dtype: 'float64', requiresGrad: true });
      gradcheck((t) => clamp(t, -1, 1), [x], { generator: g });
    });
    const x = tensor([-2, -1, 0, 1, 2], { dtype: 'float64', requiresGrad: true });
    const y = clamp(x, -1, 1);
    y.sum().backward();
    assert.deepEqual(y.toArray(), [-1, -1, 0, 1, 1]);
    assert.deepEqual(x.grad!.toArray(), [0, 1, 1, 1, 0]);
    assert.deepEqual(clamp(tensor([-5, 5]), null, 0).toArray(), [-5, 0]);
  });

  it('clamp rejects min > max', () => {
    expectOpError(() => clamp(tensor([1]), 2, 1), 'clamp', /min <= max/);
  });
});
