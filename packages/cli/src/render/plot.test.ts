import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPixel } from './canvas.ts';
import type { Rgb } from './canvas.ts';
import { linePlot, scatterPlot, SERIES_COLORS } from './plot.ts';
import type { PlotImage } from './plot.ts';

const RED: Rgb = [255, 0, 0];
const same = (a: Rgb, b: Rgb) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** Pixels of `color` inside the data area. */
function pixelsOf(img: PlotImage, color: Rgb): [number, number][] {
  const out: [number, number][] = [];
  const { left, top, right, bottom } = img.area;
  for (let y = top; y <= bottom; y++) for (let x = left; x <= right; x++) if (same(getPixel(img, x, y), color)) out.push([x, y]);
  return out;
}

/** Where (x, y) should land, from the area and domains alone (linear axes). */
function expectedPixel(img: PlotImage, x: number, y: number): [number, number] {
  const { left, top, right, bottom } = img.area;
  const [x0, x1] = img.xDomain, [y0, y1] = img.yDomain;
  return [Math.round(left + ((x - x0) / (x1 - x0)) * (right - left)), Math.round(bottom - ((y - y0) / (y1 - y0)) * (bottom - top))];
}

describe('scatterPlot', () => {
  it('puts each point on its pixel inside a sensible data area', () => {
    const img = scatterPlot({ series: [{ name: 'samples', points: Float32Array.of(0, 0, 10, 10, 3, 7), color: RED }], pointSize: 1, title: 'T', xLabel: 'x', yLabel: 'y' });
    assert.deepEqual([img.width, img.height, img.rgba.length], [640, 480, 640 * 480 * 4]);
    assert.deepEqual([img.xDomain, img.yDomain], [[0, 10], [0, 10]]);
    const { left, top, right, bottom } = img.area;
    assert.ok(left > 20 && top > 10 && right < 600 && bottom < 460 && right - left > 400 && bottom - top > 300, JSON.stringify(img.area));
    const want = [[left, bottom], [right, top], expectedPixel(img, 3, 7)];
    assert.deepEqual(pixelsOf(img, RED).sort(), want.sort());
    assert.deepEqual(expectedPixel(img, 3, 7), [Math.round(left + 0.3 * (right - left)), Math.round(bottom - 0.7 * (bottom - top))]);
  });

  it('draws pointSize-wide squares, clipped to the data area', () => {
    const img = scatterPlot({ series: [{ name: '', points: Float32Array.of(0, 0, 5, 5, 10, 10), color: RED }], pointSize: 3, width: 200, height: 150 });
    assert.equal(pixelsOf(img, RED).length, 4 + 9 + 4); // corner markers lose the part outside the area
    const [cx, cy] = expectedPixel(img, 5, 5);
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) assert.ok(same(getPixel(img, cx + dx, cy + dy), RED));
  });

  it('honours fixed limits, dropping points outside them', () => {
    const img = scatterPlot({ series: [{ name: 'a', points: Float32Array.of(-1, -1, 100, 0.5, 0.5, 0.5), color: RED }], xLim: [-1, 1], yLim: [-1, 1], pointSize: 1 });
    assert.deepEqual([img.xDomain, img.yDomain], [[-1, 1], [-1, 1]]);
    assert.deepEqual(pixelsOf(img, RED).sort(), [[img.area.left, img.area.bottom], expectedPixel(img, 0.5, 0.5)].sort());
  });

  it('rejects odd coordinate counts, non-positive values on log axes and bad sizes', () => {
    assert.throws(() => scatterPlot({ series: [{ name: 'a', points: Float32Array.of(1, 2, 3) }] }), /scatterPlot: series "a" has 3 coordinates, not \(x, y\) pairs/);
    assert.throws(() => scatterPlot({ logX: true, series: [{ name: 'pts', points: Float32Array.of(1, 1, -2, 1) }] }), /scatterPlot: logX needs positive values, but series "pts" has x\[1\] = -2/);
    assert.throws(() => scatterPlot({ width: 10, series: [] }), /scatterPlot: width must be an integer in \[64, 8192\], got 10/);
    assert.throws(() => scatterPlot({ pointSize: 0, series: [] }), /pointSize must be an integer in \[1, 64\], got 0/);
  });
});

describe('linePlot', () => {
  it('joins points with a continuous line from end to end', () => {
    const img = linePlot({ series: [{ name: 'y = x', x: [0, 5, 10], y: [0, 5, 10], color: RED }], width: 320, height: 240 });
    assert.deepEqual([img.width, img.height], [320, 240]);
    const { left, top, right, bottom } = img.area;
    const px = pixelsOf(img, RED);
    assert.equal(px.length, Math.max(right - left, bottom - top) + 1, 'one pixel per step of a Bresenham line');
    for (const [x, y] of [[left, bottom], [right, top], expectedPixel(img, 5, 5)]) assert.ok(same(getPixel(img, x!, y!), RED), `(${x}, ${y})`);
  });

  it('breaks the line at non-finite values', () => {
    const img = linePlot({ series: [{ name: 'gap', x: [0, 10, NaN, 0, 10], y: [0, 0, NaN, 10, 10], color: RED }] });
    const rows = new Set(pixelsOf(img, RED).map(([, y]) => y));
    assert.deepEqual([...rows].sort((a, b) => a - b), [img.area.top, img.area.bottom]);
  });

  it('maps log axes by decades', () => {
    const img = linePlot({ logY: true, series: [{ name: 'loss', x: [0, 1, 2], y: [1, 10, 100], color: RED }] });
    assert.deepEqual(img.yDomain, [1, 100]);
    const { left, top, right, bottom } = img.area;
    assert.ok(same(getPixel(img, Math.round((left + right) / 2), Math.round((top + bottom) / 2)), RED), 'y = 10 halfway up');
    assert.equal(pixelsOf(img, RED).length, Math.max(right - left, bottom - top) + 1, 'a straight line on log axes');
  });

  it('gives series distinct default colors and a legend', () => {
    assert.equal(new Set(SERIES_COLORS.map((c) => c.join())).size, SERIES_COLORS.length);
    const img = linePlot({ series: [{ name: 'a', x: [0, 1], y: [0, 1] }, { name: 'b', x: [0, 1], y: [1, 0] }] });
    for (const color of SERIES_COLORS.slice(0, 2)) {
      assert.ok(pixelsOf(img, color).length > 100, `series color ${color} missing from the plot`);
      let inLegend = 0;
      for (let y = 0; y < img.height; y++) for (let x = img.area.right + 2; x < img.width; x++) if (same(getPixel(img, x, y), color)) inLegend++;
      assert.equal(inLegend, 10 * 5, `legend swatch of ${color}`);
    }
  });

  it('draws tick labels and titles as dark text outside the data area', () => {
    const dark = (img: PlotImage, x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if (getPixel(img, x, y)[0] < 80) n++;
      return n;
    };
    const plain = linePlot({ series: [{ name: '', x: [0, 1], y: [0, 1] }] });
    const titled = linePlot({ title: 'Loss', series: [{ name: '', x: [0, 1], y: [0, 1] }] });
    assert.equal(dark(plain, plain.area.left, 0, plain.area.right, plain.area.top - 2), 0);
    assert.ok(dark(titled, titled.area.left, 0, titled.area.right, titled.area.top - 2) > 20);
    assert.ok(dark(plain, 0, plain.area.bottom + 2, plain.width - 1, plain.height - 1) > 50, 'x tick labels');
    assert.ok(dark(plain, 0, 0, plain.area.left - 2, plain.height - 1) > 50, 'y tick labels');
  });

  it('rejects mismatched lengths and non-positive values on log axes', () => {
    assert.throws(() => linePlot({ series: [{ name: 'l', x: [1, 2], y: [1] }] }), /linePlot: series "l" has 2 x values but 1 y values/);
    assert.throws(() => linePlot({ logY: true, series: [{ name: 'loss', x: [1, 2, 3], y: [1, 0.5, 0] }] }), /linePlot: logY needs positive values, but series "loss" has y\[2\] = 0/);
    assert.throws(() => linePlot({ logX: true, series: [{ name: 'lr', x: [0, 1], y: [1, 1] }] }), /linePlot: logX needs positive values, but series "lr" has x\[0\] = 0/);
    assert.throws(() => linePlot({ logY: true, yLim: [0, 1], series: [] }), /linePlot: yLim must be finite with lo < hi and lo > 0 on a log axis, got \[0, 1\]/);
  });
});
