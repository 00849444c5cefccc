/**
 * The one string → dataset table of the project: the CLI's `--dataset` choices are its keys. Library
 * code takes the generator functions themselves, never these names.
 */
import { Generator, philox4x32 } from '@diffusion-ts/tensor';
import { gmm2d8 } from '@diffusion-ts/diffusion';
import { movingShapesClips } from './clips.ts';
import { MNIST_CLASSES, MNIST_HELD_OUT_PER_CLASS, mnistHeldOut, mnistTrain } from './mnist.ts';
import { movingMnistHeldOut, movingMnistTrain } from './moving-mnist.ts';
import { binaryImages, shapesImages } from './shapes.ts';
import { checkerboard, ring, swissRoll, twoMoons } from './toy2d.ts';
import type { Dataset } from './types.ts';

/** '2d': [n, 2] points; 'image': [n, C, H, W] in [−1, 1], C = 3 (RGB) or 1 (grey); 'binary':
 *  [n, 1, H, W] in {0, 1}; 'video': [n, C, F, H, W] in [−1, 1], C = 3 (RGB) or 1 (grey). */
export type DatasetKind = '2d' | 'image' | 'binary' | 'video';

export interface DatasetEntry {
  describe: string;
  kind: DatasetKind;
  /** n training examples drawn by `gen`. */
  make(n: number, gen: Generator): Dataset;
  /** n held-out examples drawn by `gen`, for a data set with a fixed held-out part (`heldOut` uses
   *  it); a generated data set leaves it out, and its held-out examples come from another stream. */
  heldOut?(n: number, gen: Generator): Dataset;
  /** How many examples that held-out part has. */
  heldOutSize?: number;
}

export const datasets = {
  'swiss-roll': {
    describe: 'Swiss roll (Sohl-Dickstein et al. 2015), 2-D, unit scale',
    kind: '2d',
    make: (n, gen) => swissRoll(n, gen),
  },
  moons: {
    describe: 'two interleaving half circles, 2-D, labelled by moon',
    kind: '2d',
    make: (n, gen) => twoMoons(n, gen),
  },
  checkerboard: {
    describe: '4x4 checkerboard, uniform on the dark squares, 2-D',
    kind: '2d',
    make: (n, gen) => checkerboard(n, gen),
  },
  gmm8: {
    describe: 'mixture of 8 Gaussians (std 0.1) on the unit circle, 2-D, labelled by component; its exact score and denoiser are gmm2d8 in @diffusion-ts/diffusion',
    kind: '2d',
    make: (n, gen) => {
      const { x, labels } = gmm2d8.sampleWithLabels(n, gen);
      return { data: Float32Array.from(x), shape: [n, 2], labels, numClasses: gmm2d8.weights.length };
    },
  },
  ring: {
    describe: 'circle of radius sqrt(2) with radial noise, 2-D',
    kind: '2d',
    make: (n, gen) => ring(n, gen),
  },
  shapes16: {
    describe: '16x16 RGB shapes (circle, square, triangle, cross), labelled by shape',
    kind: 'image',
    make: (n, gen) => shapesImages(n, gen, { size: 16 }),
  },
  shapes32: {
    describe: '32x32 RGB shapes (circle, square, triangle, cross), labelled by shape',
    kind: 'image',
    make: (n, gen) => shapesImages(n, gen, { size: 32 }),
  },
  mnist: {
    describe: 'MNIST digits (mnist package 1.1.0), grey, padded from 28x28 to 32x32 with the background, labelled by digit; 8,000 training, 2,000 held out',
    kind: 'image',
    make: (n, gen) => mnistTrain(n, gen, 32),
    heldOut: (n, gen) => mnistHeldOut(n, gen, 32),
    heldOutSize: MNIST_CLASSES * MNIST_HELD_OUT_PER_CLASS,
  },
  mnist16: {
    describe: 'MNIST digits as mnist, averaged over 2x2 blocks to 16x16',
    kind: 'image',
    make: (n, gen) => mnistTrain(n, gen, 16),
    heldOut: (n, gen) => mnistHeldOut(n, gen, 16),
    heldOutSize: MNIST_CLASSES * MNIST_HELD_OUT_PER_CLASS,
  },
  binary16: {
    describe: '16x16 binary shapes, for binomial diffusion, labelled by shape',
    kind: 'binary',
    make: (n, gen) => binaryImages(n, gen, { size: 16 }),
  },
  clips16: {
    describe: '8-frame 16x16 RGB clips of one or two bouncing shapes',
    kind: 'video',
    make: (n, gen) => movingShapesClips(n, gen, { frames: 8, size: 16 }),
  },
  'moving-mnist': {
    describe: 'Moving MNIST (Srivastava et al. 2015): 8-frame 32x32 grey clips of one or two real digits bouncing (the 64x64 clip pooled 2x2); training digits only, held-out clips from held-out digits',
    kind: 'video',
    make: (n, gen) => movingMnistTrain(n, gen, 32),
    heldOut: (n, gen) => movingMnistHeldOut(n, gen, 32),
  },
  'moving-mnist64': {
    describe: 'Moving MNIST as in Srivastava et al. 2015: 8-frame 64x64 grey clips of one or two real 28x28 digits bouncing',
    kind: 'video',
    make: (n, gen) => movingMnistTrain(n, gen, 64),
    heldOut: (n, gen) => movingMnistHeldOut(n, gen, 64),
  },
} satisfies Record<string, DatasetEntry>;

export type DatasetName = keyof typeof datasets;

/** The names, in table order: the CLI's choices for `--dataset`. */
export const datasetNames: readonly DatasetName[] = Object.keys(datasets) as DatasetName[];

export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(datasets, name);
}

/**
 * The seed of the held-out stream for a training seed: 53 bits of the Philox block at counter
 * (0, 0, 1, 0) under the training seed's key. `Generator` only ever uses counters (i, j, 0, 0), so these
 * words are not part of any training stream, and the derived seed is a pseudo-random 53-bit number
 * that no small training seed will equal.
 */
export function heldOutSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`heldOutSeed: seed must be a non-negative safe integer, got ${seed}`);
  }
  const TWO_32 = 4294967296;
  const [w0, w1] = philox4x32(0, 0, 1, 0, seed % TWO_32, Math.floor(seed / TWO_32));
  return (w0! >>> 11) * TWO_32 + w1!; // 21 + 32 bits
}

/**
 * n samples of dataset `name` for evaluation: drawn from its held-out part where it has one (MNIST's
 * 2,000 held-out digits), else generated from a stream disjoint from `new Generator(seed)`.
 */
export function heldOut(name: DatasetName, n: number, seed: number): Dataset {
  const entry: DatasetEntry = datasets[name];
  const gen = new Generator(heldOutSeed(seed));
  return entry.heldOut ? entry.heldOut(n, gen) : entry.make(n, gen);
}
