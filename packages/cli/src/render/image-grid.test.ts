import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decode } from 'fast-png';
import { encodePng, imageGrid } from './image-grid.ts';
import { getPixel } from './canvas.ts';

/** n constant RGB images of size h×w, image k filled with colors[k] (values in [-1, 1]). */
function constantImages(colors: [number, number, number][], h: number, w: number): Float32Array {
  const out = new Float32Array(colors.length * 3 * h * w);
  colors.forEach((rgb, k) => rgb.forEach((v, ch) => out.fill(v, (k * 3 + ch) * h * w, (k * 3 + ch + 1) * h * w)));
  return out;
}

describe('imageGrid', () => {
  it('tiles a 2x2 grid of constant images with padding between and around', () => {
    // black, white, mid-gray, red; each 2 rows x 3 columns
    const images = constantImages([[-1, -1, -1], [1, 1, 1], [0, 0, 0], [1, -1, -1]], 2, 3);
    const grid = imageGrid(images, [4, 3, 2, 3], { nrow: 2, padding: 1, padValue: 7 });
    assert.equal(grid.width, 2 * (3 + 1) + 1);
    assert.equal(grid.height, 2 * (2 + 1) + 1);
    const expected = [[0, 0, 0], [255, 255, 255], [128, 128, 128], [255, 0, 0]];
    for (let y = 0; y < grid.height; y++) {
      for (let x = 0; x < grid.width; x++) {
        const pad = x % 4 === 0 || y % 3 === 0;
        const want = pad ? [7, 7, 7] : expected[Math.floor(y / 3) * 2 + Math.floor(x / 4)]!;
        assert.deepEqual(getPixel(grid, x, y), want, `pixel (${x}, ${y})`);
        assert.equal(grid.rgba[4 * (y * grid.width + x) + 3], 255);
      }
    }
  });

  it('places every pixel of every image where make_grid does (random shapes and layouts)', () => {
    fc.assert(
      fc.property(
        fc.record({ n: fc.integer({ min: 1, max: 7 }), c: fc.constantFrom(1, 3), h: fc.integer({ min: 1, max: 4 }), w: fc.integer({ min: 1, max: 4 }), nrow: fc.integer({ min: 1, max: 8 }), padding: fc.integer({ min: 0, max: 3 }) }),
        fc.integer(),
        ({ n, c, h, w, nrow, padding }, seed) => {
          const data = new Float32Array(n * c * h * w).map((_, i) => ((Math.imul(i + 1, 2654435761) ^ seed) >>> 0) / 2 ** 31 - 1);
          const grid = imageGrid(data, [n, c, h, w], { nrow, padding, range: [-1, 1] });
          const cols = Math.min(nrow, n);
          assert.equal(grid.width, cols * (w + padding) + padding);
          assert.equal(grid.height, Math.ceil(n / cols) * (h + padding) + padding);
          const toByte = (v: number) => Math.min(255, Math.max(0, Math.floor((v + 1) * 127.5 + 0.5)));
          for (let k = 0; k < n; k++) {
            for (let y = 0; y < h; y++) {
              for (let x = 0; x < w; x++) {
                const gx = padding + (k % cols) * (w + padding) + x, gy = padding + Math.floor(k / cols) * (h + padding) + y;
                const want = [0, 1, 2].map((ch) => toByte(data[((k * c + (c === 3 ? ch : 0)) * h + y) * w + x]!));
                assert.deepEqual(getPixel(grid, gx, gy), want);
              }
            }
          }
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });

  it('maps a custom range with clamping; NaN becomes black; gray images are gray', () => {
    const grid = imageGrid(Float32Array.of(-5, 0, 0.5, 1, 9, NaN), [1, 1, 1, 6], { padding: 0, range: [0, 1] });
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((x) => getPixel(grid, x, 0)[0]), [0, 0, 128, 255, 255, 0]);
    assert.deepEqual(getPixel(grid, 2, 0), [128, 128, 128]);
  });

  it('fills missing cells of the last row with padding', () => {
    const grid = imageGrid(constantImages([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 1, 1), [3, 3, 1, 1], { nrow: 2, padding: 1 });
    assert.deepEqual([grid.width, grid.height], [5, 5]);
    assert.deepEqual(getPixel(grid, 3, 3), [0, 0, 0]);
    assert.deepEqual(getPixel(grid, 1, 3), [255, 255, 255]);
  });

  it('rejects bad shapes and options, naming the values', () => {
    assert.throws(() => imageGrid(new Float32Array(8), [2, 4, 1, 1]), /imageGrid: channels must be 1 \(gray\) or 3 \(RGB\), got 4/);
    assert.throws(() => imageGrid(new Float32Array(5), [2, 1, 2, 1]), /imageGrid: shape \[2, 1, 2, 1\] needs 4 values, got 5/);
    assert.throws(() => imageGrid(new Float32Array(0), [0, 1, 2, 2]), /shape must be positive integers/);
    assert.throws(() => imageGrid(new Float32Array(1), [1, 1, 1, 1], { range: [1, 1] }), /range must be finite with lo < hi, got \[1, 1\]/);
    assert.throws(() => imageGrid(new Float32Array(1), [1, 1, 1, 1], { nrow: 0 }), /nrow must be a positive integer, got 0/);
  });
});

describe('encodePng', () => {
  it('decodes back to the same pixels', () => {
    const grid = imageGrid(new Float32Array(2 * 3 * 5 * 7).map((_, i) => Math.sin(i)), [2, 3, 5, 7], { padding: 2 });
    const png = encodePng(grid);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const back = decode(png);
    assert.deepEqual([back.width, back.height, back.channels, back.depth], [grid.width, grid.height, 4, 8]);
    assert.deepEqual(new Uint8Array(back.data), grid.rgba);
  });

  it('rejects a buffer of the wrong size', () => {
    assert.throws(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(15) }), /encodePng: 2x2 RGBA needs 16 bytes, got 15/);
  });
});
