import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '@diffusion-ts/tensor';
import { mnistDigits, mnistSplit } from './mnist.ts';
import { movingMnistClips, movingMnistHeldOut, movingMnistTrain, randomMovingDigits } from './moving-mnist.ts';
import { heldOut, datasets } from './registry.ts';

describe('Moving MNIST (Srivastava et al. 2015)', () => {
  it('is a function of the seed: same seed, same clips; shapes [n, 1, 8, S, S]; values in [−1, 1] with the background at −1', () => {
    const a = movingMnistTrain(6, new Generator(3), 32), b = movingMnistTrain(6, new Generator(3), 32), c = movingMnistTrain(6, new Generator(4), 32);
    assert.deepEqual(a.shape, [6, 1, 8, 32, 32]);
    assert.deepEqual(a.data, b.data);
    assert.notDeepEqual(a.data, c.data);
    assert.ok(a.data.every((v) => v >= -1 && v <= 1));
    const background = a.data.filter((v) => v === -1).length / a.data.length;
    assert.ok(background > 0.6 && background < 0.98, `background fraction ${background}`);
    assert.deepEqual(movingMnistTrain(2, new Generator(0), 64).shape, [2, 1, 8, 64, 64]);
  });

  it('the 32×32 clip is the 64×64 clip of the same seed averaged over 2×2 blocks', () => {
    const big = movingMnistTrain(3, new Generator(9), 64), small = movingMnistTrain(3, new Generator(9), 32);
    for (let f = 0; f < 3 * 8; f++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
      const at = (dy: number, dx: number) => big.data[f * 4096 + (2 * y + dy) * 64 + 2 * x + dx]!;
      const mean = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
      assert.ok(Math.abs(small.data[f * 1024 + y * 32 + x]! - mean) < 1e-6);
    }
  });

  it('a lone digit stays whole inside the frame: every frame holds exactly its ink, and it moves', () => {
    const { pixels } = mnistDigits();
    let checked = 0;
    for (let seed = 0; checked < 5; seed++) {
      const digits = randomMovingDigits(new Generator(seed), mnistSplit().train);
      if (digits.length !== 1) continue;
      const clip = movingMnistTrain(1, new Generator(seed), 64);
      const ink = pixels.subarray(digits[0]!.index * 784, (digits[0]!.index + 1) * 784).reduce((s, v) => s + v, 0);
      const frames = Array.from({ length: 8 }, (_, t) => clip.data.subarray(t * 4096, (t + 1) * 4096));
      for (const frame of frames) assert.ok(Math.abs(frame.reduce((s, v) => s + (v + 1) / 2, 0) - ink) < 1e-3);
      assert.notDeepEqual(frames[0], frames[1]);
      checked++;
    }
  });

  it('training clips draw training digits only, held-out clips held-out digits only', () => {
    const { train, heldOut: held } = mnistSplit();
    const trainSet = new Set(train), heldSet = new Set(held);
    const g = new Generator(5);
    for (let i = 0; i < 200; i++) for (const d of randomMovingDigits(g, train)) assert.ok(trainSet.has(d.index));
    for (let i = 0; i < 200; i++) for (const d of randomMovingDigits(g, held)) assert.ok(heldSet.has(d.index));
    // The registry's held-out clips are movingMnistHeldOut on the held-out stream.
    assert.deepEqual(heldOut('moving-mnist', 2, 0).shape, [2, 1, 8, 32, 32]);
    assert.equal(datasets['moving-mnist64'].kind, 'video');
    assert.notDeepEqual(movingMnistHeldOut(2, new Generator(1), 32).data, movingMnistTrain(2, new Generator(1), 32).data);
  });

  it('refuses bad sizes, frame counts and empty pools, naming the value', () => {
    const pool = mnistSplit().train;
    assert.throws(() => movingMnistClips(1, new Generator(0), { size: 48 as 32, pool }), /size must be 32 or 64, got 48/);
    assert.throws(() => movingMnistClips(1, new Generator(0), { size: 32, frames: 0, pool }), /frames must be an integer in \[1, 64\], got 0/);
    assert.throws(() => movingMnistClips(1, new Generator(0), { size: 32, pool: new Int32Array(0) }), /pool is empty/);
  });
});
