import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { linearTicks, logTicks } from './ticks.ts';

const isNiceStep = (step: number): boolean => {
  const e = Math.floor(Math.log10(step) + 1e-9);
  const m = step / 10 ** e;
  return [1, 2, 5, 10].some((n) => Math.abs(m - n) < 1e-6);
};

const rangeArb = fc
  .tuple(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.double({ min: 1e-6, max: 1e9, noNaN: true }))
  .filter(([a, span]) => span > 1e-6 * Math.abs(a))
  .map(([a, span]) => [a, a + span] as const);

describe('linearTicks', () => {
  it('covers the data with evenly spaced 1-2-5 ticks and distinct, accurate labels', () => {
    fc.assert(
      fc.property(rangeArb, fc.integer({ min: 2, max: 12 }), ([min, max], target) => {
        const { lo, hi, ticks, labels } = linearTicks(min, max, target);
        assert.ok(lo <= min && hi >= max, `[${lo}, ${hi}] misses [${min}, ${max}]`);
        assert.equal(ticks[0], lo);
        assert.equal(ticks[ticks.length - 1], hi);
        assert.ok(ticks.length >= 2 && ticks.length <= 3 * target + 2, `${ticks.length} ticks for target ${target}`);
        const step = ticks[1]! - ticks[0]!;
        assert.ok(isNiceStep(step), `step ${step}`);
        for (let i = 1; i < ticks.length; i++) assert.ok(Math.abs(ticks[i]! - ticks[i - 1]! - step) <= 1e-6 * step + 1e-9 * Math.abs(ticks[i]!));
        assert.equal(new Set(labels).size, labels.length, `labels repeat: ${labels.join(' ')}`);
        labels.forEach((l, i) => assert.ok(Math.abs(Number(l) - ticks[i]!) <= 1e-6 * step, `label ${l} for tick ${ticks[i]}`));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('keeps a fixed domain exactly, with ticks inside it', () => {
    const { lo, hi, ticks, labels } = linearTicks(-0.3, 2.7, 4, true);
    assert.deepEqual([lo, hi], [-0.3, 2.7]);
    assert.deepEqual(ticks, [0, 1, 2]);
    assert.deepEqual(labels, ['0', '1', '2']);
  });

  it('formats small and large steps readably', () => {
    assert.deepEqual(linearTicks(0, 1, 5).labels, ['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    assert.deepEqual(linearTicks(0, 3e6, 3).labels, ['0', '1e6', '2e6', '3e6']);
    assert.deepEqual(linearTicks(1e-5, 3e-5, 2).labels, ['1e-5', '2e-5', '3e-5']);
    assert.throws(() => linearTicks(1, 1, 5), /linearTicks: need finite min < max, got \[1, 1\]/);
  });
});

describe('logTicks', () => {
  it('widens to whole decades and labels powers of ten', () => {
    fc.assert(
      fc.property(fc.integer({ min: -12, max: 12 }), fc.double({ min: 1, max: 9.99, noNaN: true }), fc.double({ min: 0.01, max: 8, noNaN: true }), (k, mant, decades) => {
        const min = mant * 10 ** k, max = min * 10 ** decades;
        const { lo, hi, ticks, labels } = logTicks(min, max, 6);
        assert.ok(lo <= min * (1 + 1e-12) && hi >= max * (1 - 1e-12));
        assert.ok(ticks.length >= 2 && ticks.length <= 8, `${ticks.length} ticks`);
        ticks.forEach((t, i) => {
          const e = Math.log10(t);
          assert.ok(Math.abs(e - Math.round(e)) < 1e-9, `tick ${t} is not a power of ten`);
          assert.ok(Math.abs(Number(labels[i]) / t - 1) < 1e-9, `label ${labels[i]} for ${t}`);
        });
      }),
      { seed: 42, numRuns: 200 },
    );
    assert.deepEqual(logTicks(0.002, 50, 8).labels, ['0.001', '0.01', '0.1', '1', '10', '100']);
    assert.throws(() => logTicks(0, 10, 5), /logTicks: need 0 < min < max/);
  });
});
