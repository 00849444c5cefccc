import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, tensor, type Tensor } from '@diffusion-ts/tensor';
import { Adam, EncoderUNet, Module } from '@diffusion-ts/nn';
import { GaussianDiffusion } from '../gaussian/diffusion.ts';
import { linearBetas } from '../schedules/betas.ts';
import { classifierLogitsFn, classifierLoss, trainClassifierStep, type NoisingProcess } from './train-classifier.ts';

const T = 100;
const diffusion = new GaussianDiffusion(linearBetas(T));

/** Two classes of 8×8 RGB images: a constant colour per class, plus N(0, 0.2²) pixel noise. */
function colourBatch(n: number, g: Generator): { x0: Tensor; labels: Int32Array } {
  const colours = [[0.6, -0.4, 0.1], [-0.2, 0.3, -0.6]];
  const labels = Int32Array.from({ length: n }, () => g.integer(0, 2));
  const values = new Float32Array(n * 3 * 64);
  labels.forEach((y, b) => {
    for (let c = 0; c < 3; c++) for (let p = 0; p < 64; p++) values[(b * 3 + c) * 64 + p] = colours[y]![c]! + 0.2 * g.normal();
  });
  return { x0: tensor(values, { shape: [n, 3, 8, 8] }), labels };
}

/** The same process, with t drawn from {0, …, tMax − 1} only. */
const lowT = (d: GaussianDiffusion, tMax: number): NoisingProcess => ({ numTimesteps: tMax, qSample: d.qSample.bind(d), modelTimesteps: d.modelTimesteps.bind(d) });

describe('noised-image classifier training (classifier_train.py)', () => {
  it('feeds the classifier x_t = qSample(x₀, t, ε) with t, then ε, drawn from the generator; the loss is the mean cross-entropy', async () => {
    const g = new Generator(0);
    const x0 = randn([3, 1, 2, 2], { generator: g });
    const seen: { x: Tensor; t: Tensor }[] = [];
    const logits = tensor([[1, 2, 0.5], [0, 0, 3], [2, -1, 1]]);
    const spy = (x: Tensor, t: Tensor): Tensor => { seen.push({ x, t }); return logits; };
    const r = await classifierLoss(spy, diffusion, x0, [1, 2, 1], { generator: new Generator(7) });

    const replay = new Generator(7);
    const t = Int32Array.from({ length: 3 }, () => replay.integer(0, T));
    const expectedX = diffusion.qSample(x0, t, randn([3, 1, 2, 2], { generator: replay }));
    assert.deepEqual(Array.from(r.t), Array.from(t));
    assert.deepEqual(Array.from(seen[0]!.t.dataSync()), Array.from(t));
    assert.deepEqual(seen[0]!.x.dataSync(), expectedX.dataSync());

    // −log softmax by hand; the argmax of row 1 is class 1, of row 2 class 2, of row 3 class 0.
    const rows = [[1, 2, 0.5], [0, 0, 3], [2, -1, 1]], y = [1, 2, 1];
    const ce = rows.map((row, b) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[y[b]!]!);
    ce.forEach((v, b) => assert.ok(Math.abs(r.losses[b]! - v) < 1e-6));
    assert.ok(Math.abs(r.loss.item() - ce.reduce((s, v) => s + v, 0) / 3) < 1e-6);
    assert.equal(r.accuracy, 2 / 3);
  });

  it('noised: false shows the classifier the clean x₀ at t = 0; bad labels are named', async () => {
    const x0 = randn([2, 1, 2, 2]);
    const spy = (x: Tensor, t: Tensor): Tensor => {
      assert.deepEqual(x.dataSync(), x0.dataSync());
      assert.deepEqual(Array.from(t.dataSync()), [0, 0]);
      return tensor([[0, 1], [1, 0]]);
    };
    assert.equal((await classifierLoss(spy, diffusion, x0, [1, 0], { generator: new Generator(0), noised: false })).accuracy, 1);
    await assert.rejects(() => classifierLoss(spy, diffusion, x0, [1], { generator: new Generator(0), noised: false }), /1 labels for a batch of 2/);
    await assert.rejects(() => classifierLoss(spy, diffusion, x0, [1, 2], { generator: new Generator(0), noised: false }), /label 2 is not in \[0, 2\)/);
  });

  it('classifierLogitsFn runs the module in eval mode (or as asked) and restores its mode', () => {
    class Probe extends Module {
      modes: boolean[] = [];
      forward(x: Tensor, t: Tensor): Tensor { this.modes.push(this.training); return x.mean([1, 2, 3]).unsqueeze(1).add(t.unsqueeze(1)); }
    }
    const probe = new Probe();
    const x = randn([2, 1, 2, 2]), t = tensor([1, 2]);
    assert.deepEqual(classifierLogitsFn(probe)(x, t).shape, [2, 1]);
    classifierLogitsFn(probe, { mode: 'train' })(x, t);
    probe.eval();
    classifierLogitsFn(probe, { mode: 'asIs' })(x, t);
    assert.deepEqual(probe.modes, [false, true, false]);
    assert.equal(probe.training, false);
  });

  it('on two noisy constant-colour classes, 30 steps of an EncoderUNet take accuracy at low t far above chance', async (context) => {
    const g = new Generator(1);
    const classifier = new EncoderUNet({ imageSize: 8, inChannels: 3, outChannels: 2, modelChannels: 8, channelMult: [1, 2], numResBlocks: 1,
      attentionResolutions: [4], numGroups: 4, numHeadChannels: 8, useScaleShiftNorm: true, resblockUpdown: true, pool: 'attention' }, { generator: g });
    const logits = classifierLogitsFn(classifier, { mode: 'train' });
    const optimizer = new Adam(classifier.parameters(), { lr: 1e-2 });
    const evaluate = async (): Promise<number> => {
      const { x0, labels } = colourBatch(64, new Generator(99));
      return (await classifierLoss(classifierLogitsFn(classifier), lowT(diffusion, 10), x0, labels, { generator: new Generator(100) })).accuracy;
    };
    const before = await evaluate();
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const { x0, labels } = colourBatch(8, g);
      losses.push((await trainClassifierStep(logits, diffusion, optimizer, x0, labels, { generator: g })).loss);
    }
    const after = await evaluate();
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    context.diagnostic(`accuracy at t < 10: ${before.toFixed(2)} → ${after.toFixed(2)}; loss (mean of 5 steps) ${mean(losses.slice(0, 5)).toFixed(3)} → ${mean(losses.slice(-5)).toFixed(3)}`);
    assert.ok(after >= 0.9, `accuracy at low t ${after}`);
    assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)), 'the training loss falls');
  });
});
