// The bootstrap (Efron & Tibshirani 1993) and the per-clip parts of the video metrics that it resamples:
// a weighted pool must equal the metric of the clips physically repeated.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '@diffusion-ts/tensor';
import { bootstrapWeights, summarizeReplicates } from './bootstrap.ts';
import { ClipFeatureMoments, clipCoherences, frameMoments, pixelStatistics, pooledCoherence, temporalCoherence, type ClipBatch } from './video.ts';

describe('bootstrap', () => {
  it('every resample draws n items, the same ones for the same seed, each item once on average', () => {
    const a = bootstrapWeights(50, 400, 7), b = bootstrapWeights(50, 400, 7), c = bootstrapWeights(50, 400, 8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    for (const w of a) assert.equal(w.reduce((s, v) => s + v, 0), 50);
    // Multiplicities are Binomial(50, 1/50), mean 1 and variance 0.98: over 400 resamples an item's mean has standard error 0.05, and 0.25 is five of those.
    for (let i = 0; i < 50; i++) {
      const mean = a.reduce((s, w) => s + w[i]!, 0) / a.length;
      assert.ok(Math.abs(mean - 1) < 0.25, `item ${i}: mean multiplicity ${mean}`);
    }
    assert.throws(() => bootstrapWeights(0, 10, 0), /bootstrapWeights: n must be a positive integer, got 0/);
    assert.throws(() => bootstrapWeights(5, 1, 0), /replicates must be an integer ≥ 2, got 1/);
  });

  it('summarizeReplicates: the sample standard deviation and numpy-style linear quantiles', () => {
    const s = summarizeReplicates([4, 1, 3, 2, 5], 0.5);
    assert.ok(Math.abs(s.standardError - Math.sqrt(2.5)) < 1e-12);
    assert.equal(s.low, 2); // np.quantile([1..5], 0.25)
    assert.equal(s.high, 4);
    const t = summarizeReplicates([0, 10], 0.9); // quantiles 0.05 and 0.95 of two points
    assert.ok(Math.abs(t.low - 0.5) < 1e-12 && Math.abs(t.high - 9.5) < 1e-12);
    assert.throws(() => summarizeReplicates([1, NaN, 2]), /the replicates include NaN/);
    assert.throws(() => summarizeReplicates([1]), /needs at least 2 replicates, got 1/);
  });

  it('the bootstrap standard error of a mean matches its closed form s/√n (plug-in s)', () => {
    const g = new Generator(3), n = 400;
    const x = Float64Array.from({ length: n }, () => 2 + 3 * g.normal());
    const mean = x.reduce((a, b) => a + b, 0) / n;
    const plugIn = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / n) / Math.sqrt(n);
    const replicates = bootstrapWeights(n, 2000, 4).map((w) => w.reduce((a, c, i) => a + c * x[i]!, 0) / n);
    const { standardError, low, high } = summarizeReplicates(replicates);
    // se_B with B = 2,000 has a relative Monte Carlo error of about 1/√(2B) = 1.6%: 6% is four of those.
    assert.ok(Math.abs(standardError / plugIn - 1) < 0.06, `${standardError} against ${plugIn}`);
    // And the 95% percentile interval is about mean ± 1.96 se.
    assert.ok(Math.abs((high - low) / (2 * 1.96 * plugIn) - 1) < 0.1, `[${low}, ${high}]`);
  });
});

/** n clips [n, 1, 5, 12, 12] of a bright 3×3 square moving with a random velocity and some jitter. */
function movingSquares(n: number, seed: number): ClipBatch {
  const g = new Generator(seed), F = 5, S = 12, data = new Float32Array(n * F * S * S).fill(-1);
  for (let i = 0; i < n; i++) {
    const vx = g.integer(-1, 2), vy = g.integer(-1, 2);
    for (let f = 0; f < F; f++) {
      const x0 = 4 + vx * f + g.integer(0, 2), y0 = 4 + vy * f, level = 0.5 + 0.5 * g.random();
      for (let y = y0; y < y0 + 3; y++) for (let x = x0; x < x0 + 3; x++) data[((i * F + f) * S + y) * S + x] = level;
    }
  }
  return { data, shape: [n, 1, F, S, S] };
}

/** The clips with clip i repeated weights[i] times. */
function repeated(clips: ClipBatch, weights: ArrayLike<number>): ClipBatch {
  const per = clips.data.length / clips.shape[0]!, parts: number[] = [];
  for (let i = 0; i < weights.length; i++) for (let k = 0; k < weights[i]!; k++) parts.push(i);
  const data = new Float32Array(parts.length * per);
  parts.forEach((i, at) => data.set(Array.prototype.slice.call(clips.data, i * per, (i + 1) * per), at * per));
  return { data, shape: [parts.length, ...clips.shape.slice(1)] };
}

describe('video metrics resampled by clip', () => {
  const clips = movingSquares(9, 1), weights = Uint32Array.of(2, 0, 1, 3, 0, 0, 1, 1, 1);
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    assert.equal(a.length, b.length);
    for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k]! - b[k]!) <= 1e-9 * (1 + Math.abs(b[k]!)), `${what}[${k}]: ${a[k]} against ${b[k]}`);
  };

  it('pooledCoherence with weights is the temporal coherence of the clips repeated', () => {
    const pooled = pooledCoherence(clipCoherences(clips), weights), direct = temporalCoherence(repeated(clips, weights));
    for (const key of ['warpError', 'centroidAcceleration', 'massVariation', 'sizeVariation'] as const) close([pooled[key]], [direct[key]], key);
    assert.throws(() => pooledCoherence(clipCoherences(clips), [1, 2]), /pooledCoherence: 2 weights for 9 clips/);
  });

  it('ClipFeatureMoments: unweighted equals frameMoments, weighted equals frameMoments of the clips repeated', async () => {
    const parts = await ClipFeatureMoments.of(clips, pixelStatistics);
    const all = await frameMoments(clips, pixelStatistics), each = parts.moments();
    close(each.mean, all.mean, 'mean');
    close(each.covariance, all.covariance, 'covariance');
    const weighted = parts.moments(weights), direct = await frameMoments(repeated(clips, weights), pixelStatistics);
    close(weighted.mean, direct.mean, 'weighted mean');
    close(weighted.covariance, direct.covariance, 'weighted covariance');
    assert.throws(() => parts.moments(new Uint32Array(9)), /a covariance needs at least 2 points, got 0/);
  });
});
