import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor } from '@diffusion-ts/tensor';
import { parameter } from '../module.ts';
import { Adam, AdamW, type AdamHyperparameters } from './adam.ts';
import { assertTrajectoryClose as assertClose, quadratic, trajectory } from '../testing/quadratic.ts';

const { gradOf, lossBackward } = quadratic([1, 4, 0.25], [0.5, -1, 3]);

/**
 * Adam / AdamW as published (Kingma and Ba 2015, Algorithm 1; Loshchilov and Hutter 2019) with
 * torch's choices: ε after the bias-corrected √v, AMSGrad on the raw v, decay before the step.
 */
function adamReference(theta0: readonly number[], h: AdamHyperparameters, decoupled: boolean, steps: number): number[][] {
  const [beta1, beta2] = h.betas;
  const theta = [...theta0];
  const m = theta.map(() => 0), v = theta.map(() => 0), vMax = theta.map(() => 0);
  const trajectory: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const grad = gradOf(theta);
    for (let i = 0; i < theta.length; i++) {
      let g = h.maximize ? -grad[i]! : grad[i]!;
      if (h.weightDecay !== 0) {
        if (decoupled) theta[i] = theta[i]! * (1 - h.lr * h.weightDecay);
        else g = g + h.weightDecay * theta[i]!;
      }
      m[i] = beta1 * m[i]! + (1 - beta1) * g;
      v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
      vMax[i] = Math.max(vMax[i]!, v[i]!);
      const vHat = (h.amsgrad ? vMax[i]! : v[i]!) / (1 - beta2 ** t);
      const mHat = m[i]! / (1 - beta1 ** t);
      theta[i] = theta[i]! - (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
    }
    trajectory.push([...theta]);
  }
  return trajectory;
}

const run = (Opt: typeof Adam | typeof AdamW, theta0: readonly number[], h: Partial<AdamHyperparameters>, steps: number, dtype: 'float32' | 'float64' = 'float64'): number[][] =>
  trajectory((params) => new Opt(params, h), lossBackward, theta0, steps, dtype);

const adamDefaults: AdamHyperparameters = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };
const theta0 = [2, 1, -1];

describe('Adam and AdamW', () => {
  it('first step moves each coordinate by lr against the gradient sign (bias correction at work)', () => {
    // t = 1: m̂ = g, v̂ = g², so θ₁ = θ₀ − lr · g / (|g| + ε).
    const [step1] = run(Adam, theta0, { lr: 0.1 }, 1);
    const expected = gradOf(theta0).map((g, i) => theta0[i]! - (0.1 * g) / (Math.abs(g) + 1e-8));
    assertClose([step1!], [expected], 1e-15);
    assertClose([step1!], [[1.9, 0.9, -0.9]], 1e-8);
  });

  const cases: [string, typeof Adam | typeof AdamW, Partial<AdamHyperparameters>][] = [
    ['Adam', Adam, { lr: 0.1 }],
    ['Adam, betas and eps', Adam, { lr: 0.05, betas: [0.8, 0.9], eps: 1e-3 }],
    ['Adam, L2 weight decay', Adam, { lr: 0.1, weightDecay: 0.1 }],
    ['Adam, AMSGrad', Adam, { lr: 0.5, betas: [0.9, 0.5], amsgrad: true }],
    ['Adam, maximize', Adam, { lr: 0.01, maximize: true }],
    ['AdamW, default decay 1e-2', AdamW, { lr: 0.1 }],
    ['AdamW, strong decay, AMSGrad', AdamW, { lr: 0.2, weightDecay: 0.5, betas: [0.9, 0.5], amsgrad: true }],
  ];
  for (const [name, Opt, h] of cases) {
    it(`${name}: the first 3 steps equal the published update rule (float64)`, () => {
      const hyper = { ...adamDefaults, ...(Opt === AdamW ? { weightDecay: 1e-2 } : {}), ...h };
      assertClose(run(Opt, theta0, h, 3), adamReference(theta0, hyper, Opt === AdamW, 3), 1e-13);
    });
  }

  it('AMSGrad changes the trajectory when v shrinks, and L2 and decoupled decay differ', () => {
    const ams = run(Adam, theta0, { lr: 0.5, betas: [0.9, 0.5], amsgrad: true }, 3);
    const plain = run(Adam, theta0, { lr: 0.5, betas: [0.9, 0.5] }, 3);
    assert.notDeepEqual(ams[2], plain[2]);
    const l2 = run(Adam, theta0, { lr: 0.1, weightDecay: 0.1 }, 3);
    const decoupled = run(AdamW, theta0, { lr: 0.1, weightDecay: 0.1 }, 3);
    assert.notDeepEqual(l2[2], decoupled[2]);
  });

  it('keeps float32 parameters and state in float32', () => {
    const p = parameter(tensor(theta0, { dtype: 'float32' }));
    const opt = new AdamW([p], { lr: 0.1, amsgrad: true });
    lossBackward(p);
    opt.step();
    assert.equal(p.dtype, 'float32');
    for (const t of Object.values(opt.stateOf(p)!.tensors)) assert.equal(t.dtype, 'float32');
    assert.deepEqual(Object.keys(opt.stateOf(p)!.tensors).sort(), ['expAvg', 'expAvgSq', 'maxExpAvgSq']);
    const hyper = { ...adamDefaults, lr: 0.1, weightDecay: 1e-2 };
    assertClose(run(AdamW, theta0, { lr: 0.1 }, 3, 'float32'), adamReference(theta0, hyper, true, 3), 1e-6);
  });

  it('parameter groups use their own hyperparameters; lr is settable', () => {
    const p = parameter(tensor([1], { dtype: 'float64' })), q = parameter(tensor([1], { dtype: 'float64' }));
    const opt = new Adam([{ params: [p] }, { params: [q], lr: 0.01 }], { lr: 0.1 });
    p.square().add(q.square()).sum().backward();
    opt.step();
    assert.ok(Math.abs(p.item() - 0.9) < 1e-7 && Math.abs(q.item() - 0.99) < 1e-7);
    opt.lr = 0.5;
    assert.equal(opt.lr, 0.5);
    assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.5, 0.5]);
    assert.throws(() => (opt.lr = -1), /invalid learning rate/);
  });

  it('skips parameters without a gradient: they keep their value and get no state', () => {
    const p = parameter(tensor([1, 2])), q = parameter(tensor([3]));
    const opt = new Adam([p, q], { lr: 0.1 });
    p.sum().backward();
    opt.step();
    assert.deepEqual([...q.dataSync()], [3]);
    assert.equal(opt.stateOf(q), undefined);
    assert.equal(opt.stateOf(p)!.step, 1);
    opt.zeroGrad();
    assert.equal(p.grad, null);
  });

  it("rejects what torch's constructor rejects", () => {
    const p = parameter(tensor([1]));
    assert.throws(() => new Adam([p], { lr: -0.1 }), /invalid learning rate/);
    assert.throws(() => new Adam([p], { betas: [1, 0.999] }), /betas must be two numbers in \[0, 1\)/);
    assert.throws(() => new AdamW([p], { eps: -1 }), /AdamW: invalid eps/);
    assert.throws(() => new AdamW([p], { weightDecay: -1 }), /invalid weightDecay/);
  });
});
