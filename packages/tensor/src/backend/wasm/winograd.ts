/**
 * Stride-1 3×3 convolution by Winograd's F(2×2, 3×3) (Lavin & Gray 2016, Section 4.1; kernels in
 * winograd-kernel.ts): per chunk of images, transform the input tiles (V), run the 16 products
 * M[ξ] = U[ξ] · V[ξ] on the engine's GEMM macro-kernel (the transforms write U and V in its packed
 * panel layouts, so nothing is packed), and transform M back into output tiles. Per 2×2 output
 * tile and channel pair it does 16 multiplies where im2col + GEMM does 4·9 = 36 (2.25× fewer), in
 * exchange for two memory-bound transforms; it wins when both channel counts are large enough for
 * the GEMM to dominate.
 *
 * The input gradient of a stride-1 3×3 convolution with padding p is itself one: dx = conv(dy, w′,
 * padding 2 − p) with w′[c][o] = w[o][c] rotated 180°, so the same path runs it with the filter
 * transform reading w transposed and flipped.
 *
 * Scratch (U, V, M and one padded plane per thread) lives in the engine heap for the call and is
 * released at its end; V and M are bounded by processing the batch in chunks of images
 * (`chunkBytes`, default 2 MiB: with it the engine heap after two bench U-Net training steps is 20.8 MiB, the same as with im2col alone).
 */

import type { Push, ThreadView } from './commands.ts';
import type { Engine } from './engine.ts';
import { gemmMacro } from './gemm-kernel.ts';
import { splitRange } from './sgemm.ts';
import { winoFilterGrad, winoGradient } from './winograd-grad-kernel.ts';
import { inputPlaneBytes, outputPlaneBytes, winoFilter, winoInput, winoOutput } from './winograd-kernel.ts';
import type { GemmProblem } from './sgemm.ts';
import { queueGemm, runGemms } from './sgemm.ts';

/** A stride-1, dilation-1, 3×3 correlation of x [N, Cin, H, W] into y [N, Cout, oH, oW] with padding (pH, pW). */
export interface WinogradShape {
  readonly N: number;
  readonly Cin: number;
  readonly H: number;
  readonly W: number;
  readonly Cout: number;
  readonly oH: number;
  readonly oW: number;
  readonly pH: number;
  readonly pW: number;
}

/**
 * The byte distance between the 16 matrices of U, V or M, rounded up to 64 and then one 64-byte line
 * more than a multiple of 4 KiB away from aliasing: a transform touches all 16 at once, and 16
 * streams a power of two apart fall into one cache set (measured: the input transform ran 5× slower at [8,64,32,32]).
 */
function skew(bytes: number): number {
  const b = Math.ceil(bytes / 64) * 64;
  return b % 4096 === 0 ? b + 64 : b;
}

/** Bytes of V and M together per chunk, at most (unless one image needs more). */
const CHUNK_BYTES = 2 << 20;

/**
 * Whether F(2×2, 3×3) beats im2col + GEMM. Measured (one thread, CPU time, min of 25, 2026-12-06):
 * 1.6–2.7× faster at every shape of the bench U-Net with Cin ≥ 8, including Cout = 3 (2.65×), but
 * 0.73× at Cin = 3 (the input transform then costs more than the 2.25× fewer multiplies save).
 */
export const winogradWins = (Cin: number): boolean => Cin >= 8;

/**
 * The same for the weight gradient (measured likewise): 1.5–1.9× at every bench U-Net shape with
 * Cin ≥ 32 (Cout = 3 included), 0.94× at 8 → 8 channels on 16², 0.46× at Cin = 3; the cut is put
 * between the measured 8 and 32.
 */
export const winogradWeightGradWins = (Cin: number): boolean => Cin >= 16;

/**
 * The same for the input gradient, which runs F(2×2, 3×3) on dy (O channels) into dx (C channels).
 * Its alternative is not im2col but a GEMM with k = O into a C·9 × P column matrix and a col2im
 * scatter, which costs in proportion to C·9·P whatever O is; so beside `winogradWins(O)`, Winograd
 * also wins from few dy channels when dx has many (one thread, CPU time, best of 30, 2026-12-06):
 * O = 3 into C = 16, 32, 128 2.06×, 2.1×, 2.4× (the bench U-Net's last conv: 1.23 → 0.58 ms),
 * O = 4 into C = 64 2.2×; but 0.6–1.0× into C ≤ 8.
 */
export const winogradInputGradWins = (O: number, C: number): boolean => winogradWins(O) || C >= 16;

/**
 * How a call walks the images, for both Winograd paths: the 2×2-output tile grid (tilesWp padded to
 * the transforms' 4-tile lanes), and images per chunk. With at least as many images as threads a
 * task runs a group of images start to end (transform, 16 products, inverse) on its own scratch:
 * one barrier per call, which matters when another process may hold a core. Otherwise chunks of
 * images go through three barriers each, so that every stage is split across the threads.
 */
function chunkPlan(T: number, s: WinogradShape, chunkBytes: number) {
  const tilesH = Math.ceil(s.oH / 2), tilesWp = 4 * Math.ceil(s.oW / 8);
  const tiles = tilesH * tilesWp;
  const fit = Math.max(1, Math.floor(chunkBytes / (4 * 16 * (s.Cin + s.Cout) * tiles)));
  const grouped = T > 1 && s.N >= T;
  const chunk = grouped ? Math.min(Math.ceil(s.N / T), Math.ceil(256 / tiles), fit) : Math.min(s.N, fit);
  return { tilesH, tilesWp, tiles, grouped, chunk, scratchCount: grouped ? T : 1 };
}

/**
 * y = the correlation of x with the 3×3 filters at w. `filter` says how w is laid out: `forward`,
 * w[o][c] at (o·Cin + c)·9 (conv2d's weight); `adjoint`, w[c][o] at (c·Cout + o)·9 rotated 180°
 * (the input gradient, reading conv2d's weight [Cin_of_forward = Cout here, …]). `biasAt(n, o)`,
 * when given, is the address of the biases of image n's channels o, o + 1, …, which the output
 * transform adds (conv2d's bias, no pass of its own).
 */
export function winogradConv(engine: Engine, x: number, w: number, y: number, s: WinogradShape, filter: 'forward' | 'adjoint',
  { chunkBytes = CHUNK_BYTES, biasAt }: { chunkBytes?: number; biasAt?: (n: number, o: number) => number } = {}): void {
  const T = engine.threads, { mr, nr } = engine.shape;
  const { tilesH, tilesWp, tiles, grouped, chunk, scratchCount } = chunkPlan(T, s, chunkBytes);
  const heap = engine.heap;
  const uXi = skew(4 * Math.ceil(s.Cout / mr) * mr * s.Cin);
  const u = heap.alloc(16 * uXi);
  const vs = Array.from({ length: scratchCount }, () => heap.alloc(16 * skew(4 * s.Cin * Math.ceil((chunk * tiles) / nr) * nr)));
  const ms = Array.from({ length: scratchCount }, () => heap.alloc(16 * skew(4 * s.Cout * chunk * tiles)));
  const planes = Array.from({ length: T }, () => heap.alloc(Math.max(inputPlaneBytes(tilesH, tilesWp), outputPlaneBytes(tilesH, tilesWp))));
  try {
    // U[ξ] in packed-A panels; filter (o, c) at w + (o·Cin + c)·36, or at w + (c·Cout + o)·36 rotated.
    const [rowStride, colStride] = filter === 'forward' ? [36 * s.Cin, 36] : [36, 36 * s.Cout];
    for (const [o0, o1] of splitRange(s.Cout, T, mr)) {
      engine.addTask((push) => push(winoFilter, {
        w: w + o0 * rowStride, rows: o1 - o0, cols: s.Cin, rowStride, colStride, flip: filter === 'forward' ? 0 : 1, u: u + 4 * o0 * s.Cin, xiStride: uXi,
      }));
    }
    // Grouped tasks read U at once; otherwise the first chunk's input transforms (which do not read U)
    // run in the same barrier as the filter transforms: one hand-over fewer per call (batch-1 sampling).
    if (grouped) engine.runTasks();
    for (let n0 = 0; n0 < s.N; n0 += chunk) {
      const nb = Math.min(chunk, s.N - n0), cols = nb * tiles, colsPadded = Math.ceil(cols / nr) * nr;
      const vXi = skew(4 * s.Cin * colsPadded), mXi = skew(4 * s.Cout * cols);
      /** V[ξ] rows [c0, c1) of image i, in packed-B panels (column image·tiles + t). */
      const input = (push: Push, here: ThreadView, v: number, i: number, c0: number, c1: number): void => push(winoInput, {
        x: x + 4 * ((n0 + i) * s.Cin + c0) * s.H * s.W, count: c1 - c0, H: s.H, W: s.W, pH: s.pH, pW: s.pW, tilesH, tilesWp,
        pad: here.of(planes), v: v + 4 * c0 * nr, col0: i * tiles, panel: nr, panelBytes: 4 * s.Cin * nr, xiStride: vXi,
      });
      /** M[ξ][·][c0, c1) = U[ξ] · V[ξ]: the macro-kernel straight on the panels. */
      const product = (push: Push, here: ThreadView, v: number, m: number, xi: number, c0: number, c1: number): void => push(gemmMacro, {
        mc: s.Cout, nc: c1 - c0, kc: s.Cin, ap: u + xi * uXi, bp: v + xi * vXi + 4 * c0 * s.Cin, c: m + xi * mXi + 4 * c0, ldc: 4 * cols, accumulate: 0,
        scratch: here.tile,
      });
      /** Y of image i, channels [o0, o1). */
      const output = (push: Push, here: ThreadView, m: number, i: number, o0: number, o1: number): void => push(winoOutput, {
        m: m + 4 * (o0 * cols + i * tiles), count: o1 - o0, rowStride: 4 * cols, xiStride: mXi, tilesH, tilesWp,
        pad: here.of(planes), y: y + 4 * ((n0 + i) * s.Cout + o0) * s.oH * s.oW, oH: s.oH, oW: s.oW, bias: biasAt?.(n0 + i, o0) ?? 0,
      });
      if (grouped) {
        engine.addTask((push, here) => {
          const v = here.of(vs), m = here.of(ms);
          for (let i = 0; i < nb; i++) input(push, here, v, i, 0, s.Cin);
          for (let xi = 0; xi < 16; xi++) product(push, here, v, m, xi, 0, cols);
          for (let i = 0; i < nb; i++) output(push, here, m, i, 0, s.Cout);
        });
        continue;
      }
      const parts = Math.max(1, Math.ceil((2 * T) / nb));
      for (let i = 0; i < nb; i++) for (const [c0, c1] of splitRange(s.Cin, parts, 1)) engine.addTask((push, here) => input(push, here, vs[0]!, i, c0, c1));
      engine.runTasks();
      const colParts = Math.max(1, Math.min(Math.ceil(cols / (4 * nr)), Math.ceil((4 * T) / 16)));
      for (let xi = 0; xi < 16; xi++) for (const [c0, c1] of splitRange(cols, colParts, nr)) engine.addTask((push, here) => product(push, here, vs[0]!, ms[0]!, xi, c0, c1));
      engine.runTasks();
      for (let i = 0; i < nb; i++) for (const [o0, o1] of splitRange(s.Cout, parts, 1)) engine.addTask((push, here) => output(push, here, ms[0]!, i, o0, o1));
      engine.runTasks();
    }
    engine.runTasks();
  } finally {
    for (const p of [u, ...vs, ...ms, ...planes]) heap.release(p);
  }
}

/**
 * dw = ∂L/∂w of the stride-1 3×3 correlation y = x ⋆ w (shape `s`, dw [Cout, Cin, 3, 3] overwritten),
 * by the adjoint of F(2×2, 3×3), i.e. Lavin & Gray's F(3×3, 2×2) (Section 4.2) with dy as the 2×2
 * filter: dw = Gᵀ [ Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B) ] G. Per chunk of images the
 * two tile transforms (Ă and V, row-major, columns = tiles) and 16 products S[ξ] += Ă[ξ] · V[ξ]ᵀ
 * (Cout × Cin, summed over tiles: the GEMM's long k); then one filter transform of S.
 */
export function winogradWeightGrad(engine: Engine, x: number, dy: number, dw: number, s: WinogradShape, { chunkBytes = CHUNK_BYTES } = {}): void {
  const T = engine.threads;
  // Grouped (chunkPlan), each thread sums into its own S, added together at the end.
  const { tilesH, tilesWp, tiles, grouped, chunk, scratchCount } = chunkPlan(T, s, chunkBytes);
  const heap = engine.heap;
  const sXi = skew(4 * s.Cout * s.Cin);
  const Ss = Array.from({ length: scratchCount }, () => heap.alloc(16 * sXi));
  const vs = Array.from({ length: scratchCount }, () => heap.alloc(16 * skew(4 * s.Cin * chunk * tiles)));
  const as = Array.from({ length: scratchCount }, () => heap.alloc(16 * skew(4 * s.Cout * chunk * tiles)));
  const planes = Array.from({ length: T }, () => heap.alloc(inputPlaneBytes(tilesH, tilesWp)));
  try {
    for (const S of Ss) heap.f32.fill(0, S >> 2, (S >> 2) + (16 * sXi) / 4);
    for (let n0 = 0; n0 < s.N; n0 += chunk) {
      const nb = Math.min(chunk, s.N - n0), cols = nb * tiles;
      const vXi = skew(4 * s.Cin * cols), aXi = skew(4 * s.Cout * cols);
      /** V[ξ][c][image·tiles + t] rows [c0, c1) of image i, row-major (one panel as wide as the matrix). */
      const input = (push: Push, here: ThreadView, v: number, i: number, c0: number, c1: number): void => push(winoInput, {
        x: x + 4 * ((n0 + i) * s.Cin + c0) * s.H * s.W, count: c1 - c0, H: s.H, W: s.W, pH: s.pH, pW: s.pW, tilesH, tilesWp,
        pad: here.of(planes), v: v + 4 * (c0 * cols + i * tiles), col0: 0, panel: cols, panelBytes: 0, xiStride: vXi,
      });
      /** Ă[ξ][o][image·tiles + t] rows [o0, o1) of image i. */
      const gradient = (push: Push, here: ThreadView, a: number, i: number, o0: number, o1: number): void => push(winoGradient, {
        dy: dy + 4 * ((n0 + i) * s.Cout + o0) * s.oH * s.oW, count: o1 - o0, oH: s.oH, oW: s.oW, tilesH, tilesWp,
        pad: here.of(planes), a: a + 4 * (o0 * cols + i * tiles), rowStride: 4 * cols, xiStride: aXi,
      });
      /** S[ξ] += Ă[ξ] · V[ξ]ᵀ: B[t, c] = V[ξ][c][t]. */
      const product = (a: number, v: number, S: number, xi: number): GemmProblem => ({
        m: s.Cout, n: s.Cin, k: cols,
        a: a + xi * aXi, rsA: cols, csA: 1,
        b: v + xi * vXi, rsB: 1, csB: cols,
        c: S + xi * sXi, ldc: s.Cin, accumulate: true,
      });
      if (grouped) {
        engine.addTask((push, here) => {
          const v = here.of(vs), a = here.of(as), S = here.of(Ss);
          for (let i = 0; i < nb; i++) {
            input(push, here, v, i, 0, s.Cin);
            gradient(push, here, a, i, 0, s.Cout);
          }
          for (let xi = 0; xi < 16; xi++) {
            const p = product(a, v, S, xi);
            queueGemm(engine, push, here, p, 0, p.m, 0, p.n);
          }
        });
        continue;
      }
      const parts = Math.max(1, Math.ceil((2 * T) / nb));
      for (let i = 0; i < nb; i++) {
        for (const [c0, c1] of splitRange(s.Cin, parts, 1)) engine.addTask((push, here) => input(push, here, vs[0]!, i, c0, c1));
        for (const [o0, o1] of splitRange(s.Cout, parts, 1)) engine.addTask((push, here) => gradient(push, here, as[0]!, i, o0, o1));
      }
      engine.runTasks();
      runGemms(engine, Array.from({ length: 16 }, (_, xi) => product(as[0]!, vs[0]!, Ss[0]!, xi)));
    }
    engine.runTasks();
    // Each thread's S into the first (the transform is linear, so summing before it is exact in real arithmetic).
    const f32 = heap.f32, S0 = Ss[0]! >> 2, length = (16 * sXi) / 4;
    for (const S of Ss.slice(1)) for (let i = 0, src = S >> 2; i < length; i++) f32[S0 + i]! += f32[src + i]!;
    for (const [o0, o1] of splitRange(s.Cout, T, 1)) {
      engine.addTask((push) => push(winoFilterGrad, { s: Ss[0]! + 4 * o0 * s.Cin, rows: o1 - o0, cols: s.Cin, xiStride: sXi, dw: dw + 36 * o0 * s.Cin }));
    }
    engine.runTasks();
  } finally {
    for (const p of [...Ss, ...vs, ...as, ...planes]) heap.release(p);
  }
}
