// Which frame features the video table uses (frameFeaturesFor, shared by `eval --video` and
// bench/video-metrics.ts), and the table's header naming them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pixelStatistics } from '@diffusion-ts/diffusion';
import { frameFeaturesFor, floorRow, videoTable } from './video-eval.ts';

describe('video table: frame features', () => {
  it('the MNIST judge by default on Moving MNIST (pooled 2×2 at 64×64), pixel statistics on other clips or when asked', async () => {
    assert.equal((await frameFeaturesFor('moving-mnist', undefined)).name, 'MNIST judge, 128 penultimate features of 16×16 centroid crops');
    assert.equal((await frameFeaturesFor('moving-mnist64', undefined)).name, 'MNIST judge, 128 penultimate features of 16×16 centroid crops of the 2×2-averaged frames');
    assert.equal(await frameFeaturesFor('clips16', undefined), pixelStatistics);
    assert.equal(await frameFeaturesFor('moving-mnist', 'pixels'), pixelStatistics);
    await assert.rejects(frameFeaturesFor('clips16', 'judge'), /--features judge: the MNIST judge measures Moving MNIST frames .*'clips16' is not, so use --features pixels/);
  });

  it('the floor row in the judge\'s features, with the table header naming them', async () => {
    const features = await frameFeaturesFor('moving-mnist', undefined);
    const { row } = await floorRow('moving-mnist', 3, 0, features);
    assert.ok(Number.isFinite(row.frechet) && row.frechet > 0, String(row.frechet));
    const table = videoTable([row], features);
    assert.match(table, /^\| \| Fréchet distance \(MNIST judge, 128 penultimate features of 16×16 centroid crops\) \| warping error \|/);
    assert.match(table, /\| data against data \(floor\) \| \d+\.\d{4} \|/);
  });
});
