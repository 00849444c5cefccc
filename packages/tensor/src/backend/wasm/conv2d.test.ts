import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { conv2dForward, conv2dInputGrad, conv2dWeightGrad } from './conv2d.ts';
import type { ConvShape } from './conv2d.ts';
import { Engine } from './engine.ts';

const engine = new Engine({ threads: 2 });

/**
 * The direct definition, visiting every (n, o, oi, oj, c, ki, kj) tap once; `tap` receives the
 * flat indices of y, x and w it links. Forward and both gradients are this loop with a different body.
 */
function forEachTap(s: ConvShape, tap: (yi: number, xi: number, wi: number) => void): void {
  const { N, C, H, W, O, kH, kW, oH, oW, p } = s;
  const cg = C / p.groups, og = O / p.groups;
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oi = 0; oi < oH; oi++) for (let oj = 0; oj < oW; oj++) {
    const g = Math.floor(o / og);
    for (let c = 0; c < cg; c++) for (let ki = 0; ki < kH; ki++) for (let kj = 0; kj < kW; kj++) {
      const y = oi * p.stride[0] - p.padding[0] + ki * p.dilation[0];
      const x = oj * p.stride[1] - p.padding[1] + kj * p.dilation[1];
      if (y < 0 || y >= H || x < 0 || x >= W) continue;
      tap(((n * O + o) * oH + oi) * oW + oj, ((n * C + g * cg + c) * H + y) * W + x, ((o * cg + c) * kH + ki) * kW + kj);
    }
  }
}

const shapes = fc.record({
  N: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 2 }),
  cg: fc.integer({ min: 1, max: 5 }), og: fc.integer({ min: 1, max: 5 }),
  H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 11 }),
  kH: fc.integer({ min: 1, max: 3 }), kW: fc.integer({ min: 1, max: 3 }),
  sH: fc.integer({ min: 1, max: 2 }), sW: fc.integer({ min: 1, max: 2 }),
  pH: fc.integer({ min: 0, max: 2 }), pW: fc.integer({ min: 0, max: 2 }),
  dH: fc.integer({ min: 1, max: 2 }), dW: fc.integer({ min: 1, max: 2 }),
}).map((r): ConvShape | null => {
  const oH = Math.floor((r.H + 2 * r.pH - r.dH * (r.kH - 1) - 1) / r.sH) + 1;
  const oW = Math.floor((r.W + 2 * r.pW - r.dW * (r.kW - 1) - 1) / r.sW) + 1;
  if (oH < 1 || oW < 1) return null;
  return {
    N: r.N, C: r.cg * r.groups, H: r.H, W: r.W, O: r.og * r.groups, kH: r.kH, kW: r.kW, oH, oW,
    p: { stride: [r.sH, r.sW], padding: [r.pH, r.pW], dilation: [r.dH, r.dW], groups: r.groups },
  };
}).filter((s): s is ConvShape => s !== null);

function random(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

/** Upload arrays, run `f` on their addresses plus an output of `outLength` floats, return the output. */
function run(inputs: Float32Array[], outLength: number, f: (ptrs: number[], out: number) => void): Float32Array {
  const heap = engine.heap;
  const ptrs = inputs.map((a) => heap.alloc(4 * a.length));
  const out = heap.alloc(4 * Math.max(outLength, 1));
  try {
    inputs.forEach((a, i) => heap.f32.set(a, ptrs[i]! >> 2));
    heap.f32.fill(Number.NaN, out >> 2, (out >> 2) + outLength); // every output must be written
    f(ptrs, out);
    return heap.f32.slice(out >> 2, (out >> 2) + outLength);
  } finally {
    for (const p of [...ptrs, out]) heap.release(p);
  }
}

function assertClose(got: Float32Array, want: Float64Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= 1e-4 + 1e-4 * Math.abs(want[i]!))) assert.fail(`${what}[${i}] = ${got[i]}, want ${want[i]}`);
  }
}

function checkAll(s: ConvShape, seed: number): void {
  const xLen = s.N * s.C * s.H * s.W, wLen = s.O * (s.C / s.p.groups) * s.kH * s.kW, yLen = s.N * s.O * s.oH * s.oW;
  const x = random(xLen, seed), w = random(wLen, seed + 1), dy = random(yLen, seed + 2);
  const y = new Float64Array(yLen), dx = new Float64Array(xLen), dw = new Float64Array(wLen);
  forEachTap(s, (yi, xi, wi) => {
    y[yi]! += x[xi]! * w[wi]!;
    dx[xi]! += dy[yi]! * w[wi]!;
    dw[wi]! += dy[yi]! * x[xi]!;
  });
  const label = JSON.stringify(s);
  assertClose(run([x, w], yLen, ([xp, wp], out) => conv2dForward(engine, xp!, wp!, out, s)), y, `forward ${label}`);
  assertClose(run([dy, w], xLen, ([dyp, wp], out) => conv2dInputGrad(engine, dyp!, wp!, out, s)), dx, `input grad ${label}`);
  assertClose(run([x, dy], wLen, ([xp, dyp], out) => conv2dWeightGrad(engine, xp!, dyp!, out, s)), dw, `weight grad ${label}`);
}

describe('conv2d via im2col + GEMM', () => {
  it('forward, input grad and weight grad match the direct loops', () => {
    fc.assert(fc.property(shapes, fc.integer(), (s, seed) => checkAll(s, seed)), { seed: 7, numRuns: 80 });
  });
  it('handles 1×1 kernels without a column matrix, and one image split across threads', () => {
    const p = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 } as const;
    checkAll({ N: 2, C: 5, H: 4, W: 6, O: 3, kH: 1, kW: 1, oH: 4, oW: 6, p }, 1);
    // One image with a GEMM large enough to be split: 3×3, pad 1, [1, 16, 20, 20] → 24 channels.
    checkAll({ N: 1, C: 16, H: 20, W: 20, O: 24, kH: 3, kW: 3, oH: 20, oW: 20, p: { ...p, padding: [1, 1] } }, 2);
  });
});
