import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { detectAnomaly, enableGrad, isGradEnabled, log, mul, noGrad, OpError, tensor, tidy, to, clone, type Tensor } from './index.ts';
import { expectOpError, gradcheck, leaf, Generator } from './testing/index.ts';

describe('autograd', () => {
  it('accumulates into .grad across backward calls, and through a tensor used twice', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = mul(x, x).add(x).sum(); // d/dx = 2x + 1
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [3, 5]);
    mul(x, 3).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [6, 8]);
  });

  it('backward on a non-scalar needs a gradient, and it must have the output shape', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expectOpError(() => mul(x, 2).backward(), 'backward', /only for scalar outputs.*\[2\]/);
    expectOpError(() => mul(x, 2).backward(tensor([1, 1, 1])), 'backward', /does not match/);
    mul(x, 2).backward(tensor([1, 10]));
    assert.deepEqual(x.grad!.toArray(), [2, 20]);
  });

  it('backward on a tensor that needs no grad says so', () => {
    expectOpError(() => tensor([1]).sum().backward(), 'backward', /does not require grad/);
  });

  it('noGrad records nothing; enableGrad turns it back on inside', () => {
    const x = tensor([1], { requiresGrad: true });
    const y = noGrad(() => mul(x, 2));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.node, null);
    noGrad(() => {
      assert.equal(isGradEnabled(), false);
      assert.equal(enableGrad(() => mul(x, 2)).requiresGrad, true);
    });
    assert.equal(isGradEnabled(), true);
  });

  it('detach cuts the graph; retainGrad keeps a non-leaf gradient', () => {
    const x = tensor([3], { dtype: 'float64', requiresGrad: true });
    const h = mul(x, x).retainGrad();
    const y = mul(h, h.detach()).sum(); // dy/dh = h (detached factor), dy/dx = h · 2x
    y.backward();
    assert.deepEqual(h.grad!.toArray(), [9]);
    assert.deepEqual(x.grad!.toArray(), [54]);
    assert.equal(h.isLeaf, false);
  });

  it('backward with inputs accumulates into those tensors only, as a full backward would, and leaves every other leaf alone', () => {
    const make = () => {
      const g = new Generator(3);
      return { x: leaf([2, 3], g), w: leaf([3, 4], g) };
    };
    for (const createGraph of [false, true]) {
      for (const recycle of [false, true]) {
        const loss = ({ x, w }: { x: Tensor; w: Tensor }) => x.matmul(w).tanh().mul(x.sum(1, true)).sum();
        const full = make();
        loss(full).backward();
        const only = make();
        // Read inside the scope: a recycling tidy disposes the gradients made in it, as on gpu.
        const xGrad = tidy(() => {
          const h = only.x.matmul(only.w).retainGrad();
          h.tanh().mul(only.x.sum(1, true)).sum().backward(undefined, { inputs: [only.x], createGraph });
          assert.equal(h.grad, null, 'a retainGrad tensor outside inputs keeps no gradient');
          return only.x.grad!.toArray();
        }, { recycle });
        assert.equal(only.w.grad, null, 'the weights outside inputs are untouched');
        assert.deepEqual(xGrad, full.x.grad!.toArray());
      }
    }
    expectOpError(() => leaf([2], new Generator(1)).sum().backward(undefined, { inputs: [tensor([1, 2])] }), 'backward', /inputs\[0\] \(shape \[2\]\) does not require grad/);
  });

  it('createGraph gives differentiable gradients (second derivatives)', () => {
    const x = tensor([2], { dtype: 'float64', requiresGrad: true });
    mul(mul(x, x), x).sum().backward(undefined, { createGraph: true }); // x³ → 3x²
    const g = x.grad!;
    assert.deepEqual(g.toArray(), [12]);
    x.grad = null;
    g.sum().backward(); // d(3x²)/dx = 6x
    assert.deepEqual(x.grad!.toArray(), [12]);
  });

  it('detectAnomaly names the op that produced NaN or Inf', () => {
    detectAnomaly(true);
    try {
      assert.throws(() => log(tensor([-1])), (e: unknown) => e instanceof OpError && /^log: produced NaN/.test(e.message));
      assert.throws(() => tensor([1]).div(0), (e: unknown) => e instanceof OpError && /^div: produced Infinity/.test(e.message));
    } finally {
      detectAnomaly(false);
    }
    assert.ok(Number.isNaN(log(tensor([-1])).item()));
  });

  it('requiresGrad_ only on floating leaves', () => {
    expectOpError(() => tensor([1], { dtype: 'int32' }).requiresGrad_(), 'requiresGrad_', /floating/);
    expectOpError(() => mul(tensor([1], { requiresGrad: true }), 2).requiresGrad_(), 'requiresGrad_', /leaf/);
  });

  it('gradient: to (a cast sends the gradient back in the input dtype)', () => {
    // Finite differences cannot see through float32 rounding, so check the exact rule instead:
    // for y = cast(x)·w, ∂/∂x = w converted to x's dtype.
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true }), w = tensor([0.5, -2, 0.1]);
    to(x, 'float32').mul(w).sum().backward();
    assert.equal(x.grad!.dtype, 'float64');
    assert.deepEqual(x.grad!.dataSync(), Float64Array.from(w.dataSync()));
    assert.equal(to(x, 'int32').requiresGrad, false);
  });

  it('gradient: clone', () => {
    const g = new Generator(4);
    gradcheck((x) => clone(x).mul(x), [leaf([2, 2], g)], { generator: g });
  });
});
