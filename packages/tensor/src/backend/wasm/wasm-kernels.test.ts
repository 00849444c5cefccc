import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BinaryCode, DType, Shape, TypedArray, View } from '../kernels.ts';
import { jsKernels } from '../js/index.ts';
import { broadcastShapes, sizeOf, stridesOf } from '../../shape.ts';
import { broadcastableShapes } from '../../testing/arbitraries.ts';
import { wasmKernels } from './wasm-kernels.ts';
import type { WasmBuf } from './wasm-kernels.ts';

function random(dtype: DType, n: number, seed: number): TypedArray {
  let state = seed >>> 0;
  const next = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 4 - 2;
  if (dtype === 'int32') return Int32Array.from({ length: n }, () => Math.round(next() * 3));
  return dtype === 'float32' ? Float32Array.from({ length: n }, next) : Float64Array.from({ length: n }, next);
}

/** The same tensor on both backends. */
function pair(shape: Shape, dtype: DType, seed: number): { w: View<WasmBuf>; j: View<TypedArray> } {
  const data = random(dtype, sizeOf(shape), seed);
  return { w: { buf: wasmKernels.upload(data), shape, dtype }, j: { buf: data, shape, dtype } };
}

function assertSame(got: WasmBuf, gotShape: Shape, dtype: DType, want: TypedArray, tol = 0): void {
  const out = wasmKernels.readSync({ buf: got, shape: gotShape, dtype });
  assert.equal(out.constructor, want.constructor);
  assert.equal(out.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const a = out[i]!, b = want[i]!;
    if (!(Object.is(a, b) || Math.abs(a - b) <= tol * (1 + Math.abs(b)))) assert.fail(`[${i}] = ${a}, want ${b}`);
  }
  wasmKernels.dispose(got);
}

describe('wasm kernels agree with js', () => {
  it('upload / readSync / fill / dispose for every dtype', () => {
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      const data = random(dtype, 37, 1);
      assertSame(wasmKernels.upload(data), [37], dtype, data);
      assertSame(wasmKernels.fill([2, 3], dtype, 5), [2, 3], dtype, jsKernels.fill([2, 3], dtype, 5));
    }
  });
  it('elementwise, reductions and layout kernels (row loops and generated SIMD exp: within 1e-6 of js)', () => {
    fc.assert(fc.property(broadcastableShapes(2), fc.constantFrom<DType>('float32', 'float64'), fc.integer(), ([sa, sb], dtype, seed) => {
      const a = pair(sa!, dtype, seed), b = pair(sb!, dtype, seed + 1);
      const out = broadcastShapes('test', sa!, sb!);
      assertSame(wasmKernels.binary('mul', a.w, b.w, out), out, dtype, jsKernels.binary('mul', a.j, b.j, out));
      assertSame(wasmKernels.binary('lt', a.w, b.w, out), out, dtype, jsKernels.binary('lt', a.j, b.j, out));
      assertSame(wasmKernels.unary('exp', a.w), sa!, dtype, jsKernels.unary('exp', a.j), dtype === 'float32' ? 1e-6 : 0);
      const dims = sa!.map((_, i) => i).filter((i) => i % 2 === 0);
      const reduced = sa!.map((d, i) => (dims.includes(i) ? 1 : d));
      assertSame(wasmKernels.reduce('sum', a.w, dims), reduced, dtype, jsKernels.reduce('sum', a.j, dims));
      assertSame(wasmKernels.cast(a.w, 'int32'), sa!, 'int32', jsKernels.cast(a.j, 'int32'));
      wasmKernels.dispose(a.w.buf);
      wasmKernels.dispose(b.w.buf);
    }), { seed: 11, numRuns: 40 });
  });
  it('generated SIMD add, sub, mul, div (same length, past 8,192 elements): bit for bit the js results, tails and ±0, ±∞, NaN included', () => {
    fc.assert(fc.property(fc.integer({ min: 8192, max: 8192 + 70 }), fc.constantFrom<BinaryCode>('add', 'sub', 'mul', 'div'), fc.boolean(), fc.integer(), (n, code, split, seed) => {
      const a = random('float32', n, seed), b = random('float32', n, seed + 1);
      const special = [0, -0, Infinity, -Infinity, NaN, 3e38, 1e-45];
      const at = (seed >>> 0) % (n - 16);
      for (let i = 0; i < 16; i++) { a[at + i] = special[i % 7]!; b[n - 1 - i] = special[(i + 3) % 7]!; }
      // Shapes that differ only by size-1 dims index the same flat elements (no broadcasting).
      const sa = split ? [1, n] : [n], sb = [n], out = split ? [1, n] : [n];
      const va: View<TypedArray> = { buf: a, shape: sa, dtype: 'float32' }, vb: View<TypedArray> = { buf: b, shape: sb, dtype: 'float32' };
      assertSame(wasmKernels.binary(code, va, vb, out), out, 'float32', jsKernels.binary(code, va, vb, out));
    }), { seed: 15, numRuns: 40 });
  });
  it('generated SIMD softmax backward over rows (lengths a multiple of 4; others via js): within 1e-6 of js', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (rows, n, seed) => {
      const y = jsKernels.softmax({ buf: random('float32', rows * n, seed), shape: [rows, n], dtype: 'float32' }, 1);
      const dy = random('float32', rows * n, seed + 1);
      const vy: View<TypedArray> = { buf: y, shape: [rows, n], dtype: 'float32' }, vdy: View<TypedArray> = { buf: dy, shape: [rows, n], dtype: 'float32' };
      assertSame(wasmKernels.softmaxBackward(vy, vdy, 1), [rows, n], 'float32', jsKernels.softmaxBackward(vy, vdy, 1), 1e-6);
      assertSame(wasmKernels.softmaxBackward(vy, vdy, 0), [rows, n], 'float32', jsKernels.softmaxBackward(vy, vdy, 0));
    }), { seed: 16, numRuns: 60 });
  });
  it('strided copies (permutes with expanded, stride-0 dims and an offset), summed short rows, concat and pad: the js results', () => {
    const dims = fc.array(fc.record({ size: fc.integer({ min: 1, max: 5 }), expand: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(dims, fc.integer(), fc.constantFrom<DType>('float32', 'float64'), (ds, seed, dtype) => {
      // x: [sizes…] plus a leading 2 to narrow from; out: a permutation of x's dims, with each dim of size 1 in x expanded.
      const xShape = [2, ...ds.map((d) => (d.expand > 0 ? 1 : d.size))], xStrides = stridesOf(xShape);
      const x = pair(xShape, dtype, seed);
      const order = ds.map((_, k) => k).sort((p, q) => ((p * 7 + seed) % 5) - ((q * 7 + seed) % 5));
      const outShape = order.map((k) => (ds[k]!.expand > 0 ? ds[k]!.expand + 1 : ds[k]!.size));
      const strides = order.map((k) => (ds[k]!.expand > 0 ? 0 : xStrides[k + 1]!)), offset = xStrides[0]! * ((seed >>> 0) % 2);
      assertSame(wasmKernels.strided(x.w, outShape, strides, offset), outShape, dtype, jsKernels.strided(x.j, outShape, strides, offset));
      // The same shape summed over every other dim, the last included (rows of 1 to 5).
      const y = pair(outShape, dtype, seed + 1), sumDims = outShape.map((_, k) => k).filter((k) => (outShape.length - 1 - k) % 2 === 0);
      assertSame(wasmKernels.reduce('sum', y.w, sumDims), outShape.map((d, k) => (sumDims.includes(k) ? 1 : d)), dtype, jsKernels.reduce('sum', y.j, sumDims));
      const dim = (seed >>> 0) % outShape.length, z = pair(outShape.map((d, k) => (k === dim ? d + 1 : d)), dtype, seed + 2);
      const catShape = outShape.map((d, k) => (k === dim ? 2 * d + 1 : d));
      assertSame(wasmKernels.concat([y.w, z.w], dim, catShape), catShape, dtype, jsKernels.concat([y.j, z.j], dim, catShape));
      // Padded by 0–2 on each side of each dim (every element written: pooled outputs hold stale values).
      const before = outShape.map((_, k) => (seed >>> k) % 3), after = outShape.map((_, k) => (seed >>> (k + 5)) % 3);
      const padShape = outShape.map((d, k) => d + before[k]! + after[k]!);
      assertSame(wasmKernels.pad(y.w, before, after, 7), padShape, dtype, jsKernels.pad(y.j, before, after, 7));
    }), { seed: 17, numRuns: 150 });
  });
  it('generated SIMD sigmoid, silu and silu backward: within 1e-6 of js, tails and odd lengths included', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), fc.constantFrom(1, 10, 100), fc.integer(), (n, scale, seed) => {
      const x = random('float32', n, seed).map((v) => v * scale), dy = random('float32', n, seed + 1);
      const view = (buf: TypedArray): View<TypedArray> => ({ buf, shape: [n], dtype: 'float32' });
      for (const code of ['sigmoid', 'silu'] as const) assertSame(wasmKernels.unary(code, view(x)), [n], 'float32', jsKernels.unary(code, view(x)), 1e-6);
      assertSame(wasmKernels.siluBackward(view(x), view(dy)), [n], 'float32', jsKernels.siluBackward(view(x), view(dy)), 1e-6);
    }), { seed: 12, numRuns: 40 });
  });
  it('generated SIMD softmax over rows (lengths a multiple of 4; others via js): within 1e-6 of js, −∞, ∞ and NaN rows included', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 30), fc.integer(), (rows, n, scale, seed) => {
      const x = random('float32', rows * n, seed).map((v) => v * scale);
      const special = [-Infinity, Infinity, NaN];
      if (rows > 1) x.fill(-Infinity, 0, n);                      // an all −∞ row
      if (rows > 2) x[n + (seed >>> 0) % n] = special[(seed >>> 0) % 3]!; // one special entry in the next row
      const view: View<TypedArray> = { buf: x, shape: [rows, n], dtype: 'float32' };
      assertSame(wasmKernels.softmax(view, 1), [rows, n], 'float32', jsKernels.softmax(view, 1), 1e-6);
    }), { seed: 13, numRuns: 60 });
  });
  it('generated SIMD group norm (± SiLU) and its backward: within 1e-5 of js, with and without weight and bias', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 24 }),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(), (n, groups, perGroup, s, affine, silu, shifted, seed) => {
        const c = groups * perGroup, shape = [n, c, s];
        const x = random('float32', n * c * s, seed).map((v) => (shifted ? 20 + 3 * v : v)), dy = random('float32', n * c * s, seed + 1);
        const view = (buf: TypedArray, sh: Shape = shape): View<TypedArray> => ({ buf, shape: sh, dtype: 'float32' });
        const w = affine ? view(random('float32', c, seed + 2), [c]) : null, b = affine ? view(random('float32', c, seed + 3), [c]) : null;
        assertSame(wasmKernels.groupNorm(view(x), w, b, groups, 1e-5, silu), shape, 'float32', jsKernels.groupNorm(view(x), w, b, groups, 1e-5, silu), 1e-5);
        const got = wasmKernels.groupNormBackward(view(dy), view(x), w, b, groups, 1e-5, silu);
        const want = jsKernels.groupNormBackward(view(dy), view(x), w, b, groups, 1e-5, silu);
        [shape, [c], [c]].forEach((sh, i) => assertSame(got[i]!, sh, 'float32', want[i]!, 1e-5 * (i === 0 ? 1 : s * n)));
      }), { seed: 14, numRuns: 60 });
  });
  it('batched matmul with broadcasting and transposes (float32 on the engine, float64 via js)', () => {
    const dims = fc.integer({ min: 1, max: 19 });
    fc.assert(fc.property(dims, dims, dims, fc.boolean(), fc.boolean(), broadcastableShapes(2, { maxDims: 2, maxSize: 3 }),
      fc.constantFrom<DType>('float32', 'float64'), fc.integer(), (m, n, k, tA, tB, [ba, bb], dtype, seed) => {
        const a = pair([...ba!, ...(tA ? [k, m] : [m, k])], dtype, seed);
        const b = pair([...bb!, ...(tB ? [n, k] : [k, n])], dtype, seed + 1);
        const out = [...broadcastShapes('test', ba!, bb!), m, n];
        const tol = dtype === 'float32' ? 1e-5 : 0;
        assertSame(wasmKernels.matmul(a.w, b.w, out, tA, tB), out, dtype, jsKernels.matmul(a.j, b.j, out, tA, tB), tol);
        wasmKernels.dispose(a.w.buf);
        wasmKernels.dispose(b.w.buf);
      }), { seed: 12, numRuns: 60 });
  });
  it('conv2d and both gradients', () => {
    const p = { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 } as const;
    const xShape = [3, 4, 9, 8], wShape = [6, 2, 3, 2];
    const oH = Math.floor((9 + 2 - 2 - 1) / 2) + 1, oW = Math.floor((8 + 4 - 2 - 1) / 1) + 1;
    const yShape = [3, 6, oH, oW];
    const x = pair(xShape, 'float32', 1), w = pair(wShape, 'float32', 2), dy = pair(yShape, 'float32', 3);
    assertSame(wasmKernels.conv2d(x.w, w.w, p, yShape, null), yShape, 'float32', jsKernels.conv2d(x.j, w.j, p, yShape, null), 1e-5);
    assertSame(wasmKernels.conv2dInputGrad(dy.w, w.w, p, xShape), xShape, 'float32', jsKernels.conv2dInputGrad(dy.j, w.j, p, xShape), 1e-5);
    assertSame(wasmKernels.conv2dWeightGrad(x.w, dy.w, p, wShape), wShape, 'float32', jsKernels.conv2dWeightGrad(x.j, dy.j, p, wShape), 1e-5);
  });
});
