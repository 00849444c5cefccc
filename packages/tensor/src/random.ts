/**
 * Seeded, counter-based randomness: Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers:
 * as easy as 1, 2, 3"), the generator behind cuRAND and JAX. The n-th block of four 32-bit words is a
 * pure function of (seed, n), computed with exact integer arithmetic, so the same seed gives the same
 * numbers on every backend and platform. Normals use the Box–Muller transform.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO_32 = 4294967296;

/** [hi, lo] of the exact 64-bit product of two uint32 (doubles hold each 16×16-bit partial exactly). */
function mulHiLo(a: number, b: number): [number, number] {
  const aHi = a >>> 16, aLo = a & 0xffff, bHi = b >>> 16, bLo = b & 0xffff;
  const mid = aHi * bLo + aLo * bHi; // < 2^33
  const low = aLo * bLo + (mid % 65536) * 65536; // < 2^33
  const hi = (aHi * bHi + Math.floor(mid / 65536) + Math.floor(low / TWO_32)) >>> 0;
  return [hi, Math.imul(a, b) >>> 0];
}

/** One Philox4x32-10 block: ten rounds over the counter (c0..c3) with key (k0, k1). */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): Uint32Array {
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulHiLo(M0, c0);
    const [hi1, lo1] = mulHiLo(M1, c2);
    const n0 = (hi1 ^ c1 ^ k0) >>> 0, n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 = (k0 + W0) >>> 0; k1 = (k1 + W1) >>> 0;
  }
  return Uint32Array.of(c0, c1, c2, c3);
}

/** The position of a generator in its stream, for checkpoints and exact resumption. */
export interface GeneratorState {
  seed: number;
  /** Index of the next 32-bit word to be drawn. */
  offset: number;
}

/** A seeded random stream, like `torch.Generator`. Every random function takes one as `{ generator }`. */
export class Generator {
  private seedValue = 0;
  private offset = 0;
  private block: Uint32Array = new Uint32Array(4);
  private blockIndex = -1;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Restart the stream at `seed` (a non-negative integer below 2^53). */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`Generator.manualSeed: seed must be a non-negative safe integer, got ${seed}`);
    }
    this.seedValue = seed;
    this.offset = 0;
    this.blockIndex = -1;
    return this;
  }

  get seed(): number {
    return this.seedValue;
  }

  getState(): GeneratorState {
    return { seed: this.seedValue, offset: this.offset };
  }

  setState(state: GeneratorState): this {
    this.manualSeed(state.seed);
    if (!Number.isSafeInteger(state.offset) || state.offset < 0) {
      throw new RangeError(`Generator.setState: offset must be a non-negative safe integer, got ${state.offset}`);
    }
    this.offset = state.offset;
    return this;
  }

  /** The next uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const index = Math.floor(this.offset / 4);
    if (index !== this.blockIndex) {
      const k0 = this.seedValue % TWO_32, k1 = Math.floor(this.seedValue / TWO_32);
      this.block = philox4x32(index % TWO_32, Math.floor(index / TWO_32), 0, 0, k0, k1);
      this.blockIndex = index;
    }
    return this.block[this.offset++ % 4]!;
  }

  /** Uniform in [0, 1) with 53 random bits, like `Math.random` but seeded. */
  random(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6; // 27 + 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal: Box–Muller, one normal per two uniforms (no cached pair, so draws stay independent of batching). */
  normal(): number {
    const u1 = 1 - this.random(); // (0, 1]: log is finite
    const u2 = this.random();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Uniform integer in [low, high). */
  integer(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`Generator.integer: need low < high, got [${low}, ${high})`);
    return low + Math.floor(this.random() * (high - low));
  }
}

/** The generator used when a random function gets no `{ generator }`. */
export const defaultGenerator = new Generator(0);

/** Seed the default generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
