/**
 * Turning samples into pictures, by kind of data: 2-D points become a scatter plot over the data,
 * images a grid, clips a grid of frames (one row per clip) and a GIF. Pure functions to RGBA.
 */
import type { DatasetKind } from '../data/registry.ts';
import { encodeGif, imageGrid, linePlot, scatterPlot, type RgbaImage } from '../render/index.ts';

export interface SampleBatch {
  data: Float32Array;
  /** [n, 2] points, [n, C, H, W] images, or [n, C, F, H, W] clips. */
  shape: readonly number[];
}

const GREY: [number, number, number] = [190, 190, 190];
const BLUE: [number, number, number] = [31, 119, 180];

/** Axis limits that hold both point sets with a margin, so every frame of a trajectory shares them. */
export function pointLimits(...sets: Float32Array[]): { xLim: [number, number]; yLim: [number, number] } {
  let lo = Infinity, hi = -Infinity;
  for (const s of sets) for (const v of s) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const pad = (hi - lo) * 0.05 || 1;
  return { xLim: [lo - pad, hi + pad], yLim: [lo - pad, hi + pad] };
}

/** Options of a picture: `reference` (2-D only) is drawn underneath in grey; `nrow` images (not clips) per row, default a square grid. */
export interface PictureOptions {
  reference?: Float32Array;
  title?: string;
  limits?: ReturnType<typeof pointLimits>;
  nrow?: number;
}

/** The picture of one batch: a scatter plot of points, a grid of images, or one row of frames per clip. */
export function picture(kind: DatasetKind, batch: SampleBatch, { reference, title, limits, nrow }: PictureOptions = {}): RgbaImage {
  switch (kind) {
    case '2d': {
      const series = [...(reference ? [{ name: 'data', points: reference, color: GREY }] : []), { name: 'samples', points: batch.data, color: BLUE }];
      return scatterPlot({ series, title, width: 480, height: 480, ...(limits ?? pointLimits(batch.data, ...(reference ? [reference] : []))) });
    }
    case 'image':
      return imageGrid(batch.data, batch.shape as [number, number, number, number], { nrow: nrow ?? Math.ceil(Math.sqrt(batch.shape[0]!)) });
    case 'binary':
      return imageGrid(batch.data, batch.shape as [number, number, number, number], { nrow: nrow ?? Math.ceil(Math.sqrt(batch.shape[0]!)), range: [0, 1] });
    case 'video': {
      // [n, C, F, H, W] → [n·F, C, H, W]: row k holds clip k's frames left to right.
      const [n, c, f, h, w] = batch.shape as [number, number, number, number, number];
      return imageGrid(clipsToFrames(batch.data, n, c, f, h, w), [n * f, c, h, w], { nrow: f });
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown data kind ${String(never)}`);
    }
  }
}

function clipsToFrames(data: Float32Array, n: number, c: number, f: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length), plane = h * w;
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let fr = 0; fr < f; fr++) {
    out.set(data.subarray(((i * c + ch) * f + fr) * plane, ((i * c + ch) * f + fr + 1) * plane), ((i * f + fr) * c + ch) * plane);
  }
  return out;
}

/** A GIF of clips playing: frame t shows every clip's frame t in a grid of `nrow` clips per row (default square). */
export function clipsGif(batch: SampleBatch, { nrow = Math.ceil(Math.sqrt(batch.shape[0]!)) }: { nrow?: number } = {}): Uint8Array {
  const [n, c, f, h, w] = batch.shape as [number, number, number, number, number];
  const frames = clipsToFrames(batch.data, n, c, f, h, w);
  const plane = c * h * w;
  const images = Array.from({ length: f }, (_, t) => {
    const frame = new Float32Array(n * plane);
    for (let i = 0; i < n; i++) frame.set(frames.subarray((i * f + t) * plane, (i * f + t + 1) * plane), i * plane);
    return imageGrid(frame, [n, c, h, w], { nrow });
  });
  return encodeGif(images, { delayMs: 150 });
}

/** The loss curve, log-scaled, with a moving average over `window` steps beside the raw values. */
export function lossPlot(steps: readonly number[], losses: readonly number[], window = 50): RgbaImage {
  const smooth = losses.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    return losses.slice(from, i + 1).reduce((a, b) => a + b, 0) / (i - from + 1);
  });
  const positive = losses.every((v) => v > 0);
  return linePlot({
    series: [{ name: 'loss', x: steps, y: losses, color: GREY }, { name: `mean of ${window}`, x: steps, y: smooth, color: BLUE }],
    title: 'training loss', xLabel: 'step', yLabel: 'loss', logY: positive, width: 640, height: 400,
  });
}
