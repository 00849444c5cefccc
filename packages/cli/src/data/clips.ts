/**
 * Short procedural videos: one or two shapes moving with constant velocity and bouncing off the walls,
 * the "moving shapes" analogue of moving MNIST. Laid out [n, C, F, H, W] (channels, then frames), as
 * Ho et al. 2022 ("Video Diffusion Models") treat a video as a [C, F, H, W] tensor.
 */
import type { Generator } from '@diffusion-ts/tensor';
import {
  fillBackground,
  paint,
  randomBrightColor,
  randomDarkColor,
  randomRadius,
  shapeCoverage,
  shapeKinds,
  type ImageSize,
  type Rgb,
  type ShapeKind,
} from './shapes.ts';
import type { Dataset } from './types.ts';

/** A shape's motion: start (x0, y0) and velocity (vx, vy) in pixels and pixels per frame. */
export interface MovingShape {
  kind: ShapeKind;
  color: Rgb;
  r: number;
  x0: number;
  y0: number;
  vx: number;
  vy: number;
}

/**
 * Elastic bouncing on one axis in closed form: the free position p0 + v·t folded into [lo, hi] by
 * reflection at both walls (a triangle wave of period 2(hi − lo)).
 */
export function bounce(p0: number, v: number, t: number, lo: number, hi: number): number {
  const span = hi - lo;
  if (span <= 0) return lo;
  const m = (((p0 - lo + v * t) % (2 * span)) + 2 * span) % (2 * span);
  return lo + (m <= span ? m : 2 * span - m);
}

/** Centre of the shape at frame t: it stays at least one radius from each wall, so it never leaves. */
export function positionAt(s: MovingShape, t: number, size: number): { x: number; y: number } {
  return { x: bounce(s.x0, s.vx, t, s.r, size - s.r), y: bounce(s.y0, s.vy, t, s.r, size - s.r) };
}

/** A random shape, fully inside the frame, with speed in [0.5, 1.5]·size/16 pixels per frame. */
export function randomMovingShape(gen: Generator, size: number): MovingShape {
  const kind = shapeKinds[gen.integer(0, shapeKinds.length)]!;
  const color = randomBrightColor(gen);
  const r = randomRadius(gen, size) * 0.8; // a little smaller than in still images, to leave room to move
  const x0 = r + (size - 2 * r) * gen.random(), y0 = r + (size - 2 * r) * gen.random();
  const speed = (size / 16) * (0.5 + gen.random()), angle = 2 * Math.PI * gen.random();
  return { kind, color, r, x0, y0, vx: speed * Math.cos(angle), vy: speed * Math.sin(angle) };
}

/**
 * Render one clip into `out` at `offset`, layout [3, frames, size, size] with values in [0, 1]: the
 * background, then the shapes in order (later ones in front), each frame at `positionAt(shape, t)`.
 */
export function renderClip(
  out: Float32Array,
  offset: number,
  shapes: readonly MovingShape[],
  background: Rgb,
  frames: number,
  size: number,
): void {
  const pixels = size * size, planeStride = frames * pixels;
  for (let t = 0; t < frames; t++) {
    const frameOffset = offset + t * pixels;
    fillBackground(out, frameOffset, planeStride, pixels, background);
    for (const s of shapes) {
      const { x, y } = positionAt(s, t, size);
      paint(out, frameOffset, planeStride, shapeCoverage(s.kind, x, y, s.r, size), s.color);
    }
  }
}

export interface ClipsOptions {
  /** Frames per clip, 8 to 16. */
  frames: number;
  size: ImageSize;
  /** Most shapes per clip (each clip has 1 to maxShapes, uniformly); default 2. */
  maxShapes?: 1 | 2;
}

/** n clips [n, 3, frames, size, size] in [−1, 1] of one or two bouncing shapes on a dark background. */
export function movingShapesClips(n: number, gen: Generator, { frames, size, maxShapes = 2 }: ClipsOptions): Dataset {
  if (!Number.isInteger(frames) || frames < 8 || frames > 16) {
    throw new RangeError(`movingShapesClips: frames must be an integer in [8, 16], got ${frames}`);
  }
  const clipLength = 3 * frames * size * size;
  const data = new Float32Array(n * clipLength);
  for (let i = 0; i < n; i++) {
    const background = randomDarkColor(gen);
    const count = gen.integer(1, maxShapes + 1);
    const shapes = Array.from({ length: count }, () => randomMovingShape(gen, size));
    renderClip(data, i * clipLength, shapes, background, frames, size);
  }
  for (let j = 0; j < data.length; j++) data[j] = 2 * data[j]! - 1;
  return { data, shape: [n, 3, frames, size, size] };
}
