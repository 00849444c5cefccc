import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clipSegment, createImage, drawLine, drawText, getPixel } from './canvas.ts';
import type { Box, RgbaImage, Rgb } from './canvas.ts';
import { glyph } from './font.ts';

const RED: Rgb = [255, 0, 0];
const isRed = (img: RgbaImage, x: number, y: number) => getPixel(img, x, y).join() === RED.join();
function redPixels(img: RgbaImage): [number, number][] {
  const out: [number, number][] = [];
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (isRed(img, x, y)) out.push([x, y]);
  return out;
}

describe('canvas', () => {
  it('createImage fills an opaque background and rejects bad sizes', () => {
    const img = createImage(3, 2, [1, 2, 3]);
    assert.equal(img.rgba.length, 24);
    assert.deepEqual([...img.rgba.subarray(20)], [1, 2, 3, 255]);
    assert.throws(() => createImage(0, 5), /createImage: size must be positive integers, got 0x5/);
  });

  it('drawLine: segments inside the image are 8-connected runs from end to end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 14 }), (x0, y0, x1, y1) => {
        const img = createImage(20, 15);
        drawLine(img, x0, y0, x1, y1, RED);
        const px = redPixels(img);
        assert.equal(px.length, Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)) + 1);
        assert.ok(isRed(img, x0, y0) && isRed(img, x1, y1));
        // one pixel per step along the major axis
        const major = Math.abs(x1 - x0) >= Math.abs(y1 - y0) ? 0 : 1;
        assert.equal(new Set(px.map((p) => p[major])).size, px.length);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('drawLine: never draws outside the clip box, even for far-away endpoints', () => {
    const coord = fc.oneof(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.double({ min: -5, max: 25, noNaN: true }));
    fc.assert(
      fc.property(coord, coord, coord, coord, (x0, y0, x1, y1) => {
        const img = createImage(20, 20);
        const box: Box = { left: 3, top: 4, right: 15, bottom: 12 };
        drawLine(img, x0, y0, x1, y1, RED, box);
        for (const [x, y] of redPixels(img)) assert.ok(x >= 3 && x <= 15 && y >= 4 && y <= 12, `pixel (${x}, ${y}) outside the box`);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('clipSegment keeps the part of a segment inside the box', () => {
    const box: Box = { left: 0, top: 0, right: 10, bottom: 10 };
    assert.deepEqual(clipSegment(-10, 5, 20, 5, box), [0, 5, 10, 5]);
    assert.deepEqual(clipSegment(2, 3, 4, 5, box), [2, 3, 4, 5]);
    assert.equal(clipSegment(-5, -5, -1, 20, box), null);
    assert.equal(clipSegment(11, 0, 11, 10, box), null);
  });

  it('drawText draws glyph pixels, horizontally and rotated', () => {
    const img = createImage(20, 20);
    drawText(img, 2, 3, 'A', RED);
    const rows = glyph('A');
    for (let r = 0; r < 8; r++) for (let c = 0; c < 5; c++) assert.equal(isRed(img, 2 + c, 3 + r), ((rows[r]! >> (4 - c)) & 1) === 1, `(${c}, ${r})`);
    const v = createImage(20, 20);
    drawText(v, 2, 15, 'A', RED, { vertical: true });
    for (let r = 0; r < 8; r++) for (let c = 0; c < 5; c++) assert.equal(isRed(v, 2 + r, 15 - c), ((rows[r]! >> (4 - c)) & 1) === 1, `rotated (${c}, ${r})`);
  });
});
