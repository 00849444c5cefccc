import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Generator } from '@diffusion-ts/tensor';
import { epochsOf, mnistImages, mnistSplit } from './mnist.ts';
import { datasetNames, datasets, heldOut, heldOutSeed, isDatasetName, type DatasetKind } from './registry.ts';

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const rank: Record<DatasetKind, number> = { '2d': 2, image: 4, binary: 4, video: 5 };

describe('datasets registry', () => {
  it('lists the promised names', () => {
    assert.deepEqual(
      [...datasetNames].sort(),
      ['binary16', 'checkerboard', 'clips16', 'gmm8', 'mnist', 'mnist16', 'moons', 'moving-mnist', 'moving-mnist64', 'ring', 'shapes16', 'shapes32', 'swiss-roll'].sort(),
    );
    assert.ok(isDatasetName('moons'));
    assert.ok(isDatasetName('mnist'));
    assert.ok(!isDatasetName('toString'));
    assert.ok(!isDatasetName('mnist32'));
  });

  for (const name of datasetNames) {
    it(`${name}: makes n samples of its kind, deterministically`, () => {
      const entry = datasets[name];
      assert.ok(entry.describe.length > 0);
      const d = entry.make(3, new Generator(1));
      assert.equal(d.shape.length, rank[entry.kind]);
      assert.equal(d.shape[0], 3);
      assert.equal(d.data.length, d.shape.reduce((a, b) => a * b, 1));
      if (entry.kind === '2d') assert.equal(d.shape[1], 2);
      if (entry.kind === 'image') assert.ok(d.shape[1] === 3 || d.shape[1] === 1);
      if (entry.kind === 'image' || entry.kind === 'video') assert.ok(d.data.every((x) => x >= -1 && x <= 1));
      if (entry.kind === 'video') assert.ok(d.shape[1] === 3 || d.shape[1] === 1, `${name}: ${d.shape[1]} channels`);
      if (entry.kind === 'binary') assert.ok(d.shape[1] === 1 && d.data.every((x) => x === 0 || x === 1));
      if (d.labels) assert.ok(d.numClasses !== undefined && d.labels.every((l) => l >= 0 && l < d.numClasses!));
      assert.deepEqual(bytes(d.data), bytes(entry.make(3, new Generator(1)).data));
    });
  }

  it('heldOut: deterministic, and a different stream from training with the same seed', () => {
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        const held = heldOut('swiss-roll', 8, seed);
        assert.deepEqual(bytes(held.data), bytes(heldOut('swiss-roll', 8, seed).data));
        assert.notDeepEqual(bytes(held.data), bytes(datasets['swiss-roll'].make(8, new Generator(seed)).data));
        const s = heldOutSeed(seed);
        assert.ok(Number.isSafeInteger(s) && s >= 0 && s !== seed);
      }),
      { seed: 42, numRuns: 30 },
    );
    const seeds = new Set(Array.from({ length: 200 }, (_, i) => heldOutSeed(i)));
    assert.equal(seeds.size, 200);
    for (let i = 0; i < 200; i++) assert.ok(!seeds.has(i), 'a held-out seed equals a small training seed');
    assert.throws(() => heldOutSeed(-1), /seed/);
  });
});

describe('mnist in the registry', () => {
  it('mnist is 32x32 and mnist16 16x16 grey digits in [−1, 1] with 10 classes; heldOut draws held-out digits only', () => {
    assert.deepEqual(datasets.mnist.make(2, new Generator(0)).shape, [2, 1, 32, 32]);
    assert.deepEqual(datasets.mnist16.make(2, new Generator(0)).shape, [2, 1, 16, 16]);
    const { train, heldOut: held } = mnistSplit();
    const g = new Generator(heldOutSeed(3));
    assert.deepEqual(bytes(heldOut('mnist16', 50, 3).data), bytes(mnistImages(epochsOf(held, 50, g), 16).data));
    assert.deepEqual(bytes(datasets.mnist.make(50, new Generator(3)).data), bytes(mnistImages(epochsOf(train, 50, new Generator(3)), 32).data));
    assert.equal(heldOut('mnist', 1, 0).numClasses, 10);
  });
});

describe('gmm8', () => {
  it('draws the analytic mixture whose exact denoiser the diffusion package exports', () => {
    const d = datasets.gmm8.make(4000, new Generator(1));
    let r2 = 0;
    for (let i = 0; i < 4000; i++) r2 += d.data[2 * i]! ** 2 + d.data[2 * i + 1]! ** 2;
    // Points sit on the unit circle with std 0.1 per axis: E|x|² = 1 + 2·0.01.
    assert.ok(Math.abs(r2 / 4000 - 1.02) < 0.01, `mean squared radius ${r2 / 4000}`);
    assert.equal(d.numClasses, 8);
    assert.equal(new Set(d.labels).size, 8);
  });
});
