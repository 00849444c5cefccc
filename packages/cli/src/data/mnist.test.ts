import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Generator } from '@diffusion-ts/tensor';
import {
  epochsOf, MNIST_CLASS_COUNTS, MNIST_CLASSES, MNIST_HELD_OUT_PER_CLASS, MNIST_TOTAL, mnistDigits, mnistHeldOut, mnistImages, mnistSplit, mnistTrain,
} from './mnist.ts';

const sha256 = (a: ArrayBufferView): string => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const countOf = (labels: Int32Array): number[] => Array.from({ length: MNIST_CLASSES }, (_, d) => labels.filter((l) => l === d).length);

describe('mnistDigits', () => {
  it('reads the 10,000 digits of mnist 1.1.0 once, labelled by their file, grey values in [0, 1]', () => {
    const { pixels, labels } = mnistDigits();
    assert.equal(pixels.length, MNIST_TOTAL * 28 * 28);
    assert.equal(MNIST_CLASS_COUNTS.reduce((a, b) => a + b, 0), MNIST_TOTAL);
    assert.deepEqual(countOf(labels), MNIST_CLASS_COUNTS);
    assert.ok(labels.every((l, i) => i === 0 || l >= labels[i - 1]!), 'class-major order');
    let lo = Infinity, hi = -Infinity, sum = 0;
    for (const v of pixels) { lo = Math.min(lo, v); hi = Math.max(hi, v); sum += v; }
    assert.equal(lo, 0);
    assert.equal(hi, 1);
    assert.ok(sum / pixels.length > 0.1 && sum / pixels.length < 0.2, `mean grey ${sum / pixels.length} (MNIST's is about 0.13)`);
    assert.equal(mnistDigits(), mnistDigits(), 'loaded once and kept');
    // Pins the package's data and our reading of it.
    assert.equal(sha256(pixels), '66d3369c96e2eba9ba70f403dc70f4277838390daf7846c77370a41443875340');
  });

  it('has a background of 0 at the border, so padding with it extends the digit\'s own background', () => {
    const { pixels } = mnistDigits();
    let zero = 0, border = 0;
    for (let i = 0; i < MNIST_TOTAL; i++) for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
      if (y === 0 || x === 0 || y === 27 || x === 27) { border++; if (pixels[i * 784 + y * 28 + x] === 0) zero++; }
    }
    assert.ok(zero / border > 0.999, `${zero} of ${border} border pixels are 0`);
  });
});

describe('mnistSplit', () => {
  it('holds out 200 digits of every class, disjoint from the 8,000 training digits, covering all 10,000', () => {
    const { train, heldOut } = mnistSplit();
    const { labels } = mnistDigits();
    assert.equal(heldOut.length, MNIST_CLASSES * MNIST_HELD_OUT_PER_CLASS);
    assert.equal(train.length, MNIST_TOTAL - heldOut.length);
    const seen = new Uint8Array(MNIST_TOTAL);
    for (const i of [...train, ...heldOut]) seen[i]! += 1;
    assert.ok(seen.every((c) => c === 1), 'every digit in exactly one part');
    for (const part of [train, heldOut]) assert.ok(part.every((v, k) => k === 0 || v > part[k - 1]!), 'ascending');
    const heldLabels = Int32Array.from(heldOut, (i) => labels[i]!);
    assert.deepEqual(countOf(heldLabels), Array(MNIST_CLASSES).fill(MNIST_HELD_OUT_PER_CLASS));
  });

  it('is spread over each file, not taken from one end of it', () => {
    const { heldOut } = mnistSplit();
    let start = 0;
    for (const count of MNIST_CLASS_COUNTS) {
      const inClass = heldOut.filter((i) => i >= start && i < start + count);
      const firstHalf = inClass.filter((i) => i < start + count / 2).length;
      assert.ok(firstHalf > 70 && firstHalf < 130, `${firstHalf} of 200 held out from the first half of a file`);
      start += count;
    }
  });

  it('is stable: pinned by its first indices and a hash', () => {
    const { train, heldOut } = mnistSplit();
    assert.deepEqual(Array.from(heldOut.subarray(0, 8)), [2, 10, 13, 18, 20, 27, 39, 41]);
    assert.deepEqual(Array.from(train.subarray(0, 8)), [0, 1, 3, 4, 5, 6, 7, 8]);
    assert.equal(sha256(heldOut), '2765ff796bc14b01354ee52d39642f4f26bf0a44cea2440e74d53bf3d6898f09');
  });
});

describe('mnistImages', () => {
  it('28: the stored digit mapped to [−1, 1]; 32: padded with the background −1; 16: 2×2 means of the 32×32 image', () => {
    const { pixels, labels } = mnistDigits();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: MNIST_TOTAL - 1 }), { minLength: 1, maxLength: 4 }), (indices) => {
        const [a, b, c] = [mnistImages(indices, 28), mnistImages(indices, 32), mnistImages(indices, 16)];
        const n = indices.length;
        assert.deepEqual([a.shape, b.shape, c.shape], [[n, 1, 28, 28], [n, 1, 32, 32], [n, 1, 16, 16]]);
        for (const d of [a, b, c]) {
          assert.deepEqual(Array.from(d.labels!), indices.map((i) => labels[i]!));
          assert.equal(d.numClasses, 10);
          assert.ok(d.data.every((v) => v >= -1 && v <= 1));
        }
        for (let k = 0; k < n; k++) {
          for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
            const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
            const stored = inside ? 2 * pixels[indices[k]! * 784 + (y - 2) * 28 + x - 2]! - 1 : -1;
            assert.equal(b.data[k * 1024 + y * 32 + x], Math.fround(stored));
            if (inside) assert.equal(a.data[k * 784 + (y - 2) * 28 + x - 2], b.data[k * 1024 + y * 32 + x]);
          }
          for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) {
            const at = (dy: number, dx: number): number => b.data[k * 1024 + (2 * y + dy) * 32 + 2 * x + dx]!;
            const mean = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
            assert.ok(Math.abs(c.data[k * 256 + y * 16 + x]! - mean) < 1e-6);
          }
        }
      }),
      { seed: 42, numRuns: 20 },
    );
  });

  it('names the function and the offending value on bad input', () => {
    assert.throws(() => mnistImages([0], 24 as 16), /mnistImages: size must be one of 16, 28, 32, got 24/);
    assert.throws(() => mnistImages([0, 10_000], 32), /mnistImages: index 10000 \(position 1\)/);
    assert.throws(() => mnistImages([1.5], 32), /mnistImages: index 1.5/);
    assert.throws(() => epochsOf(Int32Array.of(1), -1, new Generator(0)), /epochsOf: n must be a non-negative integer, got -1/);
    assert.throws(() => epochsOf(new Int32Array(0), 1, new Generator(0)), /epochsOf: the pool is empty/);
  });
});

describe('epochsOf', () => {
  it('takes every element of the pool once per epoch, in a seeded order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 130 }), fc.nat(), (size, n, seed) => {
        const pool = Int32Array.from({ length: size }, (_, i) => 3 * i + 1);
        const drawn = epochsOf(pool, n, new Generator(seed));
        assert.equal(drawn.length, n);
        assert.deepEqual(drawn, epochsOf(pool, n, new Generator(seed)));
        for (let at = 0; at < n; at += size) {
          const epoch = Array.from(drawn.subarray(at, at + size));
          assert.equal(new Set(epoch).size, epoch.length, 'no repeat within an epoch');
          assert.ok(epoch.every((v) => pool.includes(v)));
        }
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});

describe('mnistTrain and mnistHeldOut', () => {
  it('draw only from their own part of the split, deterministically per generator', () => {
    const { labels } = mnistDigits();
    const { train, heldOut } = mnistSplit();
    const n = 300;
    const t = mnistTrain(n, new Generator(5), 28), h = mnistHeldOut(n, new Generator(5), 28);
    assert.deepEqual(bytes(t.data), bytes(mnistImages(epochsOf(train, n, new Generator(5)), 28).data));
    assert.deepEqual(bytes(h.data), bytes(mnistImages(epochsOf(heldOut, n, new Generator(5)), 28).data));
    assert.deepEqual(bytes(t.data), bytes(mnistTrain(n, new Generator(5), 28).data));
    assert.notDeepEqual(bytes(t.data), bytes(mnistTrain(n, new Generator(6), 28).data));
    assert.ok(Array.from(epochsOf(heldOut, n, new Generator(5))).every((i) => labels[i]! >= 0 && !train.includes(i)));
    assert.equal(mnistTrain(8000, new Generator(1), 16).shape[0], 8000);
  });
});
