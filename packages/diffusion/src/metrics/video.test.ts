import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '@diffusion-ts/tensor';
import { frechetDistance, RunningMoments } from './frechet.ts';
import { symmetricEigen } from './symmetric-eigen.ts';
import { frameFrechet, pixelStatistics, temporalCoherence, type ClipBatch } from './video.ts';

/** One clip [1, 1, F, S, S] of a 3×3 bright square at positions `at(t)` on a −1 background, scaled by brightness(t). */
function squareClip(F: number, S: number, at: (t: number) => [number, number], brightness: (t: number) => number = () => 1): ClipBatch {
  const data = new Float32Array(F * S * S).fill(-1);
  for (let t = 0; t < F; t++) {
    const [x0, y0] = at(t);
    for (let y = y0; y < y0 + 3; y++) for (let x = x0; x < x0 + 3; x++) data[t * S * S + y * S + x] = -1 + 2 * brightness(t);
  }
  return { data, shape: [1, 1, F, S, S] };
}

describe('Fréchet distance (Heusel et al. 2017)', () => {
  it('is zero for a set against itself and the closed form Σ(μ₁−μ₂)² + Σ(√a − √b)² for diagonal covariances', () => {
    const g = new Generator(1);
    const rows = Float64Array.from({ length: 500 * 3 }, () => g.normal());
    const m = new RunningMoments(3).add(rows).moments();
    assert.ok(frechetDistance(m, m) < 1e-9);
    const a = { mean: [0, 1, 2], covariance: [4, 0, 0, 0, 1, 0, 0, 0, 9] }, b = { mean: [1, 1, 0], covariance: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    assert.ok(Math.abs(frechetDistance(a, b) - (1 + 0 + 4 + (2 - 1) ** 2 + 0 + (3 - 1) ** 2)) < 1e-9);
  });

  it('the Jacobi eigendecomposition reconstructs a random symmetric matrix', () => {
    const g = new Generator(2), n = 6;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = g.normal();
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
      assert.ok(Math.abs(s - a[i * n + j]!) < 1e-10);
    }
  });

  it('frame features: identical clip sets are 0 apart, a shifted set is not', () => {
    const clips = (dx: number) => {
      const parts = Array.from({ length: 30 }, (_, k) => squareClip(4, 16, (t) => [(k % 5) + t + dx, (k % 7) + 1]).data);
      const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      parts.forEach((p, k) => data.set(p, k * p.length));
      return { data, shape: [30, 1, 4, 16, 16] };
    };
    assert.ok(frameFrechet(clips(0), clips(0)) < 1e-9);
    assert.ok(frameFrechet(clips(0), clips(3)) > 1e-3);
    assert.equal(pixelStatistics.dim, 22);
  });
});

describe('temporal coherence', () => {
  it('an object in uniform motion: no warping error, no centroid acceleration, constant mass and size', () => {
    const c = temporalCoherence(squareClip(6, 16, (t) => [2 + t, 3 + 2 * t]));
    assert.ok(c.warpError < 1e-12 && c.centroidAcceleration < 1e-12 && c.massVariation < 1e-12 && c.sizeVariation < 1e-12, JSON.stringify(c));
  });

  it('jitter, flicker and jumps are measured: each raises its own number', () => {
    const jitter = temporalCoherence(squareClip(6, 16, (t) => [2 + t + (t % 2) * 3, 3]));
    assert.ok(jitter.centroidAcceleration > 2, JSON.stringify(jitter));
    const flicker = temporalCoherence(squareClip(6, 16, (t) => [4, 4], (t) => (t % 2 === 0 ? 1 : 0.4)));
    assert.ok(flicker.massVariation > 0.2 && flicker.warpError > 1e-3, JSON.stringify(flicker));
    const teleport = temporalCoherence(squareClip(6, 16, (t) => (t % 2 === 0 ? [1, 1] : [12, 12])));
    assert.ok(teleport.warpError > 1e-3, JSON.stringify(teleport)); // 11 pixels is past the ±2 search
  });

  it('refuses shapes that are not clips, naming them', () => {
    assert.throws(() => temporalCoherence({ data: new Float32Array(8), shape: [2, 4] }), /clips must be \[N, C, F, H, W\], got \[2,4\]/);
    assert.throws(() => temporalCoherence({ data: new Float32Array(2 * 16), shape: [1, 1, 2, 4, 4] }), /at least 3 frames per clip, got 2/);
  });
});
