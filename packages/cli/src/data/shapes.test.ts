import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Generator } from '@diffusion-ts/tensor';
import { binaryImages, shapeCoverage, shapeKinds, shapesImages, unitShapeArea } from './shapes.ts';

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('shapeCoverage', () => {
  it('covers the exact area of each shape, inside the frame, with values in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...shapeKinds),
        fc.double({ noNaN: true, min: 3, max: 6 }),
        fc.double({ noNaN: true, min: 0, max: 1 }),
        fc.double({ noNaN: true, min: 0, max: 1 }),
        (kind, r, u, v) => {
          const size = 16, cx = r + (size - 2 * r) * u, cy = r + (size - 2 * r) * v;
          const cov = shapeCoverage(kind, cx, cy, r, size);
          let mass = 0;
          for (const a of cov) {
            assert.ok(a >= 0 && a <= 1);
            mass += a;
          }
          // Supersampling errs by at most about half a sub-pixel spacing (1/8 pixel) along the outline,
          // and every outline is at most 8r long (the cross's; the circle's is 2πr).
          const area = unitShapeArea[kind] * r * r;
          assert.ok(Math.abs(mass - area) <= r, `${kind}: mass ${mass}, area ${area}`);
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it('an integer shift of the centre shifts the coverage by whole pixels, exactly', () => {
    const a = shapeCoverage('triangle', 6.25, 7, 4, 16), b = shapeCoverage('triangle', 8.25, 8, 4, 16);
    for (let y = 0; y < 15; y++) for (let x = 0; x < 14; x++) assert.equal(b[(y + 1) * 16 + x + 2], a[y * 16 + x]);
  });

  it('is antialiased: the boundary has fractional coverage', () => {
    const cov = shapeCoverage('circle', 8.3, 7.9, 5.1, 16);
    assert.ok(cov.some((a) => a > 0 && a < 1));
  });
});

describe('shapesImages', () => {
  it('has layout [n, 3, H, W], values in [-1, 1], labels in range, deterministic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.constantFrom<16 | 32>(16, 32), fc.nat(), (n, size, seed) => {
        const a = shapesImages(n, new Generator(seed), { size });
        assert.deepEqual(a.shape, [n, 3, size, size]);
        assert.equal(a.data.length, n * 3 * size * size);
        assert.ok(a.data.every((x) => x >= -1 && x <= 1));
        assert.equal(a.numClasses, 4);
        assert.ok(a.labels && a.labels.every((l) => l >= 0 && l < 4));
        assert.deepEqual(bytes(a.data), bytes(shapesImages(n, new Generator(seed), { size }).data));
        assert.notDeepEqual(bytes(a.data), bytes(shapesImages(n, new Generator(seed + 1), { size }).data));
      }),
      { seed: 42, numRuns: 12 },
    );
  });

  it('has a dark background and a bright shape', () => {
    const size = 16, pixels = size * size, { data } = shapesImages(20, new Generator(3), { size });
    for (let i = 0; i < 20; i++) {
      const brightness = (p: number): number =>
        Math.max(data[i * 3 * pixels + p]!, data[i * 3 * pixels + pixels + p]!, data[i * 3 * pixels + 2 * pixels + p]!);
      assert.ok(brightness(0) <= -0.7 + 1e-6 || brightness(pixels - 1) <= -0.7 + 1e-6, 'a corner is background');
      let brightest = -1;
      for (let p = 0; p < pixels; p++) brightest = Math.max(brightest, brightness(p));
      assert.ok(brightest >= 0.4, `image ${i} has no bright shape`);
    }
  });

  it('draws every class in a large draw, about equally often, and honours `classes`', () => {
    const { labels } = shapesImages(400, new Generator(9), { size: 16 });
    const counts = [0, 0, 0, 0];
    for (const l of labels!) counts[l]!++;
    for (const c of counts) assert.ok(c > 70, `counts ${counts}`);
    const two = shapesImages(50, new Generator(9), { size: 16, classes: ['cross', 'circle'] });
    assert.equal(two.numClasses, 2);
    assert.ok(two.labels!.every((l) => l === 0 || l === 1));
    assert.ok(two.labels!.includes(0) && two.labels!.includes(1));
    assert.throws(() => shapesImages(1, new Generator(0), { size: 16, classes: [] }), /classes/);
  });
});

describe('binaryImages', () => {
  it('has layout [n, 1, H, W], values exactly 0/1, labels in range, deterministic', () => {
    const a = binaryImages(200, new Generator(5), { size: 16 });
    assert.deepEqual(a.shape, [200, 1, 16, 16]);
    assert.ok(a.data.every((x) => x === 0 || x === 1));
    assert.equal(a.numClasses, 4);
    assert.deepEqual(new Set(a.labels), new Set([0, 1, 2, 3]));
    assert.deepEqual(bytes(a.data), bytes(binaryImages(200, new Generator(5), { size: 16 }).data));
    assert.notDeepEqual(bytes(a.data), bytes(binaryImages(200, new Generator(6), { size: 16 }).data));
    for (let i = 0; i < 200; i++) {
      let on = 0;
      for (let p = 0; p < 256; p++) on += a.data[i * 256 + p]!;
      assert.ok(on >= 8 && on < 256, `image ${i} has ${on} pixels set`);
    }
  });
});
