// The video table's bootstrap: rows resampled together, standard errors against the closed form of a
// mean, and the paired difference of two rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '@diffusion-ts/tensor';
import { ClipFeatureMoments, clipCoherences, pixelStatistics, type ClipBatch } from '@diffusion-ts/diffusion';
import { bootstrapRows, measuresOf, pairedDifference, standardErrors, type ClipParts } from './video-bootstrap.ts';

/** n clips [n, 1, 4, 12, 12] of a 3×3 square moving right by one pixel a frame, with a jump of `jump` px at a random frame in some clips. */
function clips(n: number, seed: number, jump: number): ClipBatch {
  const g = new Generator(seed), F = 4, S = 12, data = new Float32Array(n * F * S * S).fill(-1);
  for (let i = 0; i < n; i++) {
    const at = g.integer(1, F), jumps = g.random() < 0.5, y0 = g.integer(1, 6);
    for (let f = 0; f < F; f++) {
      const x0 = 1 + f + (jumps && f >= at ? jump : 0);
      for (let y = y0; y < y0 + 3; y++) for (let x = x0; x < x0 + 3; x++) data[((i * F + f) * S + y) * S + x] = 1;
    }
  }
  return { data, shape: [n, 1, F, S, S] };
}

const partsOf = async (c: ClipBatch): Promise<ClipParts> => ({ features: await ClipFeatureMoments.of(c, pixelStatistics), coherence: clipCoherences(c) });

describe('video table bootstrap', () => {
  it('the warping error\'s standard error is that of a mean over clips, s/√n', async () => {
    const n = 60, c = clips(n, 1, 3), parts = await partsOf(c), reference = await ClipFeatureMoments.of(clips(n, 2, 0), pixelStatistics);
    const perClip = parts.coherence.map((p) => p.warpSum / p.warpCount); // every clip has F − 1 pairs, so the pooled error is their mean
    const mean = perClip.reduce((a, b) => a + b, 0) / n;
    const closedForm = Math.sqrt(perClip.reduce((a, v) => a + (v - mean) ** 2, 0) / n / n);
    assert.ok(closedForm > 0);
    const [replicates] = bootstrapRows([parts], reference, { replicates: 1000, seed: 3 });
    // se_B with B = 1,000 has a relative Monte Carlo error of about 1/√(2B) = 2.2%: 10% is 4.5 of those.
    const se = standardErrors(replicates!).warpError;
    assert.ok(Math.abs(se / closedForm - 1) < 0.1, `${se} against ${closedForm}`);
    assert.ok(Math.abs(measuresOf(parts, reference.moments()).warpError - mean) < 1e-12);
  });

  it('paired: a row against itself differs by exactly 0; the same clips with jumps are worse, the whole interval on one side', async () => {
    const n = 40, reference = await ClipFeatureMoments.of(clips(n, 5, 0), pixelStatistics);
    const smooth = await partsOf(clips(n, 4, 0)), jumpy = await partsOf(clips(n, 4, 4)); // same seed: the same clips, some of them jumping
    const [a, b] = bootstrapRows([smooth, jumpy], reference, { replicates: 200, seed: 0 });
    const point = (p: ClipParts) => measuresOf(p, reference.moments());
    const self = pairedDifference({ point: point(smooth), replicates: a! }, { point: point(smooth), replicates: a! });
    assert.deepEqual([self.warpError.difference, self.warpError.standardError, self.warpError.low, self.warpError.high], [0, 0, 0, 0]);
    const d = pairedDifference({ point: point(smooth), replicates: a! }, { point: point(jumpy), replicates: b! });
    assert.ok(d.warpError.difference < 0 && d.warpError.high < 0, JSON.stringify(d.warpError));
    assert.ok(d.centroidAcceleration.high < 0, JSON.stringify(d.centroidAcceleration));
  });

  it('refuses rows of different sizes, naming them', async () => {
    const reference = await ClipFeatureMoments.of(clips(5, 1, 0), pixelStatistics);
    assert.throws(() => bootstrapRows([{ features: reference, coherence: [] }], reference, { replicates: 2, seed: 0 }), /bootstrapRows: row 0 has 5 clips of features and 0 of coherence; every row must have row 0's 5/);
  });
});
