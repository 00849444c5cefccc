/**
 * Small procedural images: one filled shape (circle, square, triangle, cross) of random position, size
 * and colour on a dark background, antialiased by supersampling. The class label is the shape, so the
 * set exercises class-conditional models and guidance at sizes a CPU can train on.
 */
import type { Generator } from '@diffusion-ts/tensor';
import type { Dataset } from './types.ts';

export const shapeKinds = ['circle', 'square', 'triangle', 'cross'] as const;
export type ShapeKind = (typeof shapeKinds)[number];
export type ImageSize = 16 | 32;
export type Rgb = readonly [number, number, number];

/** Samples per pixel side; 4 gives 16 samples per pixel, at exactly representable (dyadic) offsets. */
const SUPERSAMPLE = 4;
/** Half-width of the square and the arms of the cross, in units of the shape's radius. */
const SQUARE_HALF = 0.8;
const CROSS_HALF_WIDTH = 0.3;

/**
 * Whether (u, v), in units of the radius around the shape's centre (v pointing down), lies inside.
 * Every shape fits in the square [−1, 1]², so a centre at least one radius from each wall keeps the
 * whole shape in the frame.
 */
function inside(kind: ShapeKind, u: number, v: number): boolean {
  switch (kind) {
    case 'circle':
      return u * u + v * v <= 1;
    case 'square':
      return Math.abs(u) <= SQUARE_HALF && Math.abs(v) <= SQUARE_HALF;
    case 'triangle': // equilateral, inscribed in the unit circle, apex up: vertices (0, −1), (±√3/2, ½)
      return v <= 0.5 && Math.abs(u) * Math.sqrt(3) <= v + 1;
    case 'cross':
      return (Math.abs(u) <= CROSS_HALF_WIDTH && Math.abs(v) <= 1) || (Math.abs(v) <= CROSS_HALF_WIDTH && Math.abs(u) <= 1);
    default: {
      const unknown: never = kind;
      throw new Error(`unknown shape ${String(unknown)}`);
    }
  }
}

/** Exact area of each shape for radius 1 (the test checks the rasterizer against it). */
export const unitShapeArea: Record<ShapeKind, number> = {
  circle: Math.PI,
  square: (2 * SQUARE_HALF) ** 2,
  triangle: (3 * Math.sqrt(3)) / 4,
  cross: 2 * (2 * 2 * CROSS_HALF_WIDTH) - (2 * CROSS_HALF_WIDTH) ** 2,
};

/**
 * Fractional coverage of each pixel of a `size`×`size` image by the shape centred at (cx, cy) (pixel
 * units, (0, 0) the top-left corner of the image) with radius `r`: the fraction of SUPERSAMPLE²
 * regularly spaced points inside the shape. Row-major [size, size], values in [0, 1].
 */
export function shapeCoverage(kind: ShapeKind, cx: number, cy: number, r: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  const x0 = Math.max(0, Math.floor(cx - r)), x1 = Math.min(size, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r)), y1 = Math.min(size, Math.ceil(cy + r));
  const weight = 1 / (SUPERSAMPLE * SUPERSAMPLE);
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      let hits = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        const v = (py + (sy + 0.5) / SUPERSAMPLE - cy) / r;
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          if (inside(kind, (px + (sx + 0.5) / SUPERSAMPLE - cx) / r, v)) hits++;
        }
      }
      out[py * size + px] = hits * weight;
    }
  }
  return out;
}

/** A bright, saturated colour: HSV with random hue, saturation in [0.5, 1], value in [0.7, 1]. */
export function randomBrightColor(gen: Generator): Rgb {
  const h = 6 * gen.random(), s = 0.5 + 0.5 * gen.random(), v = 0.7 + 0.3 * gen.random();
  const f = (k: number): number => {
    const hk = (k + h) % 6;
    return v - v * s * Math.max(0, Math.min(hk, 4 - hk, 1));
  };
  return [f(5), f(3), f(1)];
}

/** A dark background: each channel in [0, 0.15] (so in [−1, −0.7] after mapping to [−1, 1]). */
export function randomDarkColor(gen: Generator): Rgb {
  return [0.15 * gen.random(), 0.15 * gen.random(), 0.15 * gen.random()];
}

/**
 * Alpha-composite `color` over the RGB planes `out[offset + c·planeStride + p]`, p < coverage.length,
 * with the coverage as alpha. Values are in [0, 1] here; callers map them to [−1, 1] at the end.
 */
export function paint(out: Float32Array, offset: number, planeStride: number, coverage: Float32Array, color: Rgb): void {
  for (let c = 0; c < 3; c++) {
    const base = offset + c * planeStride, value = color[c]!;
    for (let p = 0; p < coverage.length; p++) {
      const a = coverage[p]!;
      if (a > 0) out[base + p] = out[base + p]! * (1 - a) + value * a;
    }
  }
}

/** Fill the RGB planes at `offset` with one colour. */
export function fillBackground(out: Float32Array, offset: number, planeStride: number, pixels: number, color: Rgb): void {
  for (let c = 0; c < 3; c++) out.fill(color[c]!, offset + c * planeStride, offset + c * planeStride + pixels);
}

/** A shape's radius in pixels: uniform in [0.2, 0.35]·size (3.2 to 5.6 pixels at 16×16). */
export function randomRadius(gen: Generator, size: number): number {
  return size * (0.2 + 0.15 * gen.random());
}

interface Placed {
  kind: ShapeKind;
  label: number;
  cx: number;
  cy: number;
  r: number;
}

/** Draw a class uniformly from `classes` and place a shape of it fully inside the frame. */
function placeShape(gen: Generator, size: number, classes: readonly ShapeKind[]): Placed {
  const label = gen.integer(0, classes.length);
  const r = randomRadius(gen, size);
  const cx = r + (size - 2 * r) * gen.random(), cy = r + (size - 2 * r) * gen.random();
  return { kind: classes[label]!, label, cx, cy, r };
}

function checkClasses(where: string, classes: readonly ShapeKind[]): void {
  if (classes.length === 0) throw new RangeError(`${where}: classes must not be empty`);
  for (const k of classes) {
    if (!shapeKinds.includes(k)) throw new RangeError(`${where}: unknown shape '${k}', expected one of ${shapeKinds.join(', ')}`);
  }
}

export interface ShapesOptions {
  size: ImageSize;
  /** The shapes to draw; label i means classes[i]. Default: all four, in `shapeKinds` order. */
  classes?: readonly ShapeKind[];
}

/**
 * n RGB images [n, 3, size, size] in [−1, 1]: a dark random background and one antialiased shape of
 * a random class, radius, position (always fully inside) and bright colour. labels[i] indexes `classes`.
 */
export function shapesImages(n: number, gen: Generator, { size, classes = shapeKinds }: ShapesOptions): Dataset {
  checkClasses('shapesImages', classes);
  const pixels = size * size;
  const data = new Float32Array(n * 3 * pixels);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const offset = i * 3 * pixels;
    fillBackground(data, offset, pixels, pixels, randomDarkColor(gen));
    const s = placeShape(gen, size, classes);
    paint(data, offset, pixels, shapeCoverage(s.kind, s.cx, s.cy, s.r, size), randomBrightColor(gen));
    labels[i] = s.label;
  }
  for (let j = 0; j < data.length; j++) data[j] = 2 * data[j]! - 1;
  return { data, shape: [n, 3, size, size], labels, numClasses: classes.length };
}

export interface BinaryOptions {
  size: ImageSize;
  classes?: readonly ShapeKind[];
}

/**
 * n binary images [n, 1, size, size] with values 0/1: a shape as in `shapesImages`, a pixel set when
 * at least half of it is covered. For Sohl-Dickstein et al. 2015's binomial diffusion.
 */
export function binaryImages(n: number, gen: Generator, { size, classes = shapeKinds }: BinaryOptions): Dataset {
  checkClasses('binaryImages', classes);
  const pixels = size * size;
  const data = new Float32Array(n * pixels);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = placeShape(gen, size, classes);
    const coverage = shapeCoverage(s.kind, s.cx, s.cy, s.r, size);
    for (let p = 0; p < pixels; p++) data[i * pixels + p] = coverage[p]! >= 0.5 ? 1 : 0;
    labels[i] = s.label;
  }
  return { data, shape: [n, 1, size, size], labels, numClasses: classes.length };
}
