/**
 * The conv2d forward with its weights packed once per call (`forwardPrepacked` in conv2d.ts): 1×1
 * convolutions as one batched GEMM split by columns, stride-2 and 3-channel convolutions through
 * im2col, on engines of one and two threads and with blocking small enough that every loop
 * (depth blocks, row blocks, column blocks, edge tiles) runs more than once. Checked against the
 * direct loops in float64 on the engine itself, and through the public ops against the `js`
 * reference backend, forward and both gradients. Also the input gradient of a conv to few channels
 * from many, which runs Winograd (`winogradInputGradWins`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conv2dForward, conv2dInputGrad, conv2dWeightGrad, type ConvShape } from './conv2d.ts';
import { Engine } from './engine.ts';
import { conv2d, getBackend, setBackend, tensor, type Tensor } from '../../index.ts';

function shape(N: number, C: number, H: number, W: number, O: number, k: number, stride = 1, padding = 0, groups = 1): ConvShape {
  const oH = Math.floor((H + 2 * padding - k) / stride) + 1, oW = Math.floor((W + 2 * padding - k) / stride) + 1;
  return { N, C, H, W, O, kH: k, kW: k, oH, oW, p: { stride: [stride, stride], padding: [padding, padding], dilation: [1, 1], groups } };
}

/** Odd sizes, batch 1, K above the depth block, groups, stride 2, 3 channels in and out. */
const cases: [string, ConvShape][] = [
  ['1×1 batch 1, odd pixels', shape(1, 37, 5, 13, 7, 1)],
  ['1×1 attention-like [8,16,1,64]→12', shape(8, 16, 1, 64, 12, 1)],
  ['1×1 K = 300 > KC', shape(3, 300, 2, 3, 5, 1)],
  ['1×1 two groups', shape(2, 6, 3, 5, 4, 1, 1, 0, 2)],
  ['1×1 stride 2 (im2col)', shape(3, 4, 5, 7, 3, 1, 2)],
  ['3×3/2 pad 1, odd', shape(3, 5, 9, 7, 6, 3, 2, 1)],
  ['3×3/2 batch 1 (per-item path)', shape(1, 5, 9, 8, 6, 3, 2, 1)],
  ['3×3 from 3 channels', shape(2, 3, 7, 6, 5, 3, 1, 1)],
  ['3×3 to 3 channels, few inputs', shape(3, 4, 6, 5, 3, 3, 1, 1)],
  ['3×3 to 3 channels from 16 (input grad by Winograd)', shape(3, 16, 7, 6, 3, 3, 1, 1)],
  ['3×3 to 3 channels from 32, batch 1, pad 2', shape(1, 32, 5, 9, 3, 3, 1, 2)],
];

function random(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

/** The direct sums in float64: y, dx and dw of every tap. */
function direct(s: ConvShape, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const { N, C, H, W, O, kH, kW, oH, oW, p } = s, cg = C / p.groups, og = O / p.groups;
  const y = new Float64Array(N * O * oH * oW), dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oi = 0; oi < oH; oi++) for (let oj = 0; oj < oW; oj++) {
    const g = Math.floor(o / og), yi = ((n * O + o) * oH + oi) * oW + oj;
    for (let c = 0; c < cg; c++) for (let ki = 0; ki < kH; ki++) for (let kj = 0; kj < kW; kj++) {
      const r = oi * p.stride[0] - p.padding[0] + ki, q = oj * p.stride[1] - p.padding[1] + kj;
      if (r < 0 || r >= H || q < 0 || q >= W) continue;
      const xi = ((n * C + g * cg + c) * H + r) * W + q, wi = ((o * cg + c) * kH + ki) * kW + kj;
      y[yi]! += x[xi]! * w[wi]!;
      dx[xi]! += dy[yi]! * w[wi]!;
      dw[wi]! += dy[yi]! * x[xi]!;
    }
  }
  return { y, dx, dw };
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= 1e-4 + 1e-4 * Math.abs(want[i]!))) assert.fail(`${what}[${i}] = ${got[i]}, want ${want[i]}`);
  }
}

/** Run `f` on the inputs uploaded to `engine` and an output of `length` floats filled with NaN. */
function onEngine(engine: Engine, inputs: Float32Array[], length: number, f: (ptrs: number[], out: number) => void): Float32Array {
  const ptrs = inputs.map((a) => engine.heap.alloc(4 * a.length)), out = engine.heap.alloc(4 * length);
  try {
    inputs.forEach((a, i) => engine.heap.f32.set(a, ptrs[i]! >> 2));
    engine.heap.f32.fill(Number.NaN, out >> 2, (out >> 2) + length); // every output must be written
    f(ptrs, out);
    return engine.heap.f32.slice(out >> 2, (out >> 2) + length);
  } finally {
    for (const ptr of [...ptrs, out]) engine.heap.release(ptr);
  }
}

const engines: [string, Engine][] = [
  ['one thread', new Engine({ threads: 1 })],
  ['two threads', new Engine({ threads: 2 })],
  ['two threads, tiny blocks', new Engine({ threads: 2, blocking: { mc: 4, kc: 8, nc: 32 } })],
];

describe('conv2d forward with weights packed once', () => {
  for (const [engineName, engine] of engines) {
    it(`matches the direct sums, forward and both gradients (${engineName})`, async () => {
      await engine.ready;
      cases.forEach(([name, s], i) => {
        const x = random(s.N * s.C * s.H * s.W, 3 * i + 1), w = random(s.O * (s.C / s.p.groups) * s.kH * s.kW, 3 * i + 2);
        const dy = random(s.N * s.O * s.oH * s.oW, 3 * i + 3);
        const want = direct(s, x, w, dy), label = `${name} on ${engineName}`;
        assertClose(onEngine(engine, [x, w], want.y.length, ([xp, wp], out) => conv2dForward(engine, xp!, wp!, out, s)), want.y, `forward ${label}`);
        assertClose(onEngine(engine, [dy, w], x.length, ([dyp, wp], out) => conv2dInputGrad(engine, dyp!, wp!, out, s)), want.dx, `input grad ${label}`);
        assertClose(onEngine(engine, [x, dy], w.length, ([xp, dyp], out) => conv2dWeightGrad(engine, xp!, dyp!, out, s)), want.dw, `weight grad ${label}`);
      });
    });
  }

  it('agrees with the js reference backend through conv2d, forward and gradients', () => {
    const previous = getBackend();
    try {
      cases.forEach(([name, s], i) => {
        const x = random(s.N * s.C * s.H * s.W, 7 * i + 1), w = random(s.O * (s.C / s.p.groups) * s.kH * s.kW, 7 * i + 2);
        const g = random(s.N * s.O * s.oH * s.oW, 7 * i + 3);
        const results = (['js', 'wasm'] as const).map((backend) => {
          setBackend(backend);
          const xt = tensor(x, { shape: [s.N, s.C, s.H, s.W], requiresGrad: true }), wt = tensor(w, { shape: [s.O, s.C / s.p.groups, s.kH, s.kW], requiresGrad: true });
          const y: Tensor = conv2d(xt, wt, undefined, { stride: s.p.stride[0], padding: s.p.padding[0], groups: s.p.groups });
          y.mul(tensor(g, { shape: y.shape })).sum().backward();
          return [y.dataSync(), xt.grad!.dataSync(), wt.grad!.dataSync()] as const;
        });
        const [js, wasm] = results as [typeof results[0], typeof results[0]];
        ['forward', 'input grad', 'weight grad'].forEach((what, j) => assertClose(wasm[j]!, js[j]!, `${what} ${name}`));
      });
    } finally {
      setBackend(previous);
    }
  });
});
