// The MNIST judge's frame features on Moving MNIST (judge-frame-features.ts), with the shipped judge:
// a batch gives each frame's features alone, moving-mnist64 (pooled 2×2) gives moving-mnist's, and the
// Fréchet distance between held-out sets is far below that to corrupted frames.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '@diffusion-ts/tensor';
import { frameMoments, frechetDistance, type FrameFeatures } from '@diffusion-ts/diffusion';
import { heldOut } from '../data/registry.ts';
import { judgeFrameFeatures } from './judge-frame-features.ts';
import { loadJudge, shippedClassifier } from './quality.ts';
import type { Session } from './session.ts';

let judge: Session;
let features: FrameFeatures;
before(async () => {
  judge = await loadJudge(shippedClassifier, '--judge');
  features = await judgeFrameFeatures(judge, { pool: 1 });
});

/** The frames of held-out clips as [N·F, 1, S, S] (clips have one channel, so frame-major is the clip layout). */
function heldOutFrames(data: 'moving-mnist' | 'moving-mnist64', n: number, seed: number): { frames: Float32Array; shape: [number, number, number, number] } {
  const d = heldOut(data, n, seed);
  const [N, C, F, H, W] = d.shape as [number, number, number, number, number];
  return { frames: d.data, shape: [N * F, C, H, W] };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a, (v, k) => Math.abs(v - b[k]!)).reduce((m, v) => Math.max(m, v), 0);

describe('judgeFrameFeatures (MNIST judge on centroid crops of Moving MNIST frames)', () => {
  it('128 penultimate features per frame, named in full', () => {
    assert.equal(features.dim, 128);
    assert.equal(features.name, 'MNIST judge, 128 penultimate features of 16×16 centroid crops');
  });

  it('a batch of 264 frames (past the judge\'s batch of 250) gives each frame the features it gets alone', async () => {
    const { frames, shape } = heldOutFrames('moving-mnist', 33, 5);
    const all = await features.extract(frames, shape);
    assert.equal(all.length, 264 * 128);
    const plane = shape[2] * shape[3];
    for (const m of [0, 7, 100, 249, 250, 263]) {
      const alone = await features.extract(frames.slice(m * plane, (m + 1) * plane), [1, 1, shape[2], shape[3]]);
      assert.ok(maxAbsDiff(alone, all.subarray(m * 128, (m + 1) * 128)) < 1e-4, `frame ${m}`);
    }
  });

  it('moving-mnist64 with pool 2 gives the features of moving-mnist, the same clips pooled 2×2', async () => {
    const small = heldOutFrames('moving-mnist', 4, 3), large = heldOutFrames('moving-mnist64', 4, 3);
    const pooled = await judgeFrameFeatures(judge, { pool: 2 });
    assert.match(pooled.name, /of the 2×2-averaged frames$/);
    const a = await features.extract(small.frames, small.shape), b = await pooled.extract(large.frames, large.shape);
    assert.ok(maxAbsDiff(a, b) < 1e-4, `largest difference ${maxAbsDiff(a, b)}`);
    assert.ok(a.some((v) => v > 0.1), 'the features are not all zero');
  });

  it('held-out frames against other held-out frames score far lower than against noised, blurred or mirrored ones', async () => {
    // 128 clips of 8 frames per set: the floor (the estimator's bias at this n) falls as 1/n, so the gap
    // is clear here and wider at the README's 256 clips. Translations are not a corruption for these
    // features: the crops follow the digit (centroidCrops' tests).
    const reference = await frameMoments(heldOut('moving-mnist', 128, 0), features), other = heldOut('moving-mnist', 128, 1);
    const [, , , H, W] = other.shape as [number, number, number, number, number];
    const g = new Generator(9);
    const noised = other.data.map((v) => Math.max(-1, Math.min(1, v + 0.5 * g.normal())));
    const mirrored = other.data.map((_, k) => other.data[k - (k % W) + W - 1 - (k % W)]!);
    const blurred = other.data.map((_, k) => { // 3×3 box blur within each frame
      const x = k % W, y = Math.floor(k / W) % H, origin = k - x - y * W;
      let s = 0, count = 0;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(H - 1, y + 1); yy++) for (let xx = Math.max(0, x - 1); xx <= Math.min(W - 1, x + 1); xx++) { s += other.data[origin + yy * W + xx]!; count++; }
      return s / count;
    });
    const d = async (data: Float32Array) => frechetDistance(await frameMoments({ data, shape: other.shape }, features), reference);
    const floor = await d(other.data);
    const corrupted = { noised: await d(noised), blurred: await d(blurred), mirrored: await d(mirrored) };
    const report = JSON.stringify({ floor, ...corrupted });
    assert.ok(corrupted.noised > 3 * floor && corrupted.blurred > 3 * floor, report);
    assert.ok(corrupted.mirrored > 1.5 * floor, report);
  });

  it('refuses a judge that is not an mnist16 classifier and frames of the wrong channels, naming them', async () => {
    await assert.rejects(judgeFrameFeatures({ ...judge, config: { ...judge.config, data: 'mnist' } }, { pool: 1 }), /take a --model classifier run on mnist16 .* the judge is a --model classifier run on mnist/);
    await assert.rejects(features.extract(new Float32Array(3 * 32 * 32), [1, 3, 32, 32]), /the judge takes 1-channel frames, got frames \[1,3,32,32\]/);
  });
});
