import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '@diffusion-ts/tensor';
import { frechetDistance, RunningMoments } from './frechet.ts';
import { symmetricEigen } from './symmetric-eigen.ts';
import { centroidCrops, frameFrechet, frameMoments, pixelStatistics, temporalCoherence, type ClipBatch } from './video.ts';

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

  it('frame features: identical clip sets are 0 apart, a shifted set is not', async () => {
    const clips = (dx: number) => {
      const parts = Array.from({ length: 30 }, (_, k) => squareClip(4, 16, (t) => [(k % 5) + t + dx, (k % 7) + 1]).data);
      const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      parts.forEach((p, k) => data.set(p, k * p.length));
      return { data, shape: [30, 1, 4, 16, 16] };
    };
    assert.ok(await frameFrechet(clips(0), clips(0)) < 1e-9);
    assert.ok(await frameFrechet(clips(0), clips(3)) > 1e-3);
    assert.equal(pixelStatistics.dim, 22);
  });

  it('frameMoments refuses features that give the wrong number of values, naming them', async () => {
    const broken = { name: 'broken', dim: 3, extract: async () => new Float64Array(5) };
    await assert.rejects(frameMoments(squareClip(4, 8, () => [1, 1]), broken), /'broken' gave 5 numbers for 4 frames of 3 features/);
  });
});

/** One frame [1, 1, S, S] of `background` with `patch` (rows of values) pasted at (x0, y0). */
function frameWith(S: number, background: number, x0: number, y0: number, patch: readonly (readonly number[])[]): Float32Array {
  const f = new Float32Array(S * S).fill(background);
  patch.forEach((row, dy) => row.forEach((v, dx) => { f[(y0 + dy) * S + x0 + dx] = v; }));
  return f;
}

describe('centroidCrops', () => {
  it('centres the window on the foreground centroid and reads −1 outside the frame', () => {
    // A 4×4 square of 1 at the top-left corner of a 32×32 frame of −0.5: centroid (1.5, 1.5), so the
    // 16×16 window starts at round(1.5 − 7.5) = −6: its first 6 rows and columns lie outside the frame.
    const square = Array.from({ length: 4 }, () => [1, 1, 1, 1]);
    const { data, shape } = centroidCrops(frameWith(32, -0.5, 0, 0, square), [1, 1, 32, 32], { side: 16 });
    assert.deepEqual(shape, [1, 1, 16, 16]);
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) {
      const expected = i < 6 || j < 6 ? -1 : i < 10 && j < 10 ? 1 : -0.5;
      assert.equal(data[i * 16 + j], expected, `window pixel (${i}, ${j})`);
    }
    // In the middle of the frame the square sits at the window's centre, rows and columns 6 to 9.
    const mid = centroidCrops(frameWith(32, -0.5, 13, 9, square), [1, 1, 32, 32], { side: 16 }).data;
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) assert.equal(mid[i * 16 + j], i >= 6 && i < 10 && j >= 6 && j < 10 ? 1 : -0.5);
  });

  it('a whole-pixel translation of an object on a −1 background gives the same window, near the border too', () => {
    const g = new Generator(3);
    const blob = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => 2 * g.random() - 1));
    const at = (x0: number, y0: number) => centroidCrops(frameWith(32, -1, x0, y0, blob), [1, 1, 32, 32], { side: 16 }).data;
    const reference = at(12, 11);
    for (const [x0, y0] of [[0, 0], [27, 26], [3, 20], [20, 4]] as const) assert.deepEqual(at(x0, y0), reference, `blob at (${x0}, ${y0})`);
  });

  it('pool 2 crops the 2×2-averaged frames: the same windows as pooling by hand, channel by channel', () => {
    const g = new Generator(4), M = 3, C = 2, S = 64;
    const frames = new Float32Array(M * C * S * S).fill(-1);
    for (let m = 0; m < M; m++) for (let y = 0; y < 20; y++) for (let x = 0; x < 18; x++) {
      const v = 2 * g.random() - 1;
      for (let c = 0; c < C; c++) frames[((m * C + c) * S + 7 * m + y + 5) * S + 11 * m + x + 3] = c === 0 ? v : -v;
    }
    const pooled = new Float32Array(M * C * 32 * 32);
    for (let mc = 0; mc < M * C; mc++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
      const a = mc * S * S + 2 * y * S + 2 * x;
      pooled[mc * 1024 + y * 32 + x] = (frames[a]! + frames[a + 1]! + frames[a + S]! + frames[a + S + 1]!) / 4;
    }
    const byHand = centroidCrops(pooled, [M, C, 32, 32], { side: 16 }), inside = centroidCrops(frames, [M, C, S, S], { side: 16, pool: 2 });
    assert.deepEqual(inside.shape, [M, C, 16, 16]);
    for (let k = 0; k < byHand.data.length; k++) assert.ok(Math.abs(inside.data[k]! - byHand.data[k]!) < 1e-6, `value ${k}`);
  });

  it('a frame without foreground gets the window at its centre; bad options are refused, naming them', () => {
    const { data } = centroidCrops(new Float32Array(64).fill(0.25), [1, 1, 8, 8], { side: 12, fill: -2 }); // x₀ = round(3.5 − 5.5) = −2
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) assert.equal(data[i * 12 + j], i >= 2 && i < 10 && j >= 2 && j < 10 ? 0.25 : -2);
    assert.throws(() => centroidCrops(new Float32Array(64 * 3), [1, 3, 8, 8], { side: 4, pool: 3 }), /pool must be a positive integer dividing the frame's sides 8×8, got 3/);
    assert.throws(() => centroidCrops(new Float32Array(10), [1, 1, 8, 8], { side: 4 }), /10 values for frames \[1,1,8,8\]/);
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
