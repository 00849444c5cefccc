import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { adamStep, Generator, randn, tensor, type AdamStepParams, type Tensor } from '../index.ts';
import { check, expectOpError, seedArb, shapeArb } from '../testing/index.ts';

/** The Adam step written with ops, the way the optimizer computed it before the fused kernel. */
function composedAdam(p: Tensor, grad: Tensor, m0: Tensor | null, v0: Tensor | null, h: AdamStepParams): Tensor[] {
  let g = h.maximize ? grad.neg() : grad;
  if (h.decoupled) p = p.mul(1 - h.lr * h.weightDecay);
  else g = g.add(p.mul(h.weightDecay));
  const m = (m0 ?? p.mul(0)).mul(h.beta1).add(g.mul(1 - h.beta1));
  const v = (v0 ?? p.mul(0)).mul(h.beta2).add(g.mul(1 - h.beta2).mul(g));
  const denom = v.sqrt().div(Math.sqrt(1 - h.beta2 ** h.step)).add(h.eps);
  return [p.add(m.mul(-h.lr / (1 - h.beta1 ** h.step)).div(denom)), m, v];
}

const hyperparameters = fc.record({
  lr: fc.double({ min: 0, max: 0.5, noNaN: true }),
  beta1: fc.double({ min: 0, max: 0.99, noNaN: true }),
  beta2: fc.double({ min: 0, max: 0.9999, noNaN: true }),
  eps: fc.constantFrom(1e-8, 1e-3),
  weightDecay: fc.constantFrom(0, 1e-2, 0.3),
  decoupled: fc.boolean(),
  maximize: fc.boolean(),
});

describe('adamStep', () => {
  it('equals the update written with ops, over several steps and any hyperparameters', () => {
    check(fc.tuple(shapeArb(), hyperparameters, seedArb), ([shape, hyper, seed]) => {
      const g = new Generator(seed);
      let fused: Tensor[] = [randn(shape, { dtype: 'float64', generator: g })], composed = fused;
      for (let step = 1; step <= 3; step++) {
        const grad = randn(shape, { dtype: 'float64', generator: g }), h = { ...hyper, step };
        const next = adamStep(fused[0]!, grad, fused[1] ?? null, fused[2] ?? null, h);
        fused = [next.param, next.expAvg, next.expAvgSq];
        composed = composedAdam(composed[0]!, grad, composed[1] ?? null, composed[2] ?? null, h);
        fused.forEach((t, i) => {
          const [a, b] = [t.dataSync(), composed[i]!.dataSync()];
          for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j]! - b[j]!) <= 1e-12 * (1 + Math.abs(b[j]!)), `step ${step}, output ${i}[${j}]: ${a[j]} vs ${b[j]}`);
        });
      }
    });
  });

  it('leaves its inputs as they were', () => {
    const p = tensor([1, -2, 3]), grad = tensor([0.5, 0.5, -1]), before = [...p.dataSync(), ...grad.dataSync()];
    adamStep(p, grad, null, null, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, maximize: false, step: 1 });
    assert.deepEqual([...p.dataSync(), ...grad.dataSync()], before);
  });

  it('rejects mismatched shapes, dtypes, integer parameters and a step below 1', () => {
    const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, maximize: false, step: 1 };
    expectOpError(() => adamStep(tensor([1, 2]), tensor([1, 2, 3]), null, null, h), 'adamStep', /grad \[3\] differs/);
    expectOpError(() => adamStep(tensor([1, 2]), tensor([1, 2], { dtype: 'float64' }), null, null, h), 'adamStep', /dtypes differ/);
    expectOpError(() => adamStep(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2], { dtype: 'int32' }), null, null, h), 'adamStep', /floating/);
    expectOpError(() => adamStep(tensor([1, 2]), tensor([1, 2]), null, null, { ...h, step: 0 }), 'adamStep', /step must be/);
  });
});
