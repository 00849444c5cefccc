import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gaussianMmd, momentsOf, slicedWasserstein } from './distances.ts';
import { circleMixture, gmm1d2, gmm2d8 } from '../gmm/gaussian-mixture.ts';
import { Generator } from '@diffusion-ts/tensor';

const shift = (points: Float64Array, d: number, s: readonly number[]): Float64Array => points.map((v, i) => v + s[i % d]!);

describe('slicedWasserstein', () => {
  it('is 0 for identical sets (also as Float32Array vs Float64Array of the same values)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 50 }), fc.nat(), (d, n, seed) => {
        const g = new Generator(seed);
        const a = Float64Array.from({ length: n * d }, () => g.normal());
        assert.equal(slicedWasserstein(a, Float64Array.from(a), d, { rand: new Generator(1), projections: 16 }), 0);
        const f32 = Float32Array.from(a);
        assert.equal(slicedWasserstein(f32, Float64Array.from(f32), d, { rand: new Generator(1), projections: 16 }), 0);
      }),
      { seed: 42, numRuns: 50 },
    );
  });

  it('grows with a shift, as |s|/√d for SW_2 (exact per direction: W_2 of a shifted set is |θᵀs|)', () => {
    const d = 2;
    const a = gmm2d8.sample(500, new Generator(5));
    let previous = 0;
    for (const size of [0.1, 0.5, 1, 2, 4]) {
      const sw = slicedWasserstein(a, shift(a, d, [size * 0.6, size * 0.8]), d, { rand: new Generator(9), projections: 400 });
      assert.ok(sw > previous, `size ${size}: ${sw} <= ${previous}`);
      // E_θ (θᵀs)² = |s|²/d over uniform directions; 400 directions estimate it to a few per cent.
      assert.ok(Math.abs(sw - size / Math.SQRT2) < 0.05 * size, `size ${size}: ${sw} vs ${size / Math.SQRT2}`);
      previous = sw;
    }
  });

  it('is exact in 1-D for sets of different sizes (quantile matching)', () => {
    // a = {0, 1}, b = {0, 0.5, 1}: quantile functions differ on mass 1/6 by 0.5 at two places -> W_1 = 1/6 · 0.5 · 2.
    const w1 = slicedWasserstein([0, 1], [0, 0.5, 1], 1, { rand: new Generator(0), projections: 3, p: 1 });
    assert.ok(Math.abs(w1 - 1 / 6) < 1e-15, `${w1}`);
    const w2 = slicedWasserstein([0, 1], [0, 0.5, 1], 1, { rand: new Generator(0), projections: 3 });
    assert.ok(Math.abs(w2 - Math.sqrt((2 / 6) * 0.25)) < 1e-15, `${w2}`);
  });

  it('is small between two samples of the same mixture and larger against a wider ring', () => {
    const a = gmm2d8.sample(1000, new Generator(1));
    const b = gmm2d8.sample(1000, new Generator(2));
    const c = circleMixture(8, { radius: 1.5 }).sample(1000, new Generator(2));
    const same = slicedWasserstein(a, b, 2, { rand: new Generator(3) });
    const other = slicedWasserstein(a, c, 2, { rand: new Generator(3) });
    // Radius 1 -> 1.5 moves every projected quantile by about half of itself: SW_2 ≈ 0.5 · 0.71.
    assert.ok(same < 0.15 && other > 0.25 && other > 3 * same, `same ${same}, other ${other}`);
  });

  it('projects on the directions rand draws, normalised: (3, 4) gives θ = (0.6, 0.8)', () => {
    // a = {(0, 0)}, b = {(1, 2)}: θᵀ(b − a) = 0.6 + 1.6 = 2.2 for every projection, so SW_p = 2.2 for any p.
    const draws = [3, 4];
    let k = 0;
    const rand = { normal: () => draws[k++ % 2]! };
    assert.ok(Math.abs(slicedWasserstein([0, 0], [1, 2], 2, { rand, projections: 3 }) - 2.2) < 1e-15);
    assert.ok(Math.abs(slicedWasserstein([0, 0], [1, 2], 2, { rand, projections: 2, p: 1 }) - 2.2) < 1e-15);
    assert.equal(k, 10); // two numbers per direction, nothing else
  });

  it('rejects malformed inputs', () => {
    const rand = new Generator(0);
    assert.throws(() => slicedWasserstein([1, 2, 3], [1, 2], 2, { rand }), /^RangeError: slicedWasserstein: a has 3 numbers/);
    assert.throws(() => slicedWasserstein([1, 2], [1, 2], 2, { rand, projections: 0 }), /projections/);
    assert.throws(() => slicedWasserstein([1, 2], [1, 2], 2, { rand, p: 0.5 }), /p must be/);
  });
});

describe('gaussianMmd', () => {
  it('is exactly 0 for identical sets, positive otherwise, and grows with a shift', () => {
    const a = gmm1d2.sample(300, new Generator(4));
    assert.equal(gaussianMmd(a, Float64Array.from(a), 1), 0);
    let previous = 0;
    for (const size of [0.2, 0.5, 1, 2]) {
      const mmd = gaussianMmd(a, shift(a, 1, [size]), 1, { bandwidth: 0.5 });
      assert.ok(mmd > previous, `size ${size}`);
      previous = mmd;
    }
  });

  it('has the closed form for single points: 2 − 2 exp(−|x − y|²/(2h²)) per bandwidth', () => {
    const mmd = gaussianMmd([0, 0], [3, 4], 2, { bandwidth: [1, 5] });
    const expected = 2 * (1 - Math.exp(-25 / 2)) + 2 * (1 - Math.exp(-25 / 50));
    assert.ok(Math.abs(mmd - expected) < 1e-15);
  });

  it('separates samples of the same mixture from samples of a wider ring (median-heuristic bandwidth)', () => {
    const a = gmm2d8.sample(300, new Generator(1));
    const b = gmm2d8.sample(300, new Generator(2));
    const c = circleMixture(8, { radius: 1.5 }).sample(300, new Generator(2));
    const same = gaussianMmd(a, b, 2);
    const other = gaussianMmd(a, c, 2);
    assert.ok(other > 5 * same, `same ${same}, other ${other}`);
    assert.throws(() => gaussianMmd(a, b, 2, { bandwidth: 0 }), /bandwidths must be positive/);
  });
});

describe('gaussianMmd: the median heuristic', () => {
  const mmd1d = (a: number[], b: number[], h: number) => {
    const k = (x: number, y: number) => Math.exp(-((x - y) ** 2) / (2 * h * h));
    const mean = (x: number[], y: number[]) => x.reduce((s, u) => s + y.reduce((t, v) => t + k(u, v), 0), 0) / (x.length * y.length);
    return mean(a, a) + mean(b, b) - 2 * mean(a, b);
  };

  it('takes h = the upper median of the pooled pairwise distances', () => {
    // Pooled {0, 3, 7}: distances 3, 7, 4, whose median is 4 (not 1, so h, h² and √h all differ).
    const mmd = gaussianMmd([0, 3], [7], 1);
    assert.ok(Math.abs(mmd - mmd1d([0, 3], [7], 4)) < 1e-15, `${mmd} vs ${mmd1d([0, 3], [7], 4)}`);
    // Pooled {0, 2, 6, 7}: distances 2, 6, 7, 4, 5, 1 sorted 1, 2, 4, 5, 6, 7; the upper median is 5.
    const even = gaussianMmd([0, 2], [6, 7], 1);
    assert.ok(Math.abs(even - mmd1d([0, 2], [6, 7], 5)) < 1e-15, `${even} vs ${mmd1d([0, 2], [6, 7], 5)}`);
  });

  it('measures distances in d dimensions (a 3-4-5 triangle: median 4) and falls back to h = 1 when the median is 0', () => {
    const h4 = gaussianMmd([0, 0, 3, 0], [3, 4], 2);
    const k = (s: number) => Math.exp(-s / 32);
    const expected = (2 + 2 * k(9)) / 4 + 1 - 2 * (k(25) + k(16)) / 2;
    assert.ok(Math.abs(h4 - expected) < 1e-15, `${h4} vs ${expected}`);
    // Four copies of 0 and one 5: six zero distances of ten, so the median is 0 and h = 1.
    const fallback = gaussianMmd([0, 0, 0, 0], [5], 1);
    assert.ok(Math.abs(fallback - (2 - 2 * Math.exp(-12.5))) < 1e-15, `${fallback}`);
  });
});

describe('momentsOf', () => {
  it('computes the mean and the unbiased covariance', () => {
    const { mean, covariance } = momentsOf([1, 2, 3, 6, 5, 10], 2); // points (1,2), (3,6), (5,10)
    assert.deepEqual(Array.from(mean), [3, 6]);
    assert.deepEqual(Array.from(covariance), [4, 8, 8, 16]);
    assert.throws(() => momentsOf([1, 2], 2), /need at least 2 points/);
    const two = momentsOf([0, 0, 2, 4], 2); // the fewest points with a covariance
    assert.deepEqual([...two.mean, ...two.covariance], [1, 2, 2, 4, 4, 8]);
  });
});
