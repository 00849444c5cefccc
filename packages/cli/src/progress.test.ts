import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createProgress, formatDuration, formatRate, formatValue, type ProgressStream } from './progress.ts';

/** A stream that records what is written; a pipe or a CI log unless `isTTY` is set. */
function fakeStream(isTTY = false): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns: 120, write: (c: string) => chunks.push(c), text: () => chunks.join('') };
}

/** A clock advanced by hand, in milliseconds. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('createProgress on a non-TTY stream', () => {
  it('writes one plain line every logEvery steps and at the end, with values, rate and ETA', () => {
    const stream = fakeStream(), clock = fakeClock();
    const p = createProgress({ total: 10, label: 'train', values: ['loss', 'lr'], stream, logEvery: 4, now: clock.now });
    for (let i = 1; i <= 10; i++) {
      clock.advance(500); // 2 steps/s
      p.update(i, { loss: 1 / i, ...(i === 1 ? { lr: 2e-4 } : {}) });
    }
    p.stop();
    p.stop(); // idempotent
    const lines = stream.text().split('\n');
    assert.deepEqual(lines, [
      'train 4/10 (40%) | loss 0.25 | lr 2.00e-4 | 2 steps/s | ETA 3s',
      'train 8/10 (80%) | loss 0.125 | lr 2.00e-4 | 2 steps/s | ETA 1s',
      'train 10/10 (100%) | loss 0.1 | lr 2.00e-4 | 2 steps/s | done in 5s',
      '',
    ]);
    assert.ok(!stream.text().includes('\x1b'), 'no terminal escapes in a log');
  });

  it('a resumed run (start = its checkpoint step) counts its rate and ETA from the steps done since', () => {
    const stream = fakeStream(), clock = fakeClock();
    const p = createProgress({ total: 100, start: 60, label: 'train', stream, logEvery: 10, now: clock.now });
    for (let i = 61; i <= 70; i++) {
      clock.advance(2000); // 0.5 steps/s
      p.update(i);
    }
    assert.equal(stream.text(), 'train 70/100 (70%) | 2.00 s/step | ETA 1m00s\n');
    assert.throws(() => createProgress({ total: 10, start: 11, stream }), /createProgress: start must be in \[0, total = 10\], got 11/);
  });

  it('increment counts items and stop() writes the last state once', () => {
    const stream = fakeStream(), clock = fakeClock();
    const p = createProgress({ total: 100, unit: 'image', stream, now: clock.now });
    clock.advance(4000);
    p.increment(2);
    p.increment(1);
    p.stop();
    assert.equal(stream.text(), '3/100 (3%) | 1.33 s/image | ETA 2m09s\n');
  });

  it('writes at most total/logEvery + 2 lines whatever the update pattern', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 30 }), fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 100 }), (total, logEvery, steps) => {
        const stream = fakeStream(), clock = fakeClock();
        const p = createProgress({ total, stream, logEvery, now: clock.now });
        for (const s of steps) {
          clock.advance(10);
          p.increment(s);
        }
        p.stop();
        const lines = stream.text().trimEnd().split('\n');
        assert.ok(lines.length >= 1 && lines.length <= Math.floor(total / logEvery) + 2, `${lines.length} lines`);
        const done = Math.min(total, steps.reduce((a, b) => a + b, 0));
        assert.ok(lines.at(-1)!.startsWith(`${done}/${total} `), lines.at(-1));
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});

describe('createProgress on a TTY stream', () => {
  it('draws a bar through cli-progress and finishes on a new line', () => {
    const stream = fakeStream(true), clock = fakeClock();
    const p = createProgress({ total: 8, label: 'sample', values: ['loss'], stream, now: clock.now });
    clock.advance(2000);
    p.update(4, { loss: 0.5 });
    p.stop();
    const text = stream.text();
    assert.ok(text.includes('sample ████████████░░░░░░░░░░░░ 4/8 (50%) | loss 0.5 | 2 steps/s | ETA 2s'), JSON.stringify(text));
    assert.ok(text.endsWith('\n'));
  });
});

describe('formatting', () => {
  it('formats values, durations and rates', () => {
    assert.equal(formatValue(0.041234), '0.04123');
    assert.equal(formatValue(1.5e-5), '1.50e-5');
    assert.equal(formatValue(123456), '1.23e+5');
    assert.equal(formatValue(0), '0');
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatDuration(42.4), '42s');
    assert.equal(formatDuration(187), '3m07s');
    assert.equal(formatDuration(3720), '1h02m');
    assert.equal(formatDuration(Infinity), '--');
    assert.equal(formatRate(12.345, 'step'), '12.35 steps/s');
    assert.equal(formatRate(0.25, 'step'), '4.00 s/step');
    assert.equal(formatRate(0, 'step'), '-- steps/s');
  });
});
