/**
 * Moving MNIST (Srivastava et al. 2015, "Unsupervised Learning of Video Representations using LSTMs",
 * Sec. 3): real 28×28 MNIST digits moving with constant velocity inside a 64×64 frame and bouncing off
 * its walls, overlapping digits combined by the pixelwise maximum, as in the paper's generator. Here each
 * clip has one or two digits (uniformly), each with its own random start and direction at a speed drawn
 * from [2, 4] pixels per frame, and everything is drawn from a seed. The 32×32 version is the 64×64 clip
 * averaged over 2×2 blocks (so a digit is 14 pixels high and has as much room to move).
 * Layout [n, 1, F, S, S] in [−1, 1] (background −1), like every image set here.
 * Digits come from the MNIST split of `mnist.ts`: the training clips use training digits only, the
 * held-out clips held-out digits only.
 */
import type { Generator } from '@diffusion-ts/tensor';
import { bounce } from './clips.ts';
import { MNIST_SIDE, mnistDigits, mnistSplit } from './mnist.ts';
import type { Dataset } from './types.ts';

export type MovingMnistSize = 32 | 64;

export interface MovingMnistOptions {
  /** Frames per clip (default 8). */
  frames?: number;
  /** Frame side: 64 as in Srivastava et al. 2015, or 32 (the 64×64 clip pooled 2×2). */
  size: MovingMnistSize;
  /** The digits to draw from (indices into `mnistDigits()`): the training or the held-out part of the split. */
  pool: Int32Array;
}

/** A digit's path: MNIST index, top-left corner at frame 0 and velocity, in pixels of the 64×64 frame. */
export interface MovingDigit {
  index: number;
  x0: number;
  y0: number;
  vx: number;
  vy: number;
}

const CANVAS = 64;
const RANGE = CANVAS - MNIST_SIDE; // the top-left corner stays in [0, 36], so the digit never leaves

/** One or two digits from `pool`, each with a uniform start in the frame and a uniform direction at speed U[2, 4]. */
export function randomMovingDigits(gen: Generator, pool: Int32Array): MovingDigit[] {
  const count = gen.integer(1, 3);
  return Array.from({ length: count }, () => {
    const index = pool[gen.integer(0, pool.length)]!;
    const x0 = RANGE * gen.random(), y0 = RANGE * gen.random();
    const speed = 2 + 2 * gen.random(), angle = 2 * Math.PI * gen.random();
    return { index, x0, y0, vx: speed * Math.cos(angle), vy: speed * Math.sin(angle) };
  });
}

/** Frame t of the digits on a 64×64 canvas in [0, 1]: each digit at its bounced, rounded corner, combined by max. */
function renderFrame(canvas: Float32Array, digits: readonly MovingDigit[], t: number, pixels: Float32Array | Uint8Array | ArrayLike<number>): void {
  canvas.fill(0);
  const s = MNIST_SIDE;
  for (const d of digits) {
    const left = Math.round(bounce(d.x0, d.vx, t, 0, RANGE)), top = Math.round(bounce(d.y0, d.vy, t, 0, RANGE));
    for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) {
      const v = pixels[d.index * s * s + y * s + x]!, at = (top + y) * CANVAS + left + x;
      if (v > canvas[at]!) canvas[at] = v;
    }
  }
}

/** n clips [n, 1, frames, size, size] in [−1, 1] (unlabelled). */
export function movingMnistClips(n: number, gen: Generator, { frames = 8, size, pool }: MovingMnistOptions): Dataset {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`movingMnistClips: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(frames) || frames < 1 || frames > 64) throw new RangeError(`movingMnistClips: frames must be an integer in [1, 64], got ${frames}`);
  if (size !== 32 && size !== 64) throw new RangeError(`movingMnistClips: size must be 32 or 64, got ${size}`);
  if (pool.length === 0) throw new RangeError('movingMnistClips: the digit pool is empty');
  const { pixels } = mnistDigits();
  const plane = size * size, clipLength = frames * plane;
  const data = new Float32Array(n * clipLength);
  const canvas = new Float32Array(CANVAS * CANVAS);
  for (let i = 0; i < n; i++) {
    const digits = randomMovingDigits(gen, pool);
    for (let t = 0; t < frames; t++) {
      renderFrame(canvas, digits, t, pixels);
      const at = i * clipLength + t * plane;
      if (size === 64) {
        for (let k = 0; k < plane; k++) data[at + k] = 2 * canvas[k]! - 1;
      } else {
        for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
          const a = 2 * y * CANVAS + 2 * x;
          data[at + y * 32 + x] = (canvas[a]! + canvas[a + 1]! + canvas[a + CANVAS]! + canvas[a + CANVAS + 1]!) / 2 - 1;
        }
      }
    }
  }
  return { data, shape: [n, 1, frames, size, size] };
}

/** Training clips: digits from the training part of the MNIST split only. */
export const movingMnistTrain = (n: number, gen: Generator, size: MovingMnistSize, frames = 8): Dataset =>
  movingMnistClips(n, gen, { size, frames, pool: mnistSplit().train });

/** Evaluation clips: digits from the held-out part only. */
export const movingMnistHeldOut = (n: number, gen: Generator, size: MovingMnistSize, frames = 8): Dataset =>
  movingMnistClips(n, gen, { size, frames, pool: mnistSplit().heldOut });
