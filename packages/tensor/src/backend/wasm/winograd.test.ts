import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { conv2dForward, conv2dInputGrad } from './conv2d.ts';
import { Engine } from './engine.ts';
import { winogradConv, winogradWeightGrad } from './winograd.ts';
import type { WinogradShape } from './winograd.ts';

/** The default engine, one thread, and a 3×12 micro-tile (U and V are written in the GEMM's panel layouts, whose widths these set). */
const engines = [new Engine({ threads: 2 }), new Engine({ threads: 1 }), new Engine({ threads: 2, shape: { mr: 3, nr: 12, unroll: 1 } })];

/**
 * The tolerance, from a forward error analysis of F(2×2, 3×3) in float32 (unit roundoff u = 2⁻²⁴,
 * γₙ = n·u / (1 − n·u)), for |x| ≤ X and |w| ≤ Wm:
 *   V = Bᵀ d B: each entry a ±sum of at most 4 inputs (2 adds), |V| ≤ 4X;
 *   U = G g Gᵀ: the rows of G have absolute sums 1, 3/2, 3/2, 1, so |U| ≤ (3/2)²·Wm, 4 adds (×½ is exact);
 *   M = Σ_c U·V over Cin channels (a product and Cin − 1 adds);
 *   Y = Aᵀ M A: a ±sum of at most 3·3 = 9 entries of M (4 adds).
 * Every computed quantity is its exact value times at most Cin + 10 factors (1 + δ), |δ| ≤ u, so
 *   |Ŷ − Y| ≤ γ_{Cin+10} · 9 · Cin · (4X)(9/4 · Wm) = γ_{Cin+10} · 81 · Cin · X · Wm.
 * The direct sum's bound is γ_{9·Cin} · 9·Cin · X · Wm: Winograd's is ~9× looser at large Cin and
 * grows with the magnitudes, so the test draws them over six decades and scales the bound with them.
 */
function winogradBound(Cin: number, X: number, Wm: number): number {
  const u = 2 ** -24, n = Cin + 10;
  return ((n * u) / (1 - n * u)) * 81 * Cin * X * Wm;
}

/**
 * The weight gradient's bound, by the same analysis over its adjoint form dw = Gᵀ [Σ_t Ă ⊙ V] G for
 * |x| ≤ X, |dy| ≤ D and T = N·tiles tiles: |Ă| ≤ 4D (each entry a ±sum of at most 4 dy, 2 adds),
 * |V| ≤ 4X, the GEMM sums T products, and the columns of G have absolute sums 2, 1, 2, so Gᵀ · G
 * weights at most 2·2 = 4 entries-worth (4 adds):  |d̂w − dw| ≤ γ_{T+10} · 4 · T · 16 · X · D.
 */
function weightGradBound(tiles: number, X: number, D: number): number {
  const u = 2 ** -24, n = tiles + 10;
  return ((n * u) / (1 - n * u)) * 64 * tiles * X * D;
}

/** dw[o][c][ki][kj] = Σ_n,i,j dy[n][o][i][j] · x[n][c][i − pH + ki][j − pW + kj] in float64. */
function referenceWeightGrad(s: WinogradShape, x: Float32Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(s.Cout * s.Cin * 9);
  for (let n = 0; n < s.N; n++) for (let o = 0; o < s.Cout; o++) for (let i = 0; i < s.oH; i++) for (let j = 0; j < s.oW; j++) {
    const g = dy[((n * s.Cout + o) * s.oH + i) * s.oW + j]!;
    for (let c = 0; c < s.Cin; c++) for (let ki = 0; ki < 3; ki++) for (let kj = 0; kj < 3; kj++) {
      const r = i - s.pH + ki, q = j - s.pW + kj;
      if (r < 0 || r >= s.H || q < 0 || q >= s.W) continue;
      dw[((o * s.Cin + c) * 3 + ki) * 3 + kj]! += g * x[((n * s.Cin + c) * s.H + r) * s.W + q]!;
    }
  }
  return dw;
}

function random(n: number, seed: number, scale: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => scale * (((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5));
}

/** y[n][o][i][j] = Σ_c Σ_ki,kj x[n][c][i − pH + ki][j − pW + kj] · w[o][c][ki][kj] in float64 (w rotated and transposed for `adjoint`). */
function reference(s: WinogradShape, x: Float32Array, w: Float32Array, filter: 'forward' | 'adjoint'): Float64Array {
  const y = new Float64Array(s.N * s.Cout * s.oH * s.oW);
  for (let n = 0; n < s.N; n++) for (let o = 0; o < s.Cout; o++) for (let i = 0; i < s.oH; i++) for (let j = 0; j < s.oW; j++) {
    let acc = 0;
    for (let c = 0; c < s.Cin; c++) for (let ki = 0; ki < 3; ki++) for (let kj = 0; kj < 3; kj++) {
      const r = i - s.pH + ki, q = j - s.pW + kj;
      if (r < 0 || r >= s.H || q < 0 || q >= s.W) continue;
      const tap = filter === 'forward' ? ((o * s.Cin + c) * 3 + ki) * 3 + kj : ((c * s.Cout + o) * 3 + 2 - ki) * 3 + 2 - kj;
      acc += x[((n * s.Cin + c) * s.H + r) * s.W + q]! * w[tap]!;
    }
    y[((n * s.Cout + o) * s.oH + i) * s.oW + j] = acc;
  }
  return y;
}

function onHeap(engine: Engine, inputs: Float32Array[], outLength: number, f: (ptrs: number[], out: number) => void): Float32Array {
  const heap = engine.heap;
  const ptrs = inputs.map((a) => heap.alloc(4 * a.length));
  const out = heap.alloc(4 * outLength);
  try {
    inputs.forEach((a, i) => heap.f32.set(a, ptrs[i]! >> 2));
    heap.f32.fill(Number.NaN, out >> 2, (out >> 2) + outLength); // every output must be written
    f(ptrs, out);
    return heap.f32.slice(out >> 2, (out >> 2) + outLength);
  } finally {
    for (const p of [...ptrs, out]) heap.release(p);
  }
}

function assertWithin(got: Float32Array, want: Float64Array, bound: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= bound)) assert.fail(`${what}[${i}] = ${got[i]}, want ${want[i]} (bound ${bound.toExponential(2)})`);
  }
}

const shapes = fc.record({
  N: fc.integer({ min: 1, max: 3 }), Cin: fc.integer({ min: 1, max: 9 }), Cout: fc.integer({ min: 1, max: 9 }),
  H: fc.integer({ min: 1, max: 13 }), W: fc.integer({ min: 1, max: 19 }),
  pH: fc.integer({ min: 0, max: 2 }), pW: fc.integer({ min: 0, max: 2 }),
}).map((r): WinogradShape | null => {
  const oH = r.H + 2 * r.pH - 2, oW = r.W + 2 * r.pW - 2;
  return oH >= 1 && oW >= 1 ? { ...r, oH, oW } : null;
}).filter((s): s is WinogradShape => s !== null);

describe('conv2d 3×3 by Winograd F(2×2, 3×3)', () => {
  it('matches the direct sum within the F(2,3) error bound (odd sizes, any padding, batch, one-image chunks, magnitudes over six decades)', () => {
    fc.assert(fc.property(shapes, fc.constantFrom<'forward' | 'adjoint'>('forward', 'adjoint'), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.integer(),
      (s, filter, decade, e, oneImageChunks, seed) => {
        const X = 0.5 * 10 ** decade, Wm = 0.5 * 10 ** -decade * 10;
        const x = random(s.N * s.Cin * s.H * s.W, seed, 2 * X), w = random(s.Cout * s.Cin * 9, seed + 1, 2 * Wm);
        const got = onHeap(engines[e]!, [x, w], s.N * s.Cout * s.oH * s.oW, ([xp, wp], out) => winogradConv(engines[e]!, xp!, wp!, out, s, filter, oneImageChunks ? { chunkBytes: 1 } : {}));
        assertWithin(got, reference(s, x, w, filter), winogradBound(s.Cin, X, Wm), `${filter} ${JSON.stringify(s)}`);
      }), { seed: 11, numRuns: 120 });
  });

  it('weight gradient: matches the direct sum within its error bound (odd sizes, any padding, batch, one-image chunks, magnitudes)', () => {
    fc.assert(fc.property(shapes, fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.integer(),
      (s, decade, e, oneImageChunks, seed) => {
        const X = 0.5 * 10 ** decade, D = 5 * 10 ** -decade;
        const x = random(s.N * s.Cin * s.H * s.W, seed, 2 * X), dy = random(s.N * s.Cout * s.oH * s.oW, seed + 1, 2 * D);
        const got = onHeap(engines[e]!, [x, dy], s.Cout * s.Cin * 9, ([xp, dyp], out) => winogradWeightGrad(engines[e]!, xp!, dyp!, out, s, oneImageChunks ? { chunkBytes: 1 } : {}));
        const tiles = s.N * Math.ceil(s.oH / 2) * 4 * Math.ceil(s.oW / 8);
        assertWithin(got, referenceWeightGrad(s, x, dy), weightGradBound(tiles, X, D), `weight grad ${JSON.stringify(s)}`);
      }), { seed: 12, numRuns: 120 });
  });

  it('is what conv2d and its input gradient run for wide layers (odd sizes, batch 3)', () => {
    const engine = engines[0]!;
    // 3 images of 33×15 with 17 → 20 channels: both counts pass winogradWins; the forward's padding is 1.
    const s = { N: 3, C: 17, H: 33, W: 15, O: 20, kH: 3, kW: 3, oH: 33, oW: 15, p: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } } as const;
    const x = random(s.N * s.C * s.H * s.W, 1, 1), w = random(s.O * s.C * 9, 2, 1), dy = random(s.N * s.O * s.oH * s.oW, 3, 1);
    const fwd: WinogradShape = { N: s.N, Cin: s.C, H: s.H, W: s.W, Cout: s.O, oH: s.oH, oW: s.oW, pH: 1, pW: 1 };
    const y = onHeap(engine, [x, w], s.N * s.O * s.oH * s.oW, ([xp, wp], out) => conv2dForward(engine, xp!, wp!, out, s));
    assertWithin(y, reference(fwd, x, w, 'forward'), winogradBound(s.C, 0.5, 0.5), 'conv2d forward');
    const bwd: WinogradShape = { N: s.N, Cin: s.O, H: s.oH, W: s.oW, Cout: s.C, oH: s.H, oW: s.W, pH: 1, pW: 1 };
    const dx = onHeap(engine, [dy, w], s.N * s.C * s.H * s.W, ([dyp, wp], out) => conv2dInputGrad(engine, dyp!, wp!, out, s));
    assertWithin(dx, reference(bwd, dy, w, 'adjoint'), winogradBound(s.O, 0.5, 0.5), 'conv2d input grad');
  });
});
