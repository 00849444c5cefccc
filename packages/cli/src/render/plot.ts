/**
 * Raster plots drawn by our own code: line plots (loss curves) and scatter plots (2-D samples),
 * with a frame, ticks with numeric labels, optional log axes, a title, axis labels and a legend.
 *
 * Layout, outside in: margin, title above; y label, y tick labels and ticks left; x ticks, labels
 * and x label below; the legend right of the frame. Data are drawn inside `area` only, and the
 * frame sits one pixel outside it, so marks at the domain's edges are never hidden.
 */
import { createImage, drawLine, drawText, fillBox } from './canvas.ts';
import type { Box, RgbaImage, Rgb } from './canvas.ts';
import { GLYPH_HEIGHT, textWidth } from './font.ts';
import { linearTicks, logTicks } from './ticks.ts';
import type { AxisTicks } from './ticks.ts';

/** Matplotlib's "tab10" colors, cycled for series without an explicit color. */
export const SERIES_COLORS: readonly Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  /** Image size in pixels (default 640×480). */
  width?: number;
  height?: number;
  /** Fixed axis limits; by default the domain covers the data, widened to nice ticks. */
  xLim?: [number, number];
  yLim?: [number, number];
}

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: Rgb;
}

export interface ScatterSeries {
  name: string;
  /** Interleaved coordinates x0, y0, x1, y1, … */
  points: Float32Array;
  color?: Rgb;
}

/** A rendered plot, with what is needed to locate data on it. */
export interface PlotImage extends RgbaImage {
  /** The inclusive pixel rectangle data are drawn in. */
  area: Box;
  /** Axis domains in data units: the left/right and bottom/top edges of `area`. */
  xDomain: [number, number];
  yDomain: [number, number];
}

const MARGIN = 8;
const TICK = 4;
const GAP = 4;
const FRAME: Rgb = [40, 40, 40];
const GRID: Rgb = [228, 228, 228];
const TEXT: Rgb = [0, 0, 0];

interface Prepared {
  name: string;
  color: Rgb;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** Data range of one coordinate over all series, skipping non-finite values; rejects non-positive values on log axes. */
function dataRange(fn: string, series: readonly Prepared[], coord: 'x' | 'y', log: boolean): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) {
    const values = s[coord];
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (log && v <= 0) {
        throw new RangeError(`${fn}: log${coord.toUpperCase()} needs positive values, but series "${s.name}" has ${coord}[${i}] = ${v}`);
      }
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Ticks for one axis: fixed limits when given, else the data range widened (or a default when empty or flat). */
function axisTicks(fn: string, name: 'x' | 'y', range: [number, number] | null, lim: [number, number] | undefined, log: boolean, target: number): AxisTicks {
  if (lim !== undefined) {
    const [a, b] = lim;
    if (!(a < b) || !Number.isFinite(a) || !Number.isFinite(b) || (log && a <= 0)) {
      throw new RangeError(`${fn}: ${name}Lim must be finite with lo < hi${log ? ' and lo > 0 on a log axis' : ''}, got [${a}, ${b}]`);
    }
    return log ? logTicks(a, b, target, true) : linearTicks(a, b, target, true);
  }
  let [lo, hi] = range ?? (log ? [1, 10] : [0, 1]);
  if (lo === hi) [lo, hi] = log ? [lo / 10, hi * 10] : lo === 0 ? [-1, 1] : [lo - Math.abs(lo) / 2, hi + Math.abs(hi) / 2];
  if (!Number.isFinite(hi - lo)) throw new RangeError(`${fn}: ${name} values span [${lo}, ${hi}], too wide to plot`);
  return log ? logTicks(lo, hi, target) : linearTicks(lo, hi, target);
}

function checkSize(fn: string, v: number, what: string): number {
  if (!Number.isInteger(v) || v < 64 || v > 8192) throw new RangeError(`${fn}: ${what} must be an integer in [64, 8192], got ${v}`);
  return v;
}

/** Draw axes, ticks, labels and legend; return the image and a data → pixel map. */
function drawAxes(fn: string, opts: PlotOptions, series: readonly Prepared[]): { img: PlotImage; toPixel: (x: number, y: number) => [number, number] } {
  const width = checkSize(fn, opts.width ?? 640, 'width');
  const height = checkSize(fn, opts.height ?? 480, 'height');
  const logX = opts.logX ?? false, logY = opts.logY ?? false;
  const xRange = dataRange(fn, series, 'x', logX);
  const yRange = dataRange(fn, series, 'y', logY);

  const named = series.filter((s) => s.name !== '');
  const legendWidth = named.length === 0 ? 0 : Math.max(...named.map((s) => textWidth(s.name))) + 10 + 3 * GAP + 2;
  const top = MARGIN + (opts.title ? GLYPH_HEIGHT + 2 * GAP : 0) + 1;
  const bottom = height - 1 - (MARGIN + (opts.xLabel ? GLYPH_HEIGHT + GAP : 0) + GLYPH_HEIGHT + GAP + TICK + 1);
  const yAxis = axisTicks(fn, 'y', yRange, opts.yLim, logY, Math.max(2, Math.round((bottom - top) / 50)));
  const yLabelsWidth = Math.max(0, ...yAxis.labels.map(textWidth));
  const left = MARGIN + (opts.yLabel ? GLYPH_HEIGHT + GAP : 0) + yLabelsWidth + GAP + TICK + 1;
  const right = width - 1 - (MARGIN + (legendWidth > 0 ? legendWidth + 2 * GAP : 0) + 1);
  if (right - left < 16 || bottom - top < 16) {
    throw new RangeError(`${fn}: ${width}x${height} px leaves no room for the data beside the labels and legend`);
  }
  const xAxis = axisTicks(fn, 'x', xRange, opts.xLim, logX, Math.max(2, Math.round((right - left) / 90)));

  const tx = logX ? Math.log10 : (v: number) => v;
  const ty = logY ? Math.log10 : (v: number) => v;
  const [x0, x1, y0, y1] = [tx(xAxis.lo), tx(xAxis.hi), ty(yAxis.lo), ty(yAxis.hi)];
  const toPixel = (x: number, y: number): [number, number] => [
    left + ((tx(x) - x0) / (x1 - x0)) * (right - left),
    bottom - ((ty(y) - y0) / (y1 - y0)) * (bottom - top),
  ];
  const area: Box = { left, top, right, bottom };
  const img: PlotImage = { ...createImage(width, height), area, xDomain: [xAxis.lo, xAxis.hi], yDomain: [yAxis.lo, yAxis.hi] };

  // Grid lines, then the frame one pixel outside the data area.
  for (const t of xAxis.ticks) drawLine(img, toPixel(t, yAxis.lo)[0], top, toPixel(t, yAxis.lo)[0], bottom, GRID);
  for (const t of yAxis.ticks) drawLine(img, left, toPixel(xAxis.lo, t)[1], right, toPixel(xAxis.lo, t)[1], GRID);
  const frame: Box = { left: left - 1, top: top - 1, right: right + 1, bottom: bottom + 1 };
  drawLine(img, frame.left, frame.top, frame.right, frame.top, FRAME);
  drawLine(img, frame.left, frame.bottom, frame.right, frame.bottom, FRAME);
  drawLine(img, frame.left, frame.top, frame.left, frame.bottom, FRAME);
  drawLine(img, frame.right, frame.top, frame.right, frame.bottom, FRAME);

  // Ticks and their labels.
  xAxis.ticks.forEach((t, i) => {
    const px = Math.round(toPixel(t, yAxis.lo)[0]);
    drawLine(img, px, frame.bottom + 1, px, frame.bottom + TICK, FRAME);
    const label = xAxis.labels[i]!;
    const lx = Math.min(width - 1 - textWidth(label), Math.max(0, px - Math.floor(textWidth(label) / 2)));
    drawText(img, lx, frame.bottom + TICK + GAP, label, TEXT);
  });
  for (const t of xAxis.minor) {
    const px = Math.round(toPixel(t, yAxis.lo)[0]);
    drawLine(img, px, frame.bottom + 1, px, frame.bottom + TICK / 2, FRAME);
  }
  yAxis.ticks.forEach((t, i) => {
    const py = Math.round(toPixel(xAxis.lo, t)[1]);
    drawLine(img, frame.left - TICK, py, frame.left - 1, py, FRAME);
    const label = yAxis.labels[i]!;
    drawText(img, frame.left - TICK - GAP - textWidth(label), py - 3, label, TEXT);
  });
  for (const t of yAxis.minor) {
    const py = Math.round(toPixel(xAxis.lo, t)[1]);
    drawLine(img, frame.left - TICK / 2, py, frame.left - 1, py, FRAME);
  }

  // Title, axis labels, legend.
  const centerX = Math.round((left + right) / 2);
  if (opts.title) drawText(img, Math.max(0, centerX - Math.floor(textWidth(opts.title) / 2)), MARGIN, opts.title, TEXT);
  if (opts.xLabel) drawText(img, Math.max(0, centerX - Math.floor(textWidth(opts.xLabel) / 2)), height - MARGIN - GLYPH_HEIGHT, opts.xLabel, TEXT);
  if (opts.yLabel) {
    const centerY = Math.round((top + bottom) / 2);
    drawText(img, MARGIN, Math.min(height - 1, centerY + Math.floor(textWidth(opts.yLabel) / 2)), opts.yLabel, TEXT, { vertical: true });
  }
  if (named.length > 0) {
    const box: Box = { left: frame.right + 2 * GAP, top, right: frame.right + 2 * GAP + legendWidth, bottom: top + named.length * (GLYPH_HEIGHT + GAP) + GAP };
    drawLine(img, box.left, box.top, box.right, box.top, FRAME);
    drawLine(img, box.left, box.bottom, box.right, box.bottom, FRAME);
    drawLine(img, box.left, box.top, box.left, box.bottom, FRAME);
    drawLine(img, box.right, box.top, box.right, box.bottom, FRAME);
    named.forEach((s, i) => {
      const rowTop = box.top + GAP + i * (GLYPH_HEIGHT + GAP);
      fillBox(img, { left: box.left + GAP, top: rowTop + 1, right: box.left + GAP + 9, bottom: rowTop + 5 }, s.color);
      drawText(img, box.left + 2 * GAP + 10, rowTop, s.name, TEXT);
    });
  }
  return { img, toPixel };
}

const colorFor = (color: Rgb | undefined, i: number): Rgb => color ?? SERIES_COLORS[i % SERIES_COLORS.length]!;

/**
 * Line plot: each series' points joined in order by 1-pixel Bresenham lines. A non-finite x or y
 * breaks the line. Log axes reject zero and negative values.
 */
export function linePlot(opts: PlotOptions & { series: LineSeries[] }): PlotImage {
  const series = opts.series.map((s, i): Prepared => {
    if (s.x.length !== s.y.length) throw new RangeError(`linePlot: series "${s.name}" has ${s.x.length} x values but ${s.y.length} y values`);
    return { name: s.name, color: colorFor(s.color, i), x: s.x, y: s.y };
  });
  const { img, toPixel } = drawAxes('linePlot', opts, series);
  for (const s of series) {
    let prev: [number, number] | null = null;
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i]!, y = s.y[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        prev = null;
        continue;
      }
      const p = toPixel(x, y);
      drawLine(img, ...(prev ?? p), ...p, s.color, img.area);
      prev = p;
    }
  }
  return img;
}

/**
 * Scatter plot: each point a square marker `pointSize` pixels wide (default 3), clipped to the
 * data area. Points with a non-finite coordinate are skipped.
 */
export function scatterPlot(opts: PlotOptions & { series: ScatterSeries[]; pointSize?: number }): PlotImage {
  const size = opts.pointSize ?? 3;
  if (!Number.isInteger(size) || size < 1 || size > 64) throw new RangeError(`scatterPlot: pointSize must be an integer in [1, 64], got ${size}`);
  const series = opts.series.map((s, i): Prepared => {
    if (s.points.length % 2 !== 0) throw new RangeError(`scatterPlot: series "${s.name}" has ${s.points.length} coordinates, not (x, y) pairs`);
    const n = s.points.length / 2;
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = s.points[2 * i]!;
      y[i] = s.points[2 * i + 1]!;
    }
    return { name: s.name, color: colorFor(s.color, i), x, y };
  });
  const { img, toPixel } = drawAxes('scatterPlot', opts, series);
  const { area } = img;
  const half = Math.floor((size - 1) / 2);
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const [px, py] = toPixel(s.x[i]!, s.y[i]!);
      if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
      const cx = Math.round(px), cy = Math.round(py);
      const l = Math.max(area.left, cx - half), t = Math.max(area.top, cy - half);
      fillBox(img, { left: l, top: t, right: Math.min(area.right, cx - half + size - 1), bottom: Math.min(area.bottom, cy - half + size - 1) }, s.color);
    }
  }
  return img;
}
