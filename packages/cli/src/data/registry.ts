/**
 * The one string → dataset table of the project: the CLI's `--dataset` choices are its keys. Library
 * code takes the generator functions themselves, never these names.
 */
import { Generator, philox4x32 } from '@diffusion-ts/tensor';
import { gmm2d8 } from '@diffusion-ts/diffusion';
import { movingShapesClips } from './clips.ts';
import { binaryImages, shapesImages } from './shapes.ts';
import { checkerboard, ring, swissRoll, twoMoons } from './toy2d.ts';
import type { Dataset } from './types.ts';

/** '2d': [n, 2] points; 'image': [n, 3, H, W] in [−1, 1]; 'binary': [n, 1, H, W] in {0, 1};
 *  'video': [n, 3, F, H, W] in [−1, 1]. */
export type DatasetKind = '2d' | 'image' | 'binary' | 'video';

export interface DatasetEntry {
  describe: string;
  kind: DatasetKind;
  make(n: number, gen: Generator): Dataset;
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

/** n samples of dataset `name` for evaluation, from a stream disjoint from `new Generator(seed)`. */
export function heldOut(name: DatasetName, n: number, seed: number): Dataset {
  return datasets[name].make(n, new Generator(heldOutSeed(seed)));
}
