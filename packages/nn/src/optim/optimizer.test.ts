import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { Module, parameter } from '../module.ts';
import { Adam, AdamW } from './adam.ts';
import { SGD } from './sgd.ts';
import { OptimizerError, type Optimizer, type BaseHyperparameters } from './optimizer.ts';

/** A tiny linear layer y = x Wᵀ + b, built here so these tests depend on nothing but Module. */
class TinyLinear extends Module {
  weight: Tensor;
  bias: Tensor;
  constructor(seed: number, dtype: 'float32' | 'float64' = 'float64') {
    super();
    const generator = new Generator(seed);
    this.weight = parameter(randn([2, 3], { generator, dtype }));
    this.bias = parameter(randn([2], { generator, dtype }));
  }
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight.transpose(0, 1)).add(this.bias);
  }
}

const batch = (step: number, dtype: 'float32' | 'float64' = 'float64'): Tensor => randn([4, 3], { generator: new Generator(1000 + step), dtype });

function trainStep(model: TinyLinear, opt: Optimizer<BaseHyperparameters>, step: number): void {
  opt.zeroGrad();
  const x = batch(step, model.weight.dtype as 'float32' | 'float64');
  model.forward(x).sub(x.narrow(1, 0, 2)).square().mean().backward();
  opt.lr = 0.05 * Math.min((step + 1) / 3, 1); // a warm-up, so the saved lr matters
  opt.step();
}

const values = (m: Module): number[][] => m.parameters().map((p) => [...p.dataSync()]);

type Make = (m: TinyLinear) => Optimizer<BaseHyperparameters>;
const makers: [string, Make][] = [
  ['SGD with Nesterov momentum', (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['Adam with AMSGrad', (m) => new Adam(m.parameters(), { lr: 0.05, amsgrad: true, weightDecay: 1e-3 })],
  ['AdamW with two groups', (m) => new AdamW([{ params: [m.weight] }, { params: [m.bias], weightDecay: 0 }], { lr: 0.05 })],
];

describe('Optimizer state dict', () => {
  for (const [name, make] of makers) {
    it(`${name}: save after 3 steps, load into a fresh optimizer, and 4 more steps equal an uninterrupted run`, () => {
      const straight = new TinyLinear(1);
      const straightOpt = make(straight);
      for (let s = 0; s < 7; s++) trainStep(straight, straightOpt, s);

      const first = new TinyLinear(1);
      const firstOpt = make(first);
      for (let s = 0; s < 3; s++) trainStep(first, firstOpt, s);
      const saved = firstOpt.stateDict();

      const resumed = new TinyLinear(99);
      resumed.loadStateDict(first.stateDict());
      const resumedOpt = make(resumed);
      resumedOpt.lr = 123; // overwritten by the saved groups
      resumedOpt.loadStateDict(saved);
      assert.equal(resumedOpt.lr, firstOpt.lr);
      for (let s = 3; s < 7; s++) trainStep(resumed, resumedOpt, s);
      assert.deepEqual(values(resumed), values(straight));
      // The run that produced the state dict continues unaffected by the copy.
      for (let s = 3; s < 7; s++) trainStep(first, firstOpt, s);
      assert.deepEqual(values(first), values(straight));
    });
  }

  it('records torch-style indices, steps and hyperparameters', () => {
    const m = new TinyLinear(2);
    const opt = new Adam([{ params: [m.weight] }, { params: [m.bias], lr: 0.5 }], { lr: 0.1 });
    m.weight.sum().backward();
    opt.step();
    const dict = opt.stateDict();
    assert.equal(dict.kind, 'Adam');
    assert.deepEqual(Object.keys(dict.state), ['0']);
    assert.equal(dict.state[0]!.step, 1);
    assert.deepEqual(Object.keys(dict.state[0]!.tensors).sort(), ['expAvg', 'expAvgSq']);
    assert.deepEqual(dict.paramGroups, [
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [0] },
      { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [1] },
    ]);
  });

  it("matches saved parameter ids to parameters by position, as torch's load_state_dict", () => {
    const m = new TinyLinear(2);
    const opt = new SGD([{ params: [m.weight] }, { params: [m.bias] }], { lr: 0.1, momentum: 0.9 });
    trainStep(m, opt, 0);
    const dict = opt.stateDict();
    const renumbered = {
      ...dict,
      state: { 7: dict.state[1]!, 3: dict.state[0]! },
      paramGroups: [{ ...dict.paramGroups[0]!, params: [3] }, { ...dict.paramGroups[1]!, params: [7] }],
    };
    const fresh = new SGD([{ params: [m.weight] }, { params: [m.bias] }], { lr: 0.1, momentum: 0.9 });
    fresh.loadStateDict(renumbered);
    assert.deepEqual([...fresh.stateOf(m.bias)!.tensors['momentumBuffer']!.dataSync()], [...opt.stateOf(m.bias)!.tensors['momentumBuffer']!.dataSync()]);
    assert.deepEqual(Object.keys(fresh.stateDict().state), ['0', '1']);
  });

  it('casts floating state to the parameter dtype, as torch does', () => {
    const m64 = new TinyLinear(3, 'float64');
    const opt64 = new Adam(m64.parameters(), { lr: 0.1 });
    trainStep(m64, opt64, 0);
    const m32 = new TinyLinear(3, 'float32');
    const opt32 = new Adam(m32.parameters(), { lr: 0.1 });
    opt32.loadStateDict(opt64.stateDict());
    assert.equal(opt32.stateOf(m32.weight)!.tensors['expAvg']!.dtype, 'float32');
  });

  it('rejects a state dict that does not fit, listing the problems, and changes nothing', () => {
    const m = new TinyLinear(4);
    const opt = new Adam(m.parameters(), { lr: 0.1 });
    trainStep(m, opt, 0);
    const before = opt.stateDict();
    const good = opt.stateDict();
    const expectReject = (dict: unknown, pattern: RegExp): void => {
      assert.throws(() => opt.loadStateDict(dict as typeof good), (e: unknown) => e instanceof OptimizerError && pattern.test(e.message));
      assert.deepEqual(opt.stateDict(), before);
    };
    expectReject({ ...good, kind: 'SGD' }, /state dict is for SGD, not Adam/);
    expectReject({ ...good, paramGroups: [] }, /0 parameter groups, optimizer has 1/);
    expectReject({ ...good, paramGroups: [{ ...good.paramGroups[0]!, params: [0] }] }, /group 0 has 1 parameters in the state dict, 2 in the optimizer/);
    expectReject({ ...good, paramGroups: [{ ...good.paramGroups[0]!, betas: 0.9 }] }, /hyperparameter "betas" is 0.9/);
    expectReject({ ...good, paramGroups: [{ ...good.paramGroups[0]!, lr: -1 }] }, /invalid learning rate/);
    expectReject({ ...good, paramGroups: [{ ...good.paramGroups[0]!, momentum: 0.9 }] }, /unexpected hyperparameter "momentum"/);
    expectReject({ ...good, state: { 5: good.state[0] } }, /state for parameter 5, which no group lists/);
    expectReject({ ...good, state: { 0: { step: 1, tensors: { expAvg: tensor([1], { dtype: 'float64' }), expAvgSq: tensor([1], { dtype: 'float64' }) } } } }, /expAvg is float64\[1\], parameter is float64\[2,3\]/);
    expectReject({ ...good, state: { 0: { step: 1, tensors: { expAvg: good.state[0]!.tensors['expAvg'] } } } }, /state tensors are \[expAvg\], expected \[expAvg, expAvgSq\]/);
    expectReject({ ...good, state: { 0: { ...good.state[0]!, step: -2 } } }, /step: non-negative integer/);
  });
});
