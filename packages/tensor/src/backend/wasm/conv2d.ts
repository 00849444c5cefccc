/**
 * conv2d and its two gradients on the engine, as im2col + GEMM per image and group:
 *   forward      Y[n,g]  = W[g] · col(X[n,g])                    (og × K) · (K × P)
 *   input grad   dX[n,g] = col2im(W[g]ᵀ · dY[n,g])               (K × og) · (og × P)
 *   weight grad  dW[g]  += dY[n,g] · col(X[n,g])ᵀ                (og × P) · (P × K)
 * with K = C/groups · kH · kW taps and P = oH · oW output pixels. A 1×1, stride-1, unpadded
 * convolution needs no column matrix: col(X) is X itself.
 *
 * Each (image, group) item is a task that the next free thread takes, with that thread's own column
 * matrix (and, for the weight gradient, its own partial dW, summed at the end). With fewer items
 * than threads, items run one after another and each GEMM is split across the threads instead.
 *
 * The forward takes none of that: it packs the weights once per call and runs every image's product
 * against them as one batched GEMM (`forwardPrepacked`), writing im2col columns straight into the
 * GEMM's packed panels (im2col-packed-kernel.ts).
 *
 * Stride-1 3×3 convolutions with one group take Winograd's F(2×2, 3×3) instead (winograd.ts) for
 * all three, where it measured faster (`winogradWins`, `winogradInputGradWins`, `winogradWeightGradWins`).
 *
 * The forward adds conv2d's bias in its epilogue, as XNNPACK and oneDNN do: the GEMM's last depth
 * block stores (C + A·B) + bias[row] (`gemmMacroBias`), Winograd's output transform adds it after
 * the inverse transform; either way in the order of an unfused `conv + bias`, with no pass of its own.
 * The bias gradient (`conv2dBiasGrad`) is a row sum of dy per (image, channel) on the threads.
 */

import type { Conv2dParams } from '../kernels.ts';
import { ConvGeometryWords } from './conv-kernel.ts';
import type { Engine } from './engine.ts';
import { gemmParallel, queueGemm, splitRange } from './sgemm.ts';
import { gemmMacro, gemmMacroBias, gemmPackA, gemmPackB } from './gemm-kernel.ts';
import { convBiasGradKernel } from './conv-bias-kernel.ts';
import type { GemmProblem } from './sgemm.ts';
import type { Push, ThreadView } from './commands.ts';
import { convCol2im, convIm2col } from './conv-kernel.ts';
import { convIm2colPacked, convPadImage, paddedImageBytes } from './im2col-packed-kernel.ts';
import { winogradConv, winogradInputGradWins, winogradWeightGrad, winogradWeightGradWins, winogradWins } from './winograd.ts';

/** Sizes of one conv2d: x [N, C, H, W], w [O, C/groups, kH, kW], y [N, O, oH, oW]. */
export interface ConvShape {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly O: number;
  readonly kH: number;
  readonly kW: number;
  readonly oH: number;
  readonly oW: number;
  readonly p: Conv2dParams;
}

interface Plan {
  readonly s: ConvShape;
  readonly groups: number;
  /** Channels per group in and out. */
  readonly cg: number;
  readonly og: number;
  /** Taps per output (rows of the column matrix) and output pixels (its columns). */
  readonly K: number;
  readonly P: number;
  /** Whether col(X) = X (1×1 kernel, stride 1, no padding). */
  readonly direct: boolean;
  /** The geometry record for the generated kernels (0 when direct: they do not run). */
  readonly geometry: number;
  /** (image, group) items. */
  readonly items: { n: number; gi: number }[];
}

function plan(engine: Engine, s: ConvShape): Plan {
  const { p } = s;
  const groups = p.groups, cg = s.C / groups, og = s.O / groups;
  const K = cg * s.kH * s.kW, P = s.oH * s.oW;
  const direct = s.kH === 1 && s.kW === 1 && p.stride[0] === 1 && p.stride[1] === 1 && p.padding[0] === 0 && p.padding[1] === 0;
  const items: { n: number; gi: number }[] = [];
  for (let n = 0; n < s.N; n++) for (let gi = 0; gi < groups; gi++) items.push({ n, gi });
  if (direct) return { s, groups, cg, og, K, P, direct, geometry: 0, items };
  const G = ConvGeometryWords;
  const geometry = engine.heap.alloc(4 * (G.TABLE + 2 * s.kW));
  const words = engine.heap.i32, base = geometry >> 2;
  const [sH, sW] = p.stride, [pH, pW] = p.padding, [dH, dW] = p.dilation;
  const values: [number, number][] = [[G.C, cg], [G.H, s.H], [G.W, s.W], [G.kH, s.kH], [G.kW, s.kW], [G.sH, sH], [G.sW, sW],
    [G.pH, pH], [G.pW, pW], [G.dH, dH], [G.dW, dW], [G.oH, s.oH], [G.oW, s.oW]];
  for (const [w, v] of values) words[base + w] = v;
  for (let kj = 0; kj < s.kW; kj++) {
    // Output columns whose input column oj·sW − pW + kj·dW lies in [0, W).
    const clamp = (v: number, lo: number): number => Math.min(Math.max(v, lo), s.oW);
    const lo = clamp(Math.ceil((pW - kj * dW) / sW), 0);
    const hi = clamp(Math.ceil((s.W + pW - kj * dW) / sW), lo);
    words[base + G.TABLE + kj] = lo;
    words[base + G.TABLE + s.kW + kj] = hi;
  }
  return { s, groups, cg, og, K, P, direct, geometry, items };
}

/**
 * Run `body` for every item. With at least as many items as threads, each item is a task (`whole`:
 * queue everything on `push`, with the running thread's column matrix `col`); otherwise items run in
 * turn on thread 0's column matrix, and `body` runs each step at once (`step` queues on thread 0 and runs).
 */
function forItems(engine: Engine, pl: Plan, body: (item: { n: number; gi: number }, push: Push, here: ThreadView, col: number, whole: boolean) => void): void {
  const T = engine.threads;
  const whole = T > 1 && pl.items.length >= T;
  const colBytes = pl.direct ? 0 : 4 * pl.K * pl.P;
  const cols = Array.from({ length: whole ? T : 1 }, () => (colBytes > 0 ? engine.heap.alloc(colBytes) : 0));
  try {
    if (whole) {
      for (const item of pl.items) engine.addTask((push, here) => body(item, push, here, here.of(cols), true));
      engine.runTasks();
    } else {
      const step: Push = (kernel, args) => {
        engine.push(0, kernel, args);
        engine.flush();
      };
      for (const item of pl.items) body(item, step, engine.views[0]!, cols[0]!, false);
    }
  } finally {
    for (const p of [...cols, pl.geometry]) if (p !== 0) engine.heap.release(p);
  }
}

/** A GEMM inside an item: queued whole on this item's task, or run at once across all threads. */
function gemm(engine: Engine, push: Push, here: ThreadView, whole: boolean, p: GemmProblem): void {
  if (whole) queueGemm(engine, push, here, p, 0, p.m, 0, p.n);
  else gemmParallel(engine, p);
}

/** conv2d's bias in the heap: O floats at `at` (one per channel), or N·O (`perImage`: one per image and channel). */
export interface ConvBias {
  readonly at: number;
  readonly perImage: boolean;
}

/** The address of the bias of image n's channel o (and the channels after it). */
const biasAddress = (b: ConvBias, O: number) => (n: number, o: number): number => b.at + 4 * ((b.perImage ? n * O : 0) + o);

/** Whether the Winograd path can run this convolution: 3×3, stride 1, dilation 1, one group. */
const winogradFits = (s: ConvShape): boolean =>
  s.kH === 3 && s.kW === 3 && s.p.groups === 1 && [...s.p.stride, ...s.p.dilation].every((v) => v === 1);

/** y = conv2d(x, w) + bias (bias null: none): byte addresses of f32 buffers in the engine's heap. */
export function conv2dForward(engine: Engine, x: number, w: number, y: number, s: ConvShape, bias: ConvBias | null = null): void {
  const biasAt = bias === null ? undefined : biasAddress(bias, s.O);
  if (winogradFits(s) && winogradWins(s.C)) {
    winogradConv(engine, x, w, y, { N: s.N, Cin: s.C, H: s.H, W: s.W, Cout: s.O, oH: s.oH, oW: s.oW, pH: s.p.padding[0], pW: s.p.padding[1] }, 'forward', { biasAt });
    return;
  }
  forwardPrepacked(engine, x, w, y, plan(engine, s), biasAt);
}

/**
 * The forward as one batched GEMM, Y[n, g] = W[g] · col(X[n, g]) for every image n, with A = W[g]
 * packed into MR-row panels once per call (as XNNPACK packs a layer's weights once) instead of once
 * per image: the products then differ only in their B operand, which each task packs straight from
 * the image (a 1×1 needs no column matrix) or writes as im2col columns straight in the packed layout
 * from the image's zero-padded copy (`convPadImage`, `convIm2colPacked`: no column matrix, no
 * second pass, no bounds tests; an unpadded convolution reads the image itself). Tasks are (image,
 * group, column range): with fewer than four images per thread (batch-1 sampling; the attention
 * blocks' [8, 64, 1, 64] 1×1) each image is split by columns into about four tasks per thread, so
 * small batches and small H·W still fill both cores; a task pads only the input rows its output
 * rows read. The depth K is cut into equal blocks of at most KC (288 taps as 144 + 144, not
 * 256 + 32). One `runTasks` runs the whole call, so even one thread pays one dispatch, not one per
 * image. With `biasAt`, the last depth block's macro-kernel adds the bias as it stores each tile.
 */
function forwardPrepacked(engine: Engine, x: number, w: number, y: number, pl: Plan, biasAt?: (n: number, o: number) => number): void {
  const { s, cg, og, K, P } = pl, HW = s.H * s.W;
  const { mc: MC, kc: KC, nc: NC } = engine.blocking;
  const { mr, nr } = engine.shape;
  const ogPad = Math.ceil(og / mr) * mr;
  const depth = depthBlocks(K, KC);
  // Packed A: group gi's depth block [pc, pc + kc) holds all of its rows as MR-row panels kc deep, at
  // ap + 4·(gi·ogPad·K + pc·ogPad); row block ic of that depth block starts ic·kc floats in.
  const ap = engine.heap.alloc(4 * pl.groups * ogPad * K);
  const T = engine.threads;
  const parts = Math.max(1, Math.min(Math.ceil(P / nr), Math.ceil((4 * T) / pl.items.length)));
  const [pH, pW] = s.p.padding;
  const padded = !pl.direct && pH + pW > 0;
  // Each thread's padded copy, of which a task writes the rows its pixels read.
  const pads = padded ? Array.from({ length: T }, () => engine.heap.alloc(paddedImageBytes(cg, s.H, s.W, pH, pW))) : [];
  const [sH] = s.p.stride, [dH] = s.p.dilation;
  const imageOf = (n: number, gi: number): number => x + 4 * (n * s.C + gi * cg) * HW;
  try {
    for (let gi = 0; gi < pl.groups; gi++) {
      for (const [pc, kc] of depth) {
        engine.push(0, gemmPackA, { src: w + 4 * (gi * og * K + pc), rowStride: 4 * K, kStride: 4, mc: og, kc, dst: ap + 4 * (gi * ogPad * K + pc * ogPad) });
      }
    }
    engine.flush();
    const ranges = splitRange(P, parts, nr);
    for (const { n, gi } of pl.items) {
      for (const [j0, j1] of ranges) {
        engine.addTask((push, here) => {
          const { packB, tile } = here;
          const xg = imageOf(n, gi);
          const yg = y + 4 * (n * s.O + gi * og) * P;
          const xp = padded ? here.of(pads) : xg;
          // Pixels [j0, j1) are in output rows oi0 … oi1, which read padded rows oi0·sH … oi1·sH + (kH − 1)·dH.
          const r0 = Math.floor(j0 / s.oW) * sH, r1 = Math.floor((j1 - 1) / s.oW) * sH + (s.kH - 1) * dH + 1;
          if (padded) push(convPadImage, { geometry: pl.geometry, x: xg, xp, r0, r1 });
          for (let jc = j0; jc < j1; jc += NC) {
            const nc = Math.min(NC, j1 - jc);
            for (let block = 0; block < depth.length; block++) {
              const [pc, kc] = depth[block]!;
              if (pl.direct) push(gemmPackB, { src: xg + 4 * (pc * P + jc), colStride: 4, kStride: 4 * P, nc, kc, dst: packB });
              else push(convIm2colPacked, { geometry: pl.geometry, xp, k0: pc, kc, j0: jc, nc, dst: packB });
              for (let ic = 0; ic < og; ic += MC) {
                const mc = Math.min(MC, og - ic), a = ap + 4 * (gi * ogPad * K + pc * ogPad + ic * kc), c = yg + 4 * (ic * P + jc);
                const accumulate = pc > 0 ? 1 : 0;
                // Literal argument objects: a spread ({ ...args, bias }) measured 1.5 µs a push here.
                if (biasAt === undefined || block < depth.length - 1) push(gemmMacro, { mc, nc, kc, ap: a, bp: packB, c, ldc: 4 * P, accumulate, scratch: tile });
                else push(gemmMacroBias, { mc, nc, kc, ap: a, bp: packB, c, ldc: 4 * P, accumulate, scratch: tile, bias: biasAt(n, gi * og + ic) });
              }
            }
          }
        });
      }
    }
    engine.runTasks();
  } finally {
    for (const p of [ap, ...pads, pl.geometry]) if (p !== 0) engine.heap.release(p);
  }
}

/** [start, length] of ⌈K / KC⌉ depth blocks of near-equal length (each at most KC) covering [0, K). */
export function depthBlocks(K: number, KC: number): [number, number][] {
  const count = Math.max(1, Math.ceil(K / KC)), length = Math.ceil(K / count);
  const blocks: [number, number][] = [];
  for (let pc = 0; pc < K; pc += length) blocks.push([pc, Math.min(length, K - pc)]);
  return blocks;
}

/**
 * db = conv2d's bias gradient from dy [N, O, P]: the sum of each (image, channel) row of P floats,
 * [N, O] when `perImage`, else summed over the images as well → [O] (that last sum, N·O floats, on
 * this thread in float64). Rows are split over the threads; `db` is overwritten.
 */
export function conv2dBiasGrad(engine: Engine, dy: number, db: number, N: number, O: number, P: number, perImage: boolean): void {
  const rows = N * O;
  const sums = perImage ? db : engine.heap.alloc(4 * rows);
  try {
    for (const [r0, r1] of splitRange(rows, Math.min(rows, 4 * engine.threads), 1)) {
      engine.addTask((push) => push(convBiasGradKernel, { src: dy + 4 * r0 * P, rows: r1 - r0, n: P, dst: sums + 4 * r0 }));
    }
    engine.runTasks();
    if (perImage) return;
    const f32 = engine.heap.f32;
    for (let o = 0; o < O; o++) {
      let total = 0;
      for (let n = 0; n < N; n++) total += f32[(sums >> 2) + n * O + o]!;
      f32[(db >> 2) + o] = total;
    }
  } finally {
    if (!perImage) engine.heap.release(sums);
  }
}

/** dx = ∂L/∂x of conv2d given dy (dx is overwritten). */
export function conv2dInputGrad(engine: Engine, dy: number, w: number, dx: number, s: ConvShape): void {
  if (winogradFits(s) && s.p.padding.every((v) => v <= 2) && winogradInputGradWins(s.O, s.C)) {
    // dx = dy ⋆ (w transposed and rotated 180°) with padding 2 − p: a stride-1 3×3 correlation again.
    winogradConv(engine, dy, w, dx, { N: s.N, Cin: s.O, H: s.oH, W: s.oW, Cout: s.C, oH: s.H, oW: s.W, pH: 2 - s.p.padding[0], pW: 2 - s.p.padding[1] }, 'adjoint');
    return;
  }
  const pl = plan(engine, s);
  const { cg, og, K, P } = pl, HW = s.H * s.W;
  if (!pl.direct) engine.heap.f32.fill(0, dx >> 2, (dx >> 2) + s.N * s.C * HW);
  forItems(engine, pl, ({ n, gi }, push, here, col, whole) => {
    const dxg = dx + 4 * (n * s.C + gi * cg) * HW;
    // col = W[g]ᵀ · dY[n, g]: A[tap, o] = w[o·K + tap].
    gemm(engine, push, here, whole, {
      m: K, n: P, k: og,
      a: w + 4 * gi * og * K, rsA: 1, csA: K,
      b: dy + 4 * (n * s.O + gi * og) * P, rsB: P, csB: 1,
      c: pl.direct ? dxg : col, ldc: P, accumulate: false,
    });
    if (!pl.direct) push(convCol2im, { geometry: pl.geometry, col, x: dxg });
  });
}

/** dw = ∂L/∂w of conv2d given x and dy (dw is overwritten). */
export function conv2dWeightGrad(engine: Engine, x: number, dy: number, dw: number, s: ConvShape): void {
  if (winogradFits(s) && winogradWeightGradWins(s.C)) {
    winogradWeightGrad(engine, x, dy, dw, { N: s.N, Cin: s.C, H: s.H, W: s.W, Cout: s.O, oH: s.oH, oW: s.oW, pH: s.p.padding[0], pW: s.p.padding[1] });
    return;
  }
  const pl = plan(engine, s);
  const { cg, og, K, P } = pl, HW = s.H * s.W;
  const dwLength = s.O * K;
  // Thread 0 accumulates into dw itself; other threads into partials summed at the end.
  const partials = [dw];
  const spread = pl.items.length >= engine.threads && engine.threads > 1;
  if (spread) for (let t = 1; t < engine.threads; t++) partials.push(engine.heap.alloc(4 * dwLength));
  const f32 = () => engine.heap.f32;
  for (const part of partials) f32().fill(0, part >> 2, (part >> 2) + dwLength);
  try {
    forItems(engine, pl, ({ n, gi }, push, here, col, whole) => {
      const xg = x + 4 * (n * s.C + gi * cg) * HW;
      if (!pl.direct) push(convIm2col, { geometry: pl.geometry, x: xg, col });
      // dW[g] += dY[n, g] · col(X)ᵀ: B[pixel, tap] = col[tap·P + pixel].
      gemm(engine, push, here, whole, {
        m: og, n: K, k: P,
        a: dy + 4 * (n * s.O + gi * og) * P, rsA: P, csA: 1,
        b: pl.direct ? xg : col, rsB: 1, csB: P,
        c: here.of(partials) + 4 * gi * og * K, ldc: K, accumulate: true,
      });
    });
    const view = f32(), out = dw >> 2;
    for (const part of partials.slice(1)) {
      const src = part >> 2;
      for (let i = 0; i < dwLength; i++) view[out + i]! += view[src + i]!;
    }
  } finally {
    for (const part of partials.slice(1)) engine.heap.release(part);
  }
}
