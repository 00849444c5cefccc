import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { tensor } from '@diffusion-ts/tensor';
import { parameter } from '../module.ts';
import { clipGradNorm, constantLr, cosineDecay, linearDecay, linearWarmup } from './schedules.ts';

const close = (a: number, b: number, tol = 1e-15): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('learning-rate schedules', () => {
  it('linear warm-up is lr · min(step / warmup, 1), as DDPM (lr 2e-4, warmup 5000)', () => {
    const lr = linearWarmup(2e-4, 5000);
    assert.equal(lr(0), 0);
    close(lr(1), 2e-4 / 5000);
    close(lr(2500), 1e-4);
    close(lr(5000), 2e-4);
    close(lr(800_000), 2e-4);
    assert.equal(linearWarmup(1e-3, 0)(0), 1e-3);
  });

  it('cosine decay runs from lr to minLr, through the midpoint at half time', () => {
    const lr = cosineDecay(1e-3, 100, 1e-5);
    close(lr(0), 1e-3);
    close(lr(50), (1e-3 + 1e-5) / 2);
    close(lr(100), 1e-5);
    close(lr(1000), 1e-5);
    for (let s = 0; s < 100; s++) assert.ok(lr(s + 1) <= lr(s));
  });

  it('warm-up composes with a schedule; constant and linear decay', () => {
    const lr = linearWarmup(cosineDecay(1, 100), 10);
    close(lr(5), 0.5 * cosineDecay(1, 100)(5));
    close(lr(60), cosineDecay(1, 100)(60));
    assert.equal(constantLr(3e-4)(12345), 3e-4);
    close(linearDecay(1e-4, 1000)(250), 0.75e-4);
    assert.equal(linearDecay(1e-4, 1000)(2000), 0);
    assert.throws(() => linearWarmup(1, -1), RangeError);
  });
});

describe('clipGradNorm', () => {
  const gradsArb = fc.array(fc.array(fc.double({ noNaN: true, min: -100, max: 100 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 });

  it('scales all gradients by one factor so their global norm is at most maxNorm, and returns the norm before', () => {
    fc.assert(
      fc.property(gradsArb, fc.double({ noNaN: true, min: 1e-3, max: 50 }), (grads, maxNorm) => {
        const params = grads.map((g) => {
          const p = parameter(tensor(g.map(() => 0), { dtype: 'float64' }));
          p.grad = tensor(g, { dtype: 'float64' });
          return p;
        });
        const norm = Math.sqrt(grads.flat().reduce((s, v) => s + v * v, 0));
        const returned = clipGradNorm(params, maxNorm).item();
        close(returned, norm, 1e-12);
        const after = params.map((p) => [...p.grad!.dataSync()]);
        const normAfter = Math.sqrt(after.flat().reduce((s, v) => s + v * v, 0));
        assert.ok(normAfter <= maxNorm * (1 + 1e-12), `norm after ${normAfter} > ${maxNorm}`);
        const scale = Math.min(maxNorm / (norm + 1e-6), 1); // torch's clip_coef_clamped
        after.forEach((row, i) => row.forEach((v, j) => close(v, grads[i]![j]! * scale, 1e-12)));
        if (scale === 1) assert.deepEqual(after, grads);
      }),
    );
  });

  it('skips parameters without gradients and works on float32', () => {
    const p = parameter(tensor([0, 0])), q = parameter(tensor([0]));
    p.grad = tensor([3, 4]);
    assert.equal(clipGradNorm([p, q], 1).item(), 5);
    const [x, y] = p.grad.dataSync();
    close(x!, 0.6, 1e-6);
    close(y!, 0.8, 1e-6);
    assert.equal(p.grad.dtype, 'float32');
    assert.equal(q.grad, null);
    assert.equal(clipGradNorm([q], 1).item(), 0);
  });
});
