import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  constBetas,
  cosineBetas,
  jsdBetas,
  linearBetas,
  quadBetas,
  sohlDicksteinBetas,
  warmupBetas,
} from './betas.ts';

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
};

const cumprod = (betas: Float64Array): Float64Array => {
  let p = 1;
  return betas.map((b) => (p *= 1 - b));
};

// [name, schedule, smallest T with every beta < 1 (linear's 1000/T scaling reaches beta = 1 at T = 20)]
const schedules: [string, (T: number) => Float64Array, number][] = [
  ['linear', linearBetas, 21],
  ['cosine', (T) => cosineBetas(T), 2],
  ['quad', (T) => quadBetas(T), 2],
  ['warmup10', (T) => warmupBetas(T, { warmupFrac: 0.1 }), 2],
  ['warmup50', (T) => warmupBetas(T, { warmupFrac: 0.5 }), 2],
  ['const', (T) => constBetas(T), 2],
  ['jsd', jsdBetas, 2],
  ['sohlDickstein', (T) => sohlDicksteinBetas(T), 2],
];

describe('beta schedules: shared properties', () => {
  for (const [name, make, minT] of schedules) {
    it(`${name}: betas in (0, 1], alpha-bar strictly decreasing in (0, 1), SNR strictly decreasing`, () => {
      fc.assert(
        fc.property(fc.integer({ min: minT, max: 2000 }), (T) => {
          const betas = make(T);
          assert.equal(betas.length, T);
          assert.ok(betas instanceof Float64Array);
          const alphaBar = cumprod(betas);
          // jsd ends with beta = 1 exactly, so its last alpha-bar (and SNR) is exactly 0.
          const last = name === 'jsd' ? T - 1 : T;
          for (let i = 0; i < T; i++) {
            assert.ok(betas[i]! > 0 && betas[i]! <= 1, `${name} beta[${i}] = ${betas[i]}`);
          }
          for (let i = 0; i < last; i++) {
            assert.ok(alphaBar[i]! > 0 && alphaBar[i]! < 1, `${name} alphaBar[${i}] = ${alphaBar[i]}`);
            if (i > 0) {
              assert.ok(alphaBar[i]! < alphaBar[i - 1]!, `${name} alphaBar not decreasing at ${i}`);
              const snr = alphaBar[i]! / (1 - alphaBar[i]!);
              const snrPrev = alphaBar[i - 1]! / (1 - alphaBar[i - 1]!);
              assert.ok(snr < snrPrev, `${name} SNR not decreasing at ${i}`);
            }
          }
          if (name === 'jsd') assert.equal(alphaBar[T - 1], 0);
        }),
        { seed: 42, numRuns: 25 },
      );
    });
  }

  it('every schedule rejects a T that is not a positive integer, naming itself', () => {
    for (const [name, make] of schedules) {
      for (const bad of [0, -3, 2.5, Number.NaN, Infinity]) {
        assert.throws(() => make(bad), (e: unknown) => e instanceof RangeError && /T must be a positive integer/.test(e.message), name);
      }
    }
    assert.throws(() => linearBetas(0), /^RangeError: linearBetas:/);
    assert.throws(() => linearBetas(19), /^RangeError: linearBetas: T = 19 .* need T >= 20/);
    assert.equal(linearBetas(20)[19], 1);
    assert.throws(() => sohlDicksteinBetas(-1), /^RangeError: sohlDicksteinBetas:/);
    for (const betaStart of [0, -0.5]) assert.throws(() => quadBetas(10, { betaStart }), /quadBetas: betaStart/); // β > 0
  });
});

describe('linearBetas', () => {
  it('is 1e-4 to 0.02 at T = 1000 and linear in between', () => {
    const b = linearBetas(1000);
    assert.equal(b[0], 1e-4);
    assert.equal(b[999], 0.02);
    for (const i of [1, 250, 500, 998]) close(b[i]!, 1e-4 + (i * (0.02 - 1e-4)) / 999, 1e-17, `beta[${i}]`);
  });

  it('scales both ends by 1000/T (improved-diffusion), keeping the linear shape', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 5000 }), (T) => {
        const b = linearBetas(T);
        const scale = 1000 / T;
        close(b[0]!, scale * 1e-4, 1e-18);
        close(b[T - 1]!, scale * 0.02, 1e-15);
        const i = Math.floor(T / 3);
        close(b[i]!, scale * 1e-4 + (i * scale * (0.02 - 1e-4)) / (T - 1), 1e-15);
      }),
      { seed: 42, numRuns: 50 },
    );
    assert.equal(linearBetas(4000)[3999], 0.005);
  });

  it('gives the well-known final alpha-bar of about 4.04e-5 at T = 1000', () => {
    close(cumprod(linearBetas(1000))[999]!, 4.0358e-5, 1e-8);
  });
});

describe('cosineBetas', () => {
  const f = (t: number, s = 0.008): number => Math.cos(((t + s) / (1 + s)) * (Math.PI / 2)) ** 2;

  it('has alpha-bar = f(t)/f(0) (iDDPM Eq. 17) wherever beta is not clipped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2000 }), fc.double({ noNaN: true, min: 0.001, max: 0.05 }), (T, s) => {
        const alphaBar = cumprod(cosineBetas(T, { s }));
        // The clip at 0.999 only bites in the last step or two; check up to 90% of the way.
        for (let i = 0; i < Math.floor(0.9 * T); i++) {
          const expected = f((i + 1) / T, s) / f(0, s);
          assert.ok(Math.abs(alphaBar[i]! - expected) <= 1e-12 * Math.max(1, T / 100), `T=${T} i=${i}`);
        }
      }),
      { seed: 42, numRuns: 30 },
    );
  });

  it('clips beta at maxBeta (0.999 by default) and only there', () => {
    const b = cosineBetas(1000);
    assert.equal(b[999], 0.999); // f(1) = cos²(π/2) ≈ 0, so 1 − f(1)/f(t) ≈ 1 is clipped
    assert.ok(Math.max(...b) <= 0.999);
    const c = cosineBetas(1000, { maxBeta: 0.5 });
    assert.ok(Math.max(...c) === 0.5);
  });

  it('starts with √β_1 just below the pixel bin size 1/127.5 (the reason for s = 0.008, iDDPM Section 3.2)', () => {
    const b1 = cosineBetas(1000)[0]!;
    assert.ok(Math.sqrt(b1) < 1 / 127.5 && Math.sqrt(b1) > 0.5 / 127.5, `${Math.sqrt(b1)}`);
  });

  it('rejects bad options', () => {
    assert.throws(() => cosineBetas(10, { maxBeta: 0 }), /cosineBetas: maxBeta/);
    assert.throws(() => cosineBetas(10, { maxBeta: 1.5 }), /cosineBetas: maxBeta/);
    assert.throws(() => cosineBetas(10, { s: -0.1 }), /cosineBetas: s/);
  });
});

describe('DDPM-repository schedules', () => {
  it('quad is linspace(√start, √end, T)²', () => {
    const b = quadBetas(5, { betaStart: 0.01, betaEnd: 0.09 });
    const expected = [0.1, 0.15, 0.2, 0.25, 0.3].map((v) => v * v);
    b.forEach((v, i) => close(v, expected[i]!, 1e-16));
  });

  it('warm-up ramps over the first ⌊T·frac⌋ steps, then stays at betaEnd', () => {
    const b = warmupBetas(10, { betaStart: 0.1, betaEnd: 0.5, warmupFrac: 0.5 });
    const expected = [0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    b.forEach((v, i) => close(v, expected[i]!, 1e-16));
    // ⌊7 · 0.5⌋ = 3 warm-up steps
    assert.deepEqual(Array.from(warmupBetas(7, { betaStart: 0.1, betaEnd: 0.3, warmupFrac: 0.5 })).map((v) => +v.toFixed(12)), [
      0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3,
    ]);
    assert.deepEqual(Array.from(warmupBetas(4, { warmupFrac: 0 })), [0.02, 0.02, 0.02, 0.02]);
  });

  it('const is betaEnd everywhere', () => {
    assert.deepEqual(Array.from(constBetas(3, { beta: 0.3 })), [0.3, 0.3, 0.3]);
    assert.throws(() => constBetas(3, { beta: 0 }), /constBetas: beta/);
  });

  it('jsd is 1/T, 1/(T−1), …, 1', () => {
    assert.deepEqual(Array.from(jsdBetas(4)), [1 / 4, 1 / 3, 1 / 2, 1]);
    assert.deepEqual(Array.from(jsdBetas(1)), [1]);
  });
});

describe('sohlDicksteinBetas', () => {
  it('is 1e-6 + b_t(1 − 1e-6 − 1e-5) with b = 1/linspace(T, 2, T), and 0.001 more at the first step', () => {
    const T = 5; // linspace(5, 2, 5) = 5, 4.25, 3.5, 2.75, 2
    const b = sohlDicksteinBetas(T);
    const baseline = [5, 4.25, 3.5, 2.75, 2].map((v) => 1 / v);
    close(b[0]!, 0.001001 + baseline[0]! * (1 - 0.001001 - 1e-5), 1e-16, 'beta_1');
    for (let i = 1; i < T; i++) close(b[i]!, 1e-6 + baseline[i]! * (1 - 1e-6 - 1e-5), 1e-16, `beta[${i}]`);
  });

  it('ends at beta ≈ 1/2 and leaves about 1/T of the data variance after T steps (the reference\'s note)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 2000 }), (T) => {
        const b = sohlDicksteinBetas(T);
        close(b[T - 1]!, 0.5, 1e-5);
        const left = cumprod(b)[T - 1]!;
        assert.ok(left > 0.2 / T && left < 2 / T, `T=${T}: alpha-bar_T = ${left}`);
      }),
      { seed: 42, numRuns: 20 },
    );
  });

  it('honours step1Beta', () => {
    close(sohlDicksteinBetas(10, { step1Beta: 0 })[0]!, 1e-6 + 0.1 * (1 - 1e-6 - 1e-5), 1e-16);
  });
});
