import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor, type Tensor } from '@diffusion-ts/tensor';
import { parameter } from '../module.ts';
import { SGD, type SGDHyperparameters } from './sgd.ts';
import { assertTrajectoryClose as assertClose, quadratic, trajectory } from '../testing/quadratic.ts';

const { gradOf, lossBackward } = quadratic([1, 2, 0.5], [0.5, -1, 3]);

/** torch.optim.SGD's algorithm box, one scalar at a time, in float64. */
function sgdReference(theta0: readonly number[], h: SGDHyperparameters, steps: number): number[][] {
  let theta = [...theta0];
  let buf = null as number[] | null;
  const trajectory: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    let g = gradOf(theta).map((gi) => (h.maximize ? -gi : gi));
    if (h.weightDecay !== 0) g = g.map((gi, i) => gi + h.weightDecay * theta[i]!);
    if (h.momentum !== 0) {
      buf = buf === null ? [...g] : buf.map((b, i) => h.momentum * b + (1 - h.dampening) * g[i]!);
      const b: number[] = buf;
      g = h.nesterov ? g.map((gi, i) => gi + h.momentum * b[i]!) : [...b];
    }
    theta = theta.map((th, i) => th - h.lr * g[i]!);
    trajectory.push(theta);
  }
  return trajectory;
}

const run = (theta0: readonly number[], h: Partial<SGDHyperparameters> & { lr: number }, steps: number, dtype: 'float32' | 'float64' = 'float64'): number[][] =>
  trajectory((params) => new SGD(params, h), lossBackward, theta0, steps, dtype);

const defaults: SGDHyperparameters = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
const theta0 = [2, 1, -1];

describe('SGD', () => {
  it('matches numbers worked by hand on f(θ) = θ²/2 from θ = 1 (lr 0.1)', () => {
    const quad = (p: Tensor) => p.square().sum().mul(0.5).backward();
    const threeSteps = (h: Partial<SGDHyperparameters> & { lr: number }): number[] => {
      const p = parameter(tensor([1], { dtype: 'float64' }));
      const opt = new SGD([p], h);
      const got: number[] = [];
      for (let t = 0; t < 3; t++) (opt.zeroGrad(), quad(p), opt.step(), got.push(p.item()));
      return got;
    };
    // plain: θ ← 0.9 θ
    assertClose([threeSteps({ lr: 0.1 })], [[0.9, 0.81, 0.729]], 1e-15);
    // momentum 0.9: b = 1, 1.8, 2.34; θ = 0.9, 0.72, 0.486
    assertClose([threeSteps({ lr: 0.1, momentum: 0.9 })], [[0.9, 0.72, 0.486]], 1e-15);
    // Nesterov 0.9: g + μb = 1.9, 2.349, 2.47779; θ = 0.81, 0.5751, 0.327321
    assertClose([threeSteps({ lr: 0.1, momentum: 0.9, nesterov: true })], [[0.81, 0.5751, 0.327321]], 1e-15);
    // weight decay 0.1: g = θ + 0.1θ, θ ← 0.89 θ
    assertClose([threeSteps({ lr: 0.1, weightDecay: 0.1 })], [[0.89, 0.7921, 0.704969]], 1e-15);
  });

  const cases: [string, Partial<SGDHyperparameters>][] = [
    ['plain', {}],
    ['momentum', { momentum: 0.9 }],
    ['momentum with dampening', { momentum: 0.9, dampening: 0.3 }],
    ['Nesterov', { momentum: 0.8, nesterov: true }],
    ['weight decay', { weightDecay: 0.05 }],
    ['weight decay, Nesterov', { momentum: 0.9, nesterov: true, weightDecay: 0.01, lr: 0.05 }],
    ['maximize', { momentum: 0.5, maximize: true, lr: 0.01 }],
  ];
  for (const [name, h] of cases) {
    it(`${name}: the first 3 steps equal the published update rule (float64)`, () => {
      const hyper = { ...defaults, ...h };
      assertClose(run(theta0, hyper, 3), sgdReference(theta0, hyper, 3), 1e-14);
    });
  }

  it('keeps float32 parameters and state in float32', () => {
    const p = parameter(tensor(theta0, { dtype: 'float32' }));
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    lossBackward(p);
    opt.step();
    assert.equal(p.dtype, 'float32');
    assert.equal(opt.stateOf(p)!.tensors['momentumBuffer']!.dtype, 'float32');
    const hyper = { ...defaults, momentum: 0.9 };
    assertClose(run(theta0, hyper, 3, 'float32'), sgdReference(theta0, hyper, 3), 1e-6);
  });

  it("rejects what torch's constructor rejects", () => {
    const p = parameter(tensor([1]));
    assert.throws(() => new SGD([p], { lr: -1 }), /invalid learning rate/);
    assert.throws(() => new SGD([p], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/);
    assert.throws(() => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /Nesterov/);
    assert.throws(() => new SGD([], { lr: 0.1 }), /empty parameter list/);
    assert.throws(() => new SGD([p, p], { lr: 0.1 }), /more than once/);
    assert.throws(() => new SGD([tensor([1])], { lr: 0.1 }), /does not require grad/);
  });
});
