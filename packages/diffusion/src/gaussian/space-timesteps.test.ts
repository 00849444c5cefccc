import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ddimTimesteps, respaceBetas, spaceTimesteps } from './space-timesteps.ts';
import { diffusionCoefficients } from './coefficients.ts';
import { cosineBetas, linearBetas } from '../schedules/betas.ts';

const range = (start: number, stop: number, step: number): number[] => {
  const out: number[] = [];
  for (let i = start; i < stop; i += step) out.push(i);
  return out;
};

describe('spaceTimesteps (improved-diffusion space_timesteps)', () => {
  it("the reference docstring's example: T = 300, [10, 15, 20]", () => {
    // Derived by hand: each third has 100 steps and keeps its first and last step.
    // Part 1: stride 99/9 = 11 exactly -> 0, 11, ..., 99.
    // Part 2: stride 99/14 ≈ 7.0714 from 100; round(k · 7.0714) = 0 7 14 21 28 35 42 49 57 64 71 78 85 92 99.
    //   k = 7 is the exact tie 49.5 in real arithmetic, but the reference accumulates the stride in float64
    //   (49.49999999999999 after 7 additions), so it rounds to 49, giving 149 rather than 150.
    // Part 3: stride 99/19 ≈ 5.2105 from 200; round(k · 5.2105) = 0 5 10 16 21 26 31 36 42 47 52 57 63 68 73 78 83 89 94 99.
    const expected = [
      ...range(0, 100, 11),
      ...[0, 7, 14, 21, 28, 35, 42, 49, 57, 64, 71, 78, 85, 92, 99].map((k) => 100 + k),
      ...[0, 5, 10, 16, 21, 26, 31, 36, 42, 47, 52, 57, 63, 68, 73, 78, 83, 89, 94, 99].map((k) => 200 + k),
    ];
    assert.equal(expected.length, 45);
    assert.deepEqual(spaceTimesteps(300, [10, 15, 20]), expected);
    assert.deepEqual(spaceTimesteps(300, '10,15,20'), expected);
  });

  it("rounds half to even, as Python's round()", () => {
    // One part of 6 steps, 3 kept: stride 5/2 = 2.5, so round(2.5) = 2 (not 3).
    assert.deepEqual(spaceTimesteps(6, [3]), [0, 2, 5]);
    // stride 3/2 = 1.5: round(1.5) = 2.
    assert.deepEqual(spaceTimesteps(4, [3]), [0, 2, 3]);
  });

  it('gives the first T mod len(sections) parts one extra step', () => {
    // T = 10, 3 parts: sizes 4, 3, 3 starting at 0, 4, 7.
    assert.deepEqual(spaceTimesteps(10, [2, 1, 3]), [0, 3, 4, 7, 8, 9]);
    assert.deepEqual(spaceTimesteps(10, [3, 2]), [0, 2, 4, 5, 9]);
    assert.deepEqual(spaceTimesteps(10, [0, 2]), [5, 9]); // a count of 0 keeps nothing, as in the reference
  });

  it('"ddimN" uses the smallest integer stride giving exactly N steps', () => {
    assert.deepEqual(spaceTimesteps(1000, 'ddim50'), range(0, 1000, 20));
    assert.deepEqual(spaceTimesteps(1000, 'ddim25'), range(0, 1000, 40));
    assert.deepEqual(spaceTimesteps(1000, 'ddim1000'), range(0, 1000, 1));
    assert.deepEqual(spaceTimesteps(10, 'ddim4'), [0, 3, 6, 9]); // stride 3: ceil(10/3) = 4
    assert.deepEqual(ddimTimesteps(1000, 50), spaceTimesteps(1000, 'ddim50'));
    assert.deepEqual(ddimTimesteps(10, 4), [0, 3, 6, 9]);
    assert.throws(() => ddimTimesteps(10, 7), /^RangeError: ddimTimesteps: cannot create exactly 7 steps from 10/);
    assert.throws(() => ddimTimesteps(10, 0), /^RangeError: ddimTimesteps: the number of steps must be a positive integer, got 0/);
  });

  it('throws where the reference raises', () => {
    assert.throws(() => spaceTimesteps(10, 'ddim7'), /^RangeError: spaceTimesteps: cannot create exactly 7 steps/);
    // N = 1 would need stride T, but the reference only tries strides below T.
    assert.throws(() => spaceTimesteps(10, 'ddim1'), /cannot create exactly 1 steps/);
    assert.throws(() => spaceTimesteps(10, [11]), /^RangeError: spaceTimesteps: cannot divide section of 10 steps into 11/);
    assert.throws(() => spaceTimesteps(10, [6, 1]), /cannot divide section of 5 steps into 6/);
    assert.throws(() => spaceTimesteps(10, 'ddim'), /cannot parse section count/);
    assert.throws(() => spaceTimesteps(10, '3,x'), /cannot parse section count 'x'/);
    assert.throws(() => spaceTimesteps(10, [-1]), /non-negative integers/);
    assert.throws(() => spaceTimesteps(10, []), /must not be empty/);
    assert.throws(() => spaceTimesteps(0, [1]), /T must be a positive integer/);
  });

  it('keeps exactly sum(sections) sorted, distinct steps in [0, T), including each part\'s ends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.array(fc.double({ noNaN: true, min: 0, max: 1 }), { minLength: 1, maxLength: 6 }),
        (T, fractions) => {
          const parts = Math.min(fractions.length, T);
          const size = Math.floor(T / parts);
          const counts = fractions.slice(0, parts).map((f) => 1 + Math.floor(f * (size - 1)));
          const steps = spaceTimesteps(T, counts);
          assert.equal(steps.length, counts.reduce((a, b) => a + b, 0));
          steps.forEach((s, i) => {
            assert.ok(Number.isInteger(s) && s >= 0 && s < T);
            if (i > 0) assert.ok(s > steps[i - 1]!);
          });
          assert.equal(steps[0], 0);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('respaceBetas (improved-diffusion SpacedDiffusion)', () => {
  it('keeps alpha-bar at every kept step', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 1000 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
        (T, cosine, rawCounts) => {
          const betas = cosine ? cosineBetas(T) : linearBetas(T);
          const size = Math.floor(T / rawCounts.length);
          const counts = rawCounts.map((c) => Math.min(c, size));
          const use = spaceTimesteps(T, counts);
          const { betas: newBetas, timestepMap } = respaceBetas(betas, use);
          assert.deepEqual(timestepMap, use);
          assert.equal(newBetas.length, use.length);
          const original = diffusionCoefficients(betas).alphasCumprod;
          let alphaBar = 1;
          newBetas.forEach((b, k) => {
            assert.ok(b > 0 && b <= 1);
            alphaBar *= 1 - b;
            const expected = original[timestepMap[k]!]!;
            assert.ok(Math.abs(alphaBar - expected) <= 1e-12 * Math.max(expected, 1e-3), `k=${k}: ${alphaBar} vs ${expected}`);
          });
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  it('keeping every step reproduces the original betas; errors name the function', () => {
    const betas = linearBetas(100);
    const { betas: same, timestepMap } = respaceBetas(betas, range(0, 100, 1));
    assert.deepEqual(timestepMap, range(0, 100, 1));
    same.forEach((b, i) => assert.ok(Math.abs(b - betas[i]!) < 1e-15));
    assert.throws(() => respaceBetas(betas, [100]), /^RangeError: respaceBetas: timesteps must be integers in \[0, 100\)/);
    assert.throws(() => respaceBetas(betas, []), /^RangeError: respaceBetas: useTimesteps must not be empty/);
  });
});
