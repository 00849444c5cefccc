import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator } from '@diffusion-ts/tensor';
import { frechetDistance, RunningMoments } from './frechet.ts';
import { symmetricEigen, symmetricSqrt } from './symmetric-eigen.ts';
import { momentsOf } from './distances.ts';

/** A random d×d orthogonal matrix: Gram–Schmidt on Gaussian columns. */
function randomOrthogonal(d: number, g: Generator): Float64Array {
  const q = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const v = Float64Array.from({ length: d }, () => g.normal());
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += v[i]! * q[i * d + j]!;
      for (let i = 0; i < d; i++) v[i] = v[i]! - dot * q[i * d + j]!;
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < d; i++) q[i * d + k] = v[i]! / norm;
  }
  return q;
}

const matmul = (a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array => {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) out[i * d + j] = out[i * d + j]! + a[i * d + k]! * b[k * d + j]!;
  return out;
};
const transpose = (a: ArrayLike<number>, d: number): Float64Array => Float64Array.from({ length: d * d }, (_, i) => a[(i % d) * d + Math.floor(i / d)]!);
const diag = (v: readonly number[]): Float64Array => { const d = v.length, m = new Float64Array(d * d); v.forEach((x, i) => { m[i * d + i] = x; }); return m; };
/** A random covariance: Q diag(λ) Qᵀ with λ in [lo, hi]. */
function randomCovariance(d: number, g: Generator, lo = 0.05, hi = 3): Float64Array {
  const q = randomOrthogonal(d, g);
  return matmul(matmul(q, diag(Array.from({ length: d }, () => lo + (hi - lo) * g.random())), d), transpose(q, d), d);
}
const rotateVec = (q: Float64Array, v: ArrayLike<number>, d: number): Float64Array => Float64Array.from({ length: d }, (_, i) => { let s = 0; for (let k = 0; k < d; k++) s += q[i * d + k]! * v[k]!; return s; });
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };

describe('symmetricEigen (cyclic Jacobi)', () => {
  it('reconstructs A = V Λ Vᵀ with orthonormal V and ascending λ, on random symmetric matrices', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.nat(), (d, seed) => {
      const g = new Generator(seed);
      const raw = Float64Array.from({ length: d * d }, () => g.normal());
      const a = raw.map((_, i) => raw[i]! + raw[(i % d) * d + Math.floor(i / d)]!); // symmetric, indefinite
      const { values, vectors } = symmetricEigen(a, d);
      const back = matmul(matmul(vectors, diag([...values]), d), transpose(vectors, d), d);
      assert.ok(maxAbsDiff(back, a) < 1e-12 * (1 + Math.max(...a.map(Math.abs))), `A = VΛVᵀ off by ${maxAbsDiff(back, a)}`);
      const gram = matmul(transpose(vectors, d), vectors, d);
      assert.ok(maxAbsDiff(gram, diag(Array(d).fill(1))) < 1e-13, `VᵀV − I: ${maxAbsDiff(gram, diag(Array(d).fill(1)))}`);
      for (let k = 1; k < d; k++) assert.ok(values[k - 1]! <= values[k]!);
    }), { seed: 7, numRuns: 60 });
  });

  it('finds known eigenvalues of Q diag(λ) Qᵀ (repeated ones included)', () => {
    const g = new Generator(3);
    const lambda = [-2, 0, 0, 1e-9, 1, 1, 5];
    const q = randomOrthogonal(7, g);
    const { values } = symmetricEigen(matmul(matmul(q, diag(lambda), 7), transpose(q, 7), 7), 7);
    assert.ok(maxAbsDiff(values, lambda) < 1e-13, `${[...values]}`);
  });

  it('refuses a non-symmetric, non-finite or mis-sized matrix, naming the entries', () => {
    assert.throws(() => symmetricEigen([1, 2, 3, 4], 2), /symmetricEigen: the matrix is not symmetric: entries \(0, 1\) = 2 and \(1, 0\) = 3/);
    assert.throws(() => symmetricEigen([1, NaN, NaN, 1], 2), /entry \(0, 1\) is NaN/);
    assert.throws(() => symmetricEigen([1, 2, 3], 2), /a 2×2 matrix has 4 entries, got 3/);
  });

  it('symmetricSqrt squares back to a PSD matrix and clips rounding-negative eigenvalues', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.nat(), (d, seed) => {
      const c = randomCovariance(d, new Generator(seed), 0, 2);
      const { sqrt } = symmetricSqrt(c, d);
      assert.ok(maxAbsDiff(matmul(sqrt, sqrt, d), c) < 1e-12);
    }), { seed: 8, numRuns: 40 });
    // A rank-1 covariance whose rounded entries give a tiny negative eigenvalue: clipped, and reported.
    const v = [0.1, 0.7, 0.3];
    const rank1 = Float64Array.from({ length: 9 }, (_, i) => v[Math.floor(i / 3)]! * v[i % 3]!);
    const { sqrt, clipped } = symmetricSqrt(rank1, 3);
    assert.ok(clipped <= 0 && clipped > -1e-15);
    assert.ok(maxAbsDiff(matmul(sqrt, sqrt, 3), rank1) < 1e-14);
  });
});

describe('frechetDistance', () => {
  it('is |Δμ|² when the covariances are equal', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.nat(), (d, seed) => {
      const g = new Generator(seed);
      const c = randomCovariance(d, g);
      const m1 = Float64Array.from({ length: d }, () => g.normal()), m2 = Float64Array.from({ length: d }, () => g.normal());
      const expected = m1.reduce((s, v, i) => s + (v - m2[i]!) ** 2, 0);
      const got = frechetDistance({ mean: m1, covariance: c }, { mean: m2, covariance: c });
      assert.ok(Math.abs(got - expected) < 1e-10 * (1 + expected), `${got} vs ${expected}`);
    }), { seed: 1, numRuns: 50 });
  });

  it('is |Δμ|² + Σ(√a − √b)² for commuting covariances Q diag(a) Qᵀ, Q diag(b) Qᵀ', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.nat(), (d, seed) => {
      const g = new Generator(seed);
      const q = randomOrthogonal(d, g);
      const a = Array.from({ length: d }, () => 3 * g.random()), b = Array.from({ length: d }, () => 3 * g.random());
      const ca = matmul(matmul(q, diag(a), d), transpose(q, d), d), cb = matmul(matmul(q, diag(b), d), transpose(q, d), d);
      const m1 = Float64Array.from({ length: d }, () => g.normal()), m2 = new Float64Array(d);
      const expected = m1.reduce((s, v) => s + v * v, 0) + a.reduce((s, ai, i) => s + (Math.sqrt(ai) - Math.sqrt(b[i]!)) ** 2, 0);
      const got = frechetDistance({ mean: m1, covariance: ca }, { mean: m2, covariance: cb });
      assert.ok(Math.abs(got - expected) < 1e-9 * (1 + expected), `${got} vs ${expected}`);
    }), { seed: 2, numRuns: 50 });
  });

  it('is symmetric, 0 on equal Gaussians, and invariant under a rotation of both (μ → Qμ, C → QCQᵀ)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.nat(), (d, seed) => {
      const g = new Generator(seed);
      const A = { mean: Float64Array.from({ length: d }, () => g.normal()), covariance: randomCovariance(d, g) };
      const B = { mean: Float64Array.from({ length: d }, () => g.normal()), covariance: randomCovariance(d, g) };
      const q = randomOrthogonal(d, g);
      const rot = (m: typeof A) => ({ mean: rotateVec(q, m.mean, d), covariance: matmul(matmul(q, m.covariance, d), transpose(q, d), d) });
      const ab = frechetDistance(A, B);
      assert.ok(Math.abs(ab - frechetDistance(B, A)) < 1e-9 * (1 + ab));
      assert.ok(Math.abs(ab - frechetDistance(rot(A), rot(B))) < 1e-9 * (1 + ab), `${ab} vs ${frechetDistance(rot(A), rot(B))}`);
      assert.ok(frechetDistance(A, A) < 1e-10);
    }), { seed: 3, numRuns: 50 });
  });

  it('matches the 1-D Wasserstein-2 closed form (μ₁ − μ₂)² + (σ₁ − σ₂)²', () => {
    assert.ok(Math.abs(frechetDistance({ mean: [1], covariance: [4] }, { mean: [-2], covariance: [9] }) - (9 + 1)) < 1e-12);
  });

  it('refuses mismatched dimensions, naming them', () => {
    assert.throws(() => frechetDistance({ mean: [0, 0], covariance: [1, 0, 0, 1] }, { mean: [0], covariance: [1] }), /frechetDistance: means of 2 and 1 dimensions/);
    assert.throws(() => frechetDistance({ mean: [0, 0], covariance: [1, 0, 0] }, { mean: [0, 0], covariance: [1, 0, 0, 1] }), /the first covariance has 3 entries, not 2×2 = 4/);
  });
});

describe('RunningMoments', () => {
  it('streamed in any batches, equals the two-pass moments of all points', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 8 }), fc.nat(), (d, sizes, seed) => {
      const g = new Generator(seed);
      const n = sizes.reduce((a, b) => a + b, 0);
      fc.pre(n >= 2);
      const points = Float64Array.from({ length: n * d }, () => 1000 + g.normal()); // a large offset: a naive Σx² would lose digits
      const running = new RunningMoments(d);
      let at = 0;
      for (const s of sizes) { running.add(points.subarray(at * d, (at + s) * d)); at += s; }
      const streamed = running.moments(), direct = momentsOf(points, d);
      assert.ok(maxAbsDiff(streamed.mean, direct.mean) < 1e-10);
      assert.ok(maxAbsDiff(streamed.covariance, direct.covariance) < 1e-9, `${maxAbsDiff(streamed.covariance, direct.covariance)}`);
    }), { seed: 4, numRuns: 80 });
  });

  it('merging batches, each counted `times` times, equals the two-pass moments of the points repeated', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 6 }), fc.nat(), (d, batches, seed) => {
      const g = new Generator(seed);
      const merged = new RunningMoments(d), repeated: number[] = [];
      for (const [size, times] of batches) {
        const points = Array.from({ length: size * d }, () => 1000 + g.normal());
        merged.merge(new RunningMoments(d).add(points), times);
        for (let k = 0; k < times; k++) repeated.push(...points);
      }
      fc.pre(repeated.length >= 2 * d);
      const got = merged.moments(), want = momentsOf(Float64Array.from(repeated), d);
      assert.ok(maxAbsDiff(got.mean, want.mean) < 1e-10);
      assert.ok(maxAbsDiff(got.covariance, want.covariance) < 1e-9, `${maxAbsDiff(got.covariance, want.covariance)}`);
    }), { seed: 5, numRuns: 80 });
    assert.throws(() => new RunningMoments(2).merge(new RunningMoments(3)), /RunningMoments.merge: d = 3 into d = 2/);
    assert.throws(() => new RunningMoments(2).merge(new RunningMoments(2), 1.5), /times must be a non-negative integer, got 1.5/);
  });

  it('refuses a partial point, a non-finite value, and a covariance of fewer than 2 points', () => {
    assert.throws(() => new RunningMoments(2).add([1, 2, 3]), /RunningMoments.add: 3 numbers are not whole points of d = 2/);
    assert.throws(() => new RunningMoments(2).add([1, NaN]), /point 0 has NaN at coordinate 1/);
    assert.throws(() => new RunningMoments(2).add([1, 2]).moments(), /at least 2 points, got 1/);
  });
});
