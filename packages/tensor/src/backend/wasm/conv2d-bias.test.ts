/**
 * conv2d's bias on the engine: in the GEMM's epilogue (im2col and 1×1 paths, one or several depth
 * blocks, edge tiles) and in Winograd's output transform, per channel [O] and per image [N, O],
 * against the js reference; and bit for bit against the unfused `conv + bias`, whose summation order
 * the epilogue keeps. The bias gradient (row sums of dy) against js as well.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Conv2dParams, Shape, TypedArray, View } from '../kernels.ts';
import { jsKernels } from '../js/index.ts';
import { sizeOf } from '../../shape.ts';
import { getEngine } from './engine.ts';
import { winogradWins } from './winograd.ts';
import { wasmKernels, type WasmBuf } from './wasm-kernels.ts';

function random(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 4 - 2);
}

/** The same float32 tensor as a wasm and a js view. */
function pair(shape: Shape, seed: number): { w: View<WasmBuf>; j: View<TypedArray> } {
  const data = random(sizeOf(shape), seed);
  return { w: { buf: wasmKernels.upload(data), shape, dtype: 'float32' }, j: { buf: data, shape, dtype: 'float32' } };
}

function assertClose(got: WasmBuf, want: TypedArray, what: string, tol = 1e-5): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)))) assert.fail(`${what}: [${i}] = ${got[i]}, want ${want[i]}`);
  }
}

type Kind = '1x1' | '3x3' | 'stride 2' | 'winograd' | 'groups' | 'deep';

/** A convolution of one kind: which engine path it takes is what the kind names. */
const convCase = fc.record({
  kind: fc.constantFrom<Kind>('1x1', '3x3', 'stride 2', 'winograd', 'groups', 'deep'),
  N: fc.integer({ min: 1, max: 3 }), O: fc.integer({ min: 1, max: 9 }), C: fc.integer({ min: 1, max: 5 }),
  H: fc.integer({ min: 3, max: 9 }), W: fc.integer({ min: 3, max: 9 }), padding: fc.integer({ min: 0, max: 1 }), seed: fc.integer({ min: 0, max: 1 << 20 }),
});

function geometry({ kind, N, O, C, H, W, padding }: typeof convCase extends fc.Arbitrary<infer T> ? T : never) {
  const kc = getEngine().blocking.kc;
  const groups = kind === 'groups' ? 1 + (O % 2) + 1 : 1; // 2 or 3
  const Cin = kind === 'winograd' ? 8 + C : kind === 'deep' ? Math.floor(kc / 9) + C : kind === 'groups' ? groups * C : C;
  const Out = kind === 'groups' ? groups * O : O;
  const k = kind === '1x1' ? 1 : kind === 'groups' ? 1 + (C % 3) : 3;
  const stride = kind === 'stride 2' || kind === 'deep' ? 2 : 1;
  const pad = kind === '1x1' ? 0 : padding;
  const p: Conv2dParams = { stride: [stride, stride], padding: [pad, pad], dilation: [1, 1], groups };
  const oH = Math.floor((H + 2 * pad - k) / stride) + 1, oW = Math.floor((W + 2 * pad - k) / stride) + 1;
  return { p, xShape: [N, Cin, H, W], wShape: [Out, Cin / groups, k, k], yShape: [N, Out, oH, oW] };
}

describe('wasm conv2d bias in the epilogue', () => {
  it('the cases reach the paths they name (Winograd, several depth blocks)', () => {
    const kc = getEngine().blocking.kc;
    assert.ok(winogradWins(8) && !winogradWins(7), 'winograd cases have C ≥ 8 and the others C ≤ 5');
    assert.ok((Math.floor(kc / 9) + 1) * 9 > kc, 'deep cases have K = 9·C > KC');
  });

  it('agrees with js for bias [O] and [N, O], and equals the unfused conv + bias bit for bit', () => {
    fc.assert(fc.property(convCase, (c) => {
      const { p, xShape, wShape, yShape } = geometry(c);
      const [N, O] = yShape as [number, number];
      const x = pair(xShape, c.seed), w = pair(wShape, c.seed + 1);
      const plain = wasmKernels.conv2d(x.w, w.w, p, yShape, null);
      for (const biasShape of [[O], [N, O]]) {
        const bias = pair(biasShape, c.seed + 2);
        const what = `${c.kind} x [${xShape}] w [${wShape}] bias [${biasShape}]`;
        const fused = wasmKernels.conv2d(x.w, w.w, p, yShape, bias.w);
        assertClose(fused, jsKernels.conv2d(x.j, w.j, p, yShape, bias.j), what);
        const broadcast = { ...bias.w, shape: biasShape.length === 2 ? [N, O, 1, 1] : [1, O, 1, 1] };
        const unfused = wasmKernels.binary('add', { buf: plain, shape: yShape, dtype: 'float32' }, broadcast, yShape);
        for (let i = 0; i < unfused.length; i++) if (fused[i] !== unfused[i]) assert.fail(`${what}: [${i}] fused ${fused[i]}, unfused ${unfused[i]}`);
        for (const b of [fused, unfused, bias.w.buf]) wasmKernels.dispose(b);
      }
      for (const b of [plain, x.w.buf, w.w.buf]) wasmKernels.dispose(b);
    }), { seed: 14, numRuns: 60 });
  });

  it('the bias gradient (sums of dy per channel, or per image and channel) agrees with js', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1 << 20 }),
      (N, O, oH, oW, seed) => {
        const dy = pair([N, O, oH, oW], seed);
        for (const perImage of [false, true]) {
          const got = wasmKernels.conv2dBiasGrad(dy.w, perImage);
          assertClose(got, jsKernels.conv2dBiasGrad(dy.j, perImage), `dy [${N}, ${O}, ${oH}, ${oW}] perImage ${perImage}`);
          wasmKernels.dispose(got);
        }
        wasmKernels.dispose(dy.w.buf);
      }), { seed: 15, numRuns: 60 });
  });
});
