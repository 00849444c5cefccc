import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { iddpmSigmas, iddpmUGrid, karrasSigmas, veSigmas, vpSigma, vpSigmaDeriv, vpSigmaInv, vpSigmas } from './sigmas.ts';

const relClose = (actual: number, expected: number, rel: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what} ${actual} vs ${expected} (rel ${rel})`);
};

const assertSchedule = (sigmas: Float64Array, n: number): void => {
  assert.ok(sigmas instanceof Float64Array);
  assert.equal(sigmas.length, n + 1);
  assert.equal(sigmas[n], 0);
  for (let i = 1; i < n; i++) assert.ok(sigmas[i]! < sigmas[i - 1]!, `not decreasing at ${i}: ${sigmas[i - 1]} -> ${sigmas[i]}`);
  assert.ok(n === 0 || sigmas[n - 1]! > 0);
};

describe('karrasSigmas (EDM Eq. 5)', () => {
  it('has length n + 1, runs from sigmaMax down to sigmaMin, strictly decreasing, and ends in 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.double({ noNaN: true, min: 1e-4, max: 1 }),
        fc.double({ noNaN: true, min: 2, max: 200 }),
        fc.double({ noNaN: true, min: 1, max: 12 }),
        (n, sigmaMin, sigmaMax, rho) => {
          const s = karrasSigmas(n, { sigmaMin, sigmaMax, rho });
          assertSchedule(s, n);
          relClose(s[0]!, sigmaMax, 1e-12, 'first');
          relClose(s[n - 1]!, sigmaMin, 1e-9, 'last nonzero');
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  it('uses 0.002, 80 and rho = 7 by default and is uniform in sigma^(1/rho)', () => {
    const s = karrasSigmas(18);
    relClose(s[0]!, 80, 1e-15);
    relClose(s[17]!, 0.002, 1e-12);
    const steps = Array.from({ length: 17 }, (_, i) => s[i + 1]! ** (1 / 7) - s[i]! ** (1 / 7));
    for (const step of steps) relClose(step, (0.002 ** (1 / 7) - 80 ** (1 / 7)) / 17, 1e-9);
  });

  it('rho = 1 is linear in sigma', () => {
    const s = karrasSigmas(5, { sigmaMin: 1, sigmaMax: 5, rho: 1 });
    assert.deepEqual(Array.from(s).map((v) => +v.toFixed(12)), [5, 4, 3, 2, 1, 0]);
  });

  it('n = 1 gives [sigmaMax, 0]; bad arguments throw naming the function', () => {
    assert.deepEqual(Array.from(karrasSigmas(1)), [80, 0]);
    assert.throws(() => karrasSigmas(0), /^RangeError: karrasSigmas: n must be a positive integer/);
    assert.throws(() => karrasSigmas(10, { sigmaMin: 5, sigmaMax: 1 }), /^RangeError: karrasSigmas: sigmaMax/);
    assert.throws(() => karrasSigmas(10, { rho: 0 }), /^RangeError: karrasSigmas: rho/);
  });
});

describe('VP sigma(t) (EDM Table 1)', () => {
  it('matches √(exp(½β_d t² + β_min t) − 1); the inverse and derivative agree with it', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: 1e-4, max: 1 }), (t) => {
        const sigma = vpSigma(t);
        relClose(sigma, Math.sqrt(Math.exp(0.5 * 19.9 * t * t + 0.1 * t) - 1), 1e-9);
        relClose(vpSigmaInv(sigma), t, 1e-10, 'inverse');
        const h = 1e-6 * t;
        const fd = (vpSigma(t + h) - vpSigma(t - h)) / (2 * h);
        relClose(vpSigmaDeriv(t), fd, 1e-6, 'derivative');
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});

describe('vpSigmas (EDM Table 1, ablation_sampler)', () => {
  it('spans sigma(1) down to sigma(eps_s) and ends in 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), (n) => {
        const s = vpSigmas(n);
        assertSchedule(s, n);
        relClose(s[0]!, vpSigma(1), 1e-9);
        relClose(s[n - 1]!, vpSigma(1e-3), 1e-9);
      }),
      { seed: 42, numRuns: 30 },
    );
  });

  it('is sigma at t_i = 1 + i/(n−1)(eps_s − 1) (the re-derived betas equal the given ones)', () => {
    const n = 7;
    const s = vpSigmas(n);
    for (let i = 0; i < n; i++) relClose(s[i]!, vpSigma(1 + (i / (n - 1)) * (1e-3 - 1)), 1e-9, `sigma[${i}]`);
  });

  it('re-derives the schedule from an overridden range, as the reference does', () => {
    const s = vpSigmas(10, { sigmaMin: 0.05, sigmaMax: 20 });
    relClose(s[0]!, 20, 1e-12);
    relClose(s[9]!, 0.05, 1e-9);
  });
});

describe('veSigmas (EDM Table 1)', () => {
  it('is geometric from sigmaMax to sigmaMin and ends in 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), (n) => {
        const s = veSigmas(n);
        assertSchedule(s, n);
        relClose(s[0]!, 100, 1e-12);
        relClose(s[n - 1]!, 0.02, 1e-9);
        const ratio = s[1]! / s[0]!;
        for (let i = 1; i < n; i++) relClose(s[i]! / s[i - 1]!, ratio, 1e-9);
      }),
      { seed: 42, numRuns: 30 },
    );
  });
});

describe('iDDPM grid and iddpmSigmas (EDM Table 1)', () => {
  it('the grid is strictly decreasing to u_M = 0 and satisfies its recursion', () => {
    const u = iddpmUGrid();
    assert.equal(u.length, 1001);
    assert.equal(u[1000], 0);
    for (let j = 1; j <= 1000; j++) assert.ok(u[j]! < u[j - 1]!);
    const alphaBar = (j: number): number => Math.sin((Math.PI / 2) * (j / (1000 * 1.008))) ** 2;
    for (const j of [1, 10, 500, 999]) {
      const ratio = Math.max(alphaBar(j - 1) / alphaBar(j), 0.001);
      relClose(u[j - 1]!, Math.sqrt((u[j]! ** 2 + 1) / ratio - 1), 1e-12, `u[${j - 1}]`);
    }
    // Between the clipped ends, u_j is the sigma of iDDPM's cosine schedule: √(1/ᾱ_j' − 1) with ᾱ' = ᾱ_j/ᾱ_M.
    for (const j of [100, 500, 900]) relClose(u[j]!, Math.sqrt(alphaBar(1000) / alphaBar(j) - 1), 1e-9, `u[${j}]`);
  });

  it('with the defaults, keeps exactly u_8..u_999 (Table 1 j_0 = 8) and takes its ends', () => {
    const u = iddpmUGrid();
    assert.ok(u[7]! > 81 && u[8]! <= 81, `u7=${u[7]} u8=${u[8]}`);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), (n) => {
        const s = iddpmSigmas(n);
        assertSchedule(s, n);
        assert.equal(s[0], u[8]);
        assert.equal(s[n - 1], u[999]);
        for (let i = 0; i < n; i++) {
          // Table 1: u_{⌊j0 + (M−1−j0)/(N−1)·i + ½⌋}; differs from round-half-even only at exact ties.
          const x = (991 / (n - 1)) * i;
          if (x - Math.floor(x) !== 0.5) assert.equal(s[i], u[Math.floor(8 + x + 0.5)], `n=${n} i=${i}`);
        }
      }),
      { seed: 42, numRuns: 50 },
    );
  });

  it('rounds exact ties half to even like torch.round', () => {
    const u = iddpmUGrid({ M: 10 });
    // Keep u_4..u_9 (K = 6); 3 steps index the kept levels at (5/2)·i = 0, 2.5, 5, and 2.5 rounds to 2, not 3.
    const s = iddpmSigmas(3, { M: 10, sigmaMin: u[9]!, sigmaMax: u[4]! });
    assert.deepEqual(Array.from(s), [u[4], u[6], u[9], 0]);
    // Keep u_5..u_9 (K = 5): (4/2)·i = 0, 2, 4, no tie.
    const t = iddpmSigmas(3, { M: 10, sigmaMin: u[9]!, sigmaMax: u[5]! });
    assert.deepEqual(Array.from(t), [u[5], u[7], u[9], 0]);
    assert.throws(() => iddpmSigmas(3, { sigmaMin: 500, sigmaMax: 600 }), /^RangeError: iddpmSigmas: no grid level/);
  });
});
