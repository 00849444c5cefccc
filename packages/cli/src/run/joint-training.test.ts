// Joint image/video training (Ho et al. 2022, Sec. 3): which frames a training batch holds, and that the
// training loss calls the video U-Net with imageFrames = k.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator, tensor } from '@diffusion-ts/tensor';
import { movingShapesClips } from '../data/clips.ts';
import { configFromFlags } from './config.ts';
import { jointBatch } from './joint-training.ts';
import { runPaths } from './run-folder.ts';
import { createSession } from './session.ts';
import { train } from './trainer.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Frame f of clip i of a [N, C, F, H, W] array, all channels. */
function frameOf(data: ArrayLike<number>, [C, F, H, W]: readonly [number, number, number, number], i: number, f: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < C; c++) for (let k = 0; k < H * W; k++) out.push(data[((i * C + c) * F + f) * H * W + k]!);
  return out;
}

describe('jointBatch', () => {
  const data = movingShapesClips(6, new Generator(3), { frames: 8, size: 16 });
  const dims = data.shape.slice(1) as [number, number, number, number];

  it('keeps all F frames of each clip and appends k frames of other clips', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }), (k, list, seed) => {
      const indices = Int32Array.from(list);
      const { x } = jointBatch(data, indices, k, new Generator(seed));
      const [C, , H, W] = dims, longer: [number, number, number, number] = [C, 8 + k, H, W];
      assert.deepEqual(x.shape, [indices.length, ...longer]);
      const values = x.dataSync();
      indices.forEach((own, b) => {
        for (let f = 0; f < 8; f++) assert.deepEqual(frameOf(values, longer, b, f), frameOf(data.data, dims, own, f));
        for (let f = 8; f < 8 + k; f++) {
          const frame = frameOf(values, longer, b, f);
          const sources = [0, 1, 2, 3, 4, 5].filter((j) => j !== own).flatMap((j) => Array.from({ length: 8 }, (_, g) => frameOf(data.data, dims, j, g)));
          assert.ok(sources.some((s) => s.every((v, i) => v === frame[i])), `clip ${b} frame ${f} is no frame of another clip`);
        }
      });
    }), { numRuns: 20 });
  });

  it('draws every other clip and every frame (not a fixed choice)', () => {
    const { x } = jointBatch(data, new Int32Array(200).fill(2), 1, new Generator(0));
    const values = x.dataSync(), seen = new Set<string>();
    const [C, , H, W] = dims;
    for (let b = 0; b < 200; b++) {
      const frame = frameOf(values, [C, 9, H, W], b, 8);
      for (const j of [0, 1, 3, 4, 5]) for (let f = 0; f < 8; f++) if (frameOf(data.data, dims, j, f).every((v, i) => v === frame[i])) seen.add(`${j}:${f}`);
    }
    assert.equal(seen.size, 40); // 5 other clips x 8 frames, each drawn at least once in 200 (each misses with p = (39/40)^200 < 0.7%; the seed is fixed)
  });

  it('refuses k outside [1, F - 1] and a data set of one clip', () => {
    for (const k of [0, 8, 1.5]) assert.throws(() => jointBatch(data, Int32Array.of(0), k, new Generator(0)), /jointBatch: imageFrames must be an integer in \[1, 7\] \(clips of 8 frames\)/);
    const one = movingShapesClips(1, new Generator(0), { frames: 8, size: 16 });
    assert.throws(() => jointBatch(one, Int32Array.of(0), 2, new Generator(0)), /other clips; the data set has 1/);
  });
});

describe('joint training in the trainer', () => {
  it('the loss calls the video U-Net on F + k frames with imageFrames = k at every step; the sampling network calls it with none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-joint-'));
    try {
      const config = configFromFlags({ data: 'clips16', model: 'video-unet', objective: 'ddpm', timesteps: 25, seed: 0, batch: 2, lr: 1e-3, ema: 0.99, 'train-size': 4, cond: false, 'label-dropout': 0.1, 'image-frames': 3 });
      const session = createSession(config);
      const net = session.module as unknown as { forward: (...args: unknown[]) => unknown };
      const original = net.forward.bind(net), seen: unknown[] = [];
      const frames: number[] = [];
      net.forward = (...args: unknown[]) => { seen.push((args[3] as { imageFrames?: number } | undefined)?.imageFrames); frames.push((args[0] as { shape: number[] }).shape[2]!); return original(...args); };
      const { losses } = await train({ session, paths: runPaths(dir), steps: 2, checkpointEvery: 100 });
      assert.deepEqual(seen, [3, 3]);
      assert.deepEqual(frames, [11, 11]); // the 8 video frames and the 3 appended

      assert.ok(losses.every(Number.isFinite));
      session.forward(jointBatch(session.data, Int32Array.of(0), 3, new Generator(0)).x, tensor([1]));
      assert.equal(seen.length, 3);
      assert.equal(seen[2], undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
