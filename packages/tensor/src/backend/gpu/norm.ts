/**
 * Group norm (Wu & He 2018) on the gpu. A (sample, group) block of x [N, C, S…] is contiguous: its
 * C/groups channels × S positions. A statistics kernel gives each block, in one thread, μ (as a
 * float32 pair) and rstd = (σ² + eps)^−½ from two Kahan-compensated passes (`groupStatsKernel`), so
 * neither cancellation nor the block's length costs bits; an elementwise kernel then writes
 * x̂·w_c + b_c with x̂ = (x − μ)·rstd, or with `silu` SiLU(x̂·w_c + b_c), and dy below stands for
 * ∂L/∂y = dy · SiLU'(y) at the pre-activation y. The backward with g = dy·w_c, as the js reference
 * (and PyTorch) computes it:
 *   ∂x = rstd · (g − mean(g) − x̂ · mean(g · x̂))     (means over the block)
 *   ∂w_c = Σ dy · x̂,   ∂b_c = Σ dy                    (sums over samples and positions)
 * in small kernels beside the elementwise ∂x: per (sample, channel) Σ_S dy·x̂ and Σ_S dy; from
 * those, per block mean(g) and mean(g·x̂), and per channel ∂w_c and ∂b_c (sums over samples).
 * A block of two elements takes a closed form instead (`pairDxKernel`). A null weight reads as 1
 * and a null bias as 0 (compile-time flags; x is bound in their place).
 */
import type { View } from '../kernels.ts';
import { sizeOf } from '../../shape.ts';
import { UNSEEN_ONE } from './reduce.ts';
import type { GpuBuffer, GpuEngine, KernelThis } from './engine.ts';
import { floorDiv } from './indexing.ts';
import { sigmoidOf } from './elementwise.ts';

/** Geometry of x [N, C, S…]: `size` = block length, `s` = positions per channel, and the flags. */
type Norm = KernelThis<{ size: number; s: number; c: number; groups: number; perGroup: number; eps: number; hasWeight: number; hasBias: number; silu: number }>;

/**
 * Block b's μ as a float32 pair μ₀ + μ₁ (thread 3b writes μ₀, 3b + 1 μ₁) and rstd = (σ² + eps)^−½
 * (thread 3b + 2): μ₀ is the compensated mean, and a second pass over dⱼ = xⱼ − μ₀ gives
 * μ₁ = mean(d) and σ² = mean(d²) − μ₁² (the corrected two-pass algorithm of Chan, Golub & LeVeque
 * 1983). Kernels then form x − μ as (x − μ₀) − μ₁, whose first difference is exact for x near μ₀,
 * so x̂ keeps its bits when the block's values sit far from 0 relative to their spread.
 */
function groupStatsKernel(this: Norm, x: number[], one: number): number {
  const blk = floorDiv(this.thread.x, 3);
  const which = this.thread.x - 3 * blk;
  const base = blk * this.constants.size;
  let sum = 0;
  let carry = 0;
  for (let j = 0; j < this.constants.size; j++) {
    const y = x[base + j]! - carry;
    const t = (sum + y) * one; // `one` keeps the compiler from folding the carry to 0
    carry = (t - sum) - y;
    sum = t;
  }
  const mu = sum / this.constants.size;
  if (which === 0) return mu;
  let sd = 0;
  let carryD = 0;
  let sq = 0;
  carry = 0;
  for (let j = 0; j < this.constants.size; j++) {
    const d = x[base + j]! - mu;
    const yd = d - carryD;
    const td = (sd + yd) * one;
    carryD = (td - sd) - yd;
    sd = td;
    const y = d * d - carry;
    const t = (sq + y) * one;
    carry = (t - sq) - y;
    sq = t;
  }
  const mu1 = sd / this.constants.size;
  if (which === 1) return mu1;
  return 1 / Math.sqrt(Math.max(sq / this.constants.size - mu1 * mu1, 0) + this.constants.eps);
}

/** The channel of flat index i of [N, C, S…] with S positions per channel: (i / S) mod C. */
export function channelOf(i: number, s: number, c: number): number {
  const row = floorDiv(i, s);
  return row - floorDiv(row, c) * c;
}

/** y = x̂·w_c + b_c, or SiLU of it, at flat index i (block i / size, channel (i / s) mod C). */
function groupNormKernel(this: Norm, x: number[], stats: number[], weight: number[], bias: number[]): number {
  const i = this.thread.x;
  const blk = floorDiv(i, this.constants.size);
  const c = channelOf(i, this.constants.s, this.constants.c);
  let w = 1;
  let b = 0;
  if (this.constants.hasWeight === 1) w = weight[c]!;
  if (this.constants.hasBias === 1) b = bias[c]!;
  const y = ((x[i]! - stats[3 * blk]!) - stats[3 * blk + 1]!) * stats[3 * blk + 2]! * w + b;
  if (this.constants.silu === 1) return y * sigmoidOf(y);
  return y;
}

/**
 * Per (sample n, channel c), over its S positions: thread 2(n·C + c) writes Σ dy·x̂, the next
 * thread Σ dy (with `silu`, dy · SiLU'(y) in both).
 */
function channelSumsKernel(this: Norm, dy: number[], x: number[], stats: number[], weight: number[], bias: number[], one: number): number {
  const nc = floorDiv(this.thread.x, 2);
  const odd = this.thread.x - 2 * nc;
  const c = nc - floorDiv(nc, this.constants.c) * this.constants.c;
  const blk = floorDiv(nc, this.constants.perGroup);
  const mu = stats[3 * blk]!;
  const mu1 = stats[3 * blk + 1]!;
  const rstd = stats[3 * blk + 2]!;
  let w = 1;
  let b = 0;
  if (this.constants.hasWeight === 1) w = weight[c]!;
  if (this.constants.hasBias === 1) b = bias[c]!;
  const base = nc * this.constants.s;
  let sum = 0;
  let carry = 0;
  for (let j = 0; j < this.constants.s; j++) {
    const xhat = ((x[base + j]! - mu) - mu1) * rstd;
    let d = dy[base + j]!;
    if (this.constants.silu === 1) {
      const y = xhat * w + b;
      const sg = sigmoidOf(y);
      d = d * sg * (1 + y * (1 - sg));
    }
    if (odd === 0) d = d * xhat;
    const term = d - carry;
    const t = (sum + term) * one; // `one` keeps the compiler from folding the carry to 0
    carry = (t - sum) - term;
    sum = t;
  }
  return sum;
}

/** Thread 2b writes block b's mean(g), thread 2b + 1 its mean(g·x̂), g = dy·w_c, from the channel sums. */
function blockMeansKernel(this: Norm, sums: number[], weight: number[], one: number): number {
  const blk = floorDiv(this.thread.x, 2);
  const odd = this.thread.x - 2 * blk;
  const c0 = (blk - floorDiv(blk, this.constants.groups) * this.constants.groups) * this.constants.perGroup;
  let total = 0;
  let carry = 0;
  for (let k = 0; k < this.constants.perGroup; k++) {
    let w = 1;
    if (this.constants.hasWeight === 1) w = weight[c0 + k]!;
    const y = w * sums[2 * (blk * this.constants.perGroup + k) + 1 - odd]! - carry;
    const t = (total + y) * one; // `one` keeps the compiler from folding the carry to 0
    carry = (t - total) - y;
    total = t;
  }
  return total / this.constants.size;
}

/** ∂w_c (`which` = 0) or ∂b_c (`which` = 1) at thread c: the channel sums added over the N samples. */
function paramGradKernel(this: KernelThis<{ n: number; c: number; which: number }>, sums: number[], one: number): number {
  let total = 0;
  let carry = 0;
  for (let k = 0; k < this.constants.n; k++) {
    const y = sums[2 * (k * this.constants.c + this.thread.x) + this.constants.which]! - carry;
    const t = (total + y) * one; // `one` keeps the compiler from folding the carry to 0
    carry = (t - total) - y;
    total = t;
  }
  return total;
}

/** ∂x = rstd · (dy·w_c − mean(g) − x̂ · mean(g·x̂)). */
function groupNormDxKernel(this: Norm, dy: number[], x: number[], stats: number[], means: number[], weight: number[], bias: number[]): number {
  const i = this.thread.x;
  const blk = floorDiv(i, this.constants.size);
  const c = channelOf(i, this.constants.s, this.constants.c);
  let w = 1;
  let b = 0;
  if (this.constants.hasWeight === 1) w = weight[c]!;
  if (this.constants.hasBias === 1) b = bias[c]!;
  const rstd = stats[3 * blk + 2]!;
  const xhat = ((x[i]! - stats[3 * blk]!) - stats[3 * blk + 1]!) * rstd;
  let d = dy[i]!;
  if (this.constants.silu === 1) {
    const y = xhat * w + b;
    const sg = sigmoidOf(y);
    d = d * sg * (1 + y * (1 - sg));
  }
  return rstd * (d * w - means[2 * blk]! - xhat * means[2 * blk + 1]!);
}

/**
 * ∂x of a block of two elements (one channel of 2 positions, or two channels of 1), in closed form.
 * With h = (x₀ − x₁)/2, σ² = h² and x̂ = ±h·rstd, the general formula reduces to
 * ∂x₀ = −∂x₁ = rstd · (g₀ − g₁)/2 · eps/(σ² + eps): all of ∂x is the eps term, which the general
 * kernel would leave to float32 cancellation noise (1 − x̂², a few ulps of 1 against eps/σ²).
 */
function pairDxKernel(this: Norm, dy: number[], x: number[], weight: number[], bias: number[]): number {
  const i = this.thread.x;
  const base = 2 * floorDiv(i, 2);
  const h = (x[base]! - x[base + 1]!) / 2;
  const v = h * h;
  const rstd = 1 / Math.sqrt(v + this.constants.eps);
  let g0 = 0;
  let g1 = 0;
  for (let j = 0; j < 2; j++) {
    const c = channelOf(base + j, this.constants.s, this.constants.c);
    let w = 1;
    let b = 0;
    if (this.constants.hasWeight === 1) w = weight[c]!;
    if (this.constants.hasBias === 1) b = bias[c]!;
    let d = dy[base + j]!;
    if (this.constants.silu === 1) {
      const y = (1 - 2 * j) * h * rstd * w + b;
      const sg = sigmoidOf(y);
      d = d * sg * (1 + y * (1 - sg));
    }
    if (j === 0) g0 = d * w;
    else g1 = d * w;
  }
  const dx0 = rstd * ((g0 - g1) / 2) * (this.constants.eps / (v + this.constants.eps));
  if (i === base) return dx0;
  return -dx0;
}

const asBuf = (v: View): GpuBuffer => v.buf as GpuBuffer;

/** Sizes of x [N, C, S…] in `groups` groups, and the kernels' compile-time constants (each only its own). */
function geometry(x: View, weight: View | null, bias: View | null, groups: number, eps: number, silu: boolean) {
  const [n, c] = x.shape as [number, number], s = sizeOf(x.shape.slice(2)), perGroup = c / groups, size = perGroup * s;
  const flags = { hasWeight: weight === null ? 0 : 1, hasBias: bias === null ? 0 : 1, silu: silu ? 1 : 0 };
  return {
    n, c, blocks: n * groups,
    stats: { size, eps },
    elementwise: { size, s, c, ...flags },
    sums: { s, c, perGroup, ...flags },
    means: { size, groups, perGroup, hasWeight: flags.hasWeight },
  };
}

export function normKernels(engine: GpuEngine) {
  return {
    groupNorm(x: View, weight: View | null, bias: View | null, groups: number, eps: number, silu: boolean): GpuBuffer {
      const k = geometry(x, weight, bias, groups, eps, silu);
      const w = weight === null ? asBuf(x) : asBuf(weight), b = bias === null ? asBuf(x) : asBuf(bias);
      const stats = engine.launch({ name: 'groupNorm stats', fn: groupStatsKernel, constants: k.stats }, 3 * k.blocks, [asBuf(x)], UNSEEN_ONE);
      const y = engine.launch({ name: 'groupNorm', fn: groupNormKernel, constants: k.elementwise }, sizeOf(x.shape), [asBuf(x), stats, w, b]);
      stats.release();
      return y;
    },
    groupNormBackward(dy: View, x: View, weight: View | null, bias: View | null, groups: number, eps: number, silu: boolean): [GpuBuffer, GpuBuffer, GpuBuffer] {
      const k = geometry(x, weight, bias, groups, eps, silu), { n, c } = k;
      const w = weight === null ? asBuf(x) : asBuf(weight), b = bias === null ? asBuf(x) : asBuf(bias);
      const stats = engine.launch({ name: 'groupNorm stats', fn: groupStatsKernel, constants: k.stats }, 3 * k.blocks, [asBuf(x)], UNSEEN_ONE);
      const sums = engine.launch({ name: 'groupNormBackward sums', fn: channelSumsKernel, constants: k.sums }, 2 * n * c, [asBuf(dy), asBuf(x), stats, w, b], UNSEEN_ONE);
      const means = engine.launch({ name: 'groupNormBackward means', fn: blockMeansKernel, constants: k.means }, 2 * k.blocks, [sums, w], UNSEEN_ONE);
      const dx = k.stats.size === 2
        ? engine.launch({ name: 'groupNormBackward dx (pairs)', fn: pairDxKernel, constants: { ...k.elementwise, eps } }, sizeOf(x.shape), [asBuf(dy), asBuf(x), w, b])
        : engine.launch({ name: 'groupNormBackward dx', fn: groupNormDxKernel, constants: k.elementwise }, sizeOf(x.shape), [asBuf(dy), asBuf(x), stats, means, w, b]);
      const paramGrad = (which: number) => engine.launch({ name: 'groupNormBackward dw db', fn: paramGradKernel, constants: { n, c, which } }, c, [sums], UNSEEN_ONE);
      const dWeight = paramGrad(0), dBias = paramGrad(1);
      [stats, sums, means].forEach((buf) => buf.release());
      return [dx, dWeight, dBias];
    },
  };
}
