/**
 * Two-dimensional toy distributions, the test bed of Sohl-Dickstein et al. 2015 (Swiss roll) and of
 * many papers since (moons, checkerboard, ring). Each is centred and scaled so that every coordinate
 * has variance close to 1, the scale the diffusion schedules assume for data; the scaling is isotropic,
 * so the shapes are not distorted. Gaussian mixtures live in the diffusion package, which knows their
 * exact scores.
 */
import type { Generator } from '@diffusion-ts/tensor';
import type { Dataset } from './types.ts';

/**
 * Moments of the noiseless roll in sklearn's units, in closed form. With t ~ U[a, b], a = 1.5π,
 * b = 4.5π, x = t cos t and z = t sin t:  E[x] = [t sin t + cos t]ₐᵇ / 3π = 2,
 * E[z] = [sin t − t cos t]ₐᵇ / 3π = 2/(3π),  Var x = 4.875π² − 4.25,  Var z = 4.875π² + 0.25 − 4/(9π²).
 * `scale` is the root of the mean of the two variances (≈ 6.79), so the roll keeps its shape.
 */
export const swissRollStats = {
  mean: [2, 2 / (3 * Math.PI)] as const,
  scale: Math.sqrt(4.875 * Math.PI ** 2 - 2 - 2 / (9 * Math.PI ** 2)),
};

export interface SwissRollOptions {
  /** Std of the Gaussian noise added to each coordinate, in sklearn's units (before scaling, as
   *  `make_swiss_roll(noise=…)`); 0.5 there is ≈ 0.074 after scaling. Default 0.5. */
  noise?: number;
}

/**
 * Swiss roll as in Sohl-Dickstein et al. 2015: sklearn's `make_swiss_roll` — t = 1.5π(1 + 2u),
 * u ~ U[0, 1), point (t cos t, 21v, t sin t) plus noise — projected onto (x, z), a planar spiral whose
 * radius from the origin equals its angle t. The output is ((x, z) − mean) / scale with the exact
 * moments of `swissRollStats`, so each coordinate has variance ≈ 0.95 and 1.05. Shape [n, 2].
 */
export function swissRoll(n: number, gen: Generator, { noise = 0.5 }: SwissRollOptions = {}): Dataset {
  const data = new Float32Array(n * 2);
  const { mean, scale } = swissRollStats;
  for (let i = 0; i < n; i++) {
    const t = 1.5 * Math.PI * (1 + 2 * gen.random());
    const x = t * Math.cos(t) + noise * gen.normal();
    const z = t * Math.sin(t) + noise * gen.normal();
    data[2 * i] = (x - mean[0]) / scale;
    data[2 * i + 1] = (z - mean[1]) / scale;
  }
  return { data, shape: [n, 2] };
}

export interface NoiseOptions {
  /** Std of isotropic Gaussian noise, in output units. */
  noise?: number;
}

/** Centre and isotropic scale of two moons: the mixture has Var x = 0.75, Var y ≈ 0.245 (θ uniform). */
const MOONS_CENTER = [0.5, 0.25] as const;
const MOONS_SCALE = Math.sqrt(0.5);

/**
 * Two interleaving half circles, as sklearn's `make_moons` but with the angle drawn uniformly:
 * upper moon (cos θ, sin θ), lower moon (1 − cos θ, 0.5 − sin θ), θ ~ U[0, π]. Label = moon; samples
 * alternate between the moons, so any prefix is balanced. Centred at (0.5, 0.25) and divided by √0.5,
 * giving Var x = 1.5, Var y ≈ 0.49 (mean 1). Noise (default 0.05) is added after scaling. Shape [n, 2].
 */
export function twoMoons(n: number, gen: Generator, { noise = 0.05 }: NoiseOptions = {}): Dataset {
  const data = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const theta = Math.PI * gen.random();
    const moon = i % 2;
    const x = moon === 0 ? Math.cos(theta) : 1 - Math.cos(theta);
    const y = moon === 0 ? Math.sin(theta) : 0.5 - Math.sin(theta);
    data[2 * i] = (x - MOONS_CENTER[0]) / MOONS_SCALE + noise * gen.normal();
    data[2 * i + 1] = (y - MOONS_CENTER[1]) / MOONS_SCALE + noise * gen.normal();
    labels[i] = moon;
  }
  return { data, shape: [n, 2], labels, numClasses: 2 };
}

export interface CheckerboardOptions {
  /** Cells per side, even (default 4: the 4×4 board of FFJORD and flow-matching papers). */
  cells?: number;
}

/**
 * Uniform density on the dark squares of a `cells`×`cells` checkerboard (cell (i, j) is filled when
 * i + j is even). The board spans [−√3, √3]²: with an even number of cells every row and column holds
 * the same filled area, so each coordinate is marginally U[−√3, √3], mean 0 and variance exactly 1.
 * Shape [n, 2].
 */
export function checkerboard(n: number, gen: Generator, { cells = 4 }: CheckerboardOptions = {}): Dataset {
  if (!Number.isInteger(cells) || cells < 2 || cells % 2 !== 0) {
    throw new RangeError(`checkerboard: cells must be an even integer >= 2, got ${cells}`);
  }
  const data = new Float32Array(n * 2);
  const side = 2 * Math.sqrt(3);
  for (let k = 0; k < n; k++) {
    const i = gen.integer(0, cells);
    const j = 2 * gen.integer(0, cells / 2) + (i % 2); // a column of the same parity: i + j even
    data[2 * k] = ((i + gen.random()) / cells - 0.5) * side;
    data[2 * k + 1] = ((j + gen.random()) / cells - 0.5) * side;
  }
  return { data, shape: [n, 2] };
}

export interface RingOptions {
  /** Default √2, which gives each coordinate variance 1 (E[r² cos² φ] = r²/2). */
  radius?: number;
  /** Std of the radial Gaussian noise, default 0.05. */
  noise?: number;
}

/** A circle of the given radius around the origin, angle uniform, with radial noise. Shape [n, 2]. */
export function ring(n: number, gen: Generator, { radius = Math.SQRT2, noise = 0.05 }: RingOptions = {}): Dataset {
  const data = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const phi = 2 * Math.PI * gen.random();
    const r = radius + noise * gen.normal();
    data[2 * i] = r * Math.cos(phi);
    data[2 * i + 1] = r * Math.sin(phi);
  }
  return { data, shape: [n, 2] };
}
