import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator } from '@diffusion-ts/tensor';
import { LossSecondMomentResampler, UniformSampler } from './timestep-samplers.ts';

describe('UniformSampler', () => {
  it('draws every timestep with probability 1/T and weight 1', () => {
    const T = 8, N = 16000;
    const { t, weights } = new UniformSampler(T).sample(N, new Generator(4));
    const counts = new Array(T).fill(0);
    t.forEach((s) => counts[s]++);
    counts.forEach((c) => assert.ok(Math.abs(c - N / T) <= 5 * Math.sqrt((N * (T - 1)) / T ** 2), `count ${c}`));
    assert.ok(weights.every((w) => w === 1));
  });
});

describe('LossSecondMomentResampler (iDDPM Section 3.3)', () => {
  it('is uniform until every t has 10 losses, then p_t ∝ √(mean of L_t²) mixed with 0.001 uniform', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.nat({ max: 1e6 }), (T, seed) => {
        const g = new Generator(seed);
        const s = new LossSecondMomentResampler(T);
        const history: number[][] = Array.from({ length: T }, () => []);
        const feed = (step: number, loss: number) => {
          s.updateWithLosses([step], [loss]);
          history[step]!.push(loss);
          if (history[step]!.length > 10) history[step]!.shift();
        };
        for (let round = 0; round < 10; round++) {
          for (let step = 0; step < T; step++) {
            if (round === 9 && step === T - 1) {
              assert.equal(s.warmedUp(), false);
              assert.ok(s.weights().every((w) => w === 1));
            }
            feed(step, (step + 1) * (0.5 + g.random()));
          }
        }
        for (let k = 0; k < 3 * T; k++) feed(g.integer(0, T), 10 * g.random()); // the oldest are shifted out
        assert.equal(s.warmedUp(), true);
        const rms = history.map((h) => Math.sqrt(h.reduce((a, l) => a + l * l, 0) / h.length));
        const total = rms.reduce((a, b) => a + b, 0);
        const w = s.weights();
        rms.forEach((r, step) => {
          const expected = (r / total) * 0.999 + 0.001 / T;
          assert.ok(Math.abs(w[step]! - expected) <= 1e-15, `p[${step}] = ${w[step]} vs ${expected}`);
        });
        const { t, weights } = s.sample(64, g);
        t.forEach((step, b) => assert.ok(Math.abs(weights[b]! - 1 / (T * w[step]!)) <= 1e-12 * weights[b]!));
      }),
    );
  });

  it('samples t with those probabilities, and the weighted loss stays an unbiased estimate of the mean over t', () => {
    const T = 5, s = new LossSecondMomentResampler(T), losses = [0.1, 0.5, 1, 2, 4];
    for (let round = 0; round < 10; round++) s.updateWithLosses([0, 1, 2, 3, 4], losses);
    const p = s.weights(), N = 20000;
    const { t, weights } = s.sample(N, new Generator(8));
    const counts = new Array(T).fill(0);
    let estimate = 0;
    t.forEach((step, b) => { counts[step]++; estimate += (weights[b]! * losses[step]!) / N; });
    p.forEach((pt, step) => assert.ok(Math.abs(counts[step] / N - pt) <= 5 * Math.sqrt((pt * (1 - pt)) / N), `t=${step}: ${counts[step] / N} vs ${pt}`));
    // With p ∝ L the weighted estimator is (almost) constant: it equals the mean loss 1.52 up to the uniform mixing.
    assert.ok(Math.abs(estimate - 1.52) < 0.01, `estimate ${estimate}`);
  });
});
