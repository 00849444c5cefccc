/**
 * The wasm engine's conv2d kernels against the direct definition, for the engine's tests
 * (conv2d.test.ts, conv2d-forward.test.ts): the float64 sums over every tap, uniform test data from a
 * seed, and one call that runs the forward and both gradients on an engine and compares all three.
 * Not part of the package's public testing entry.
 */
import assert from 'node:assert/strict';
import { conv2dForward, conv2dInputGrad, conv2dWeightGrad, type ConvShape } from '../backend/wasm/conv2d.ts';
import type { Engine } from '../backend/wasm/engine.ts';

/**
 * The direct definition, visiting every (n, o, oi, oj, c, ki, kj) tap once; `tap` receives the
 * flat indices of y, x and w it links. Forward and both gradients are this loop with a different body.
 */
export function forEachTap(s: ConvShape, tap: (yi: number, xi: number, wi: number) => void): void {
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

/** n values uniform in [−0.5, 0.5) from a linear congruential generator seeded `seed`. */
export function uniformData(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

/** Upload arrays to the engine's heap, run `f` on their addresses plus an output of `outLength` floats (NaN first: every one must be written), return the output. */
export function runOnHeap(engine: Engine, inputs: Float32Array[], outLength: number, f: (ptrs: number[], out: number) => void): Float32Array {
  const heap = engine.heap;
  const ptrs = inputs.map((a) => heap.alloc(4 * a.length));
  const out = heap.alloc(4 * Math.max(outLength, 1));
  try {
    inputs.forEach((a, i) => heap.f32.set(a, ptrs[i]! >> 2));
    heap.f32.fill(Number.NaN, out >> 2, (out >> 2) + outLength);
    f(ptrs, out);
    return heap.f32.slice(out >> 2, (out >> 2) + outLength);
  } finally {
    for (const p of [...ptrs, out]) heap.release(p);
  }
}

/** Element-wise |got − want| ≤ 1e-4 + 1e-4·|want| (float32 sums of at most a few hundred products). */
export function assertConvClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= 1e-4 + 1e-4 * Math.abs(want[i]!))) assert.fail(`${what}[${i}] = ${got[i]}, want ${want[i]}`);
  }
}

/** The engine's forward, input gradient and weight gradient of `s` on seeded data, each against the float64 direct sums. */
export function checkConvOnEngine(engine: Engine, s: ConvShape, seed: number, label = JSON.stringify(s)): void {
  const xLen = s.N * s.C * s.H * s.W, wLen = s.O * (s.C / s.p.groups) * s.kH * s.kW, yLen = s.N * s.O * s.oH * s.oW;
  const x = uniformData(xLen, seed), w = uniformData(wLen, seed + 1), dy = uniformData(yLen, seed + 2);
  const y = new Float64Array(yLen), dx = new Float64Array(xLen), dw = new Float64Array(wLen);
  forEachTap(s, (yi, xi, wi) => {
    y[yi]! += x[xi]! * w[wi]!;
    dx[xi]! += dy[yi]! * w[wi]!;
    dw[wi]! += dy[yi]! * x[xi]!;
  });
  assertConvClose(runOnHeap(engine, [x, w], yLen, ([xp, wp], out) => conv2dForward(engine, xp!, wp!, out, s)), y, `forward ${label}`);
  assertConvClose(runOnHeap(engine, [dy, w], xLen, ([dyp, wp], out) => conv2dInputGrad(engine, dyp!, wp!, out, s)), dx, `input grad ${label}`);
  assertConvClose(runOnHeap(engine, [x, dy], wLen, ([xp, dyp], out) => conv2dWeightGrad(engine, xp!, dyp!, out, s)), dw, `weight grad ${label}`);
}
