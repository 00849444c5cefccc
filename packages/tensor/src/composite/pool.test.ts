import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { avgPool2d, full, mean, Generator, type Tensor } from '../index.ts';
import { check, expectOpError, gradcheck, leaf, seedArb } from '../testing/index.ts';

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `entry ${i}: ${a} vs ${e}`);
  }
};

/** A kernel, an optional stride, padding of at most half the kernel, and an input at least as large as the padded kernel. */
const poolArb = fc.record({
  kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  stride: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), { nil: undefined }),
  padFraction: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
  n: fc.integer({ min: 1, max: 2 }),
  c: fc.integer({ min: 1, max: 3 }),
  extra: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
  square: fc.boolean(),
}).map(({ kernel, stride, padFraction, n, c, extra, square }) => {
  const k = (square ? [kernel[0], kernel[0]] : kernel) as [number, number];
  const padding = k.map((kk, i) => Math.floor(padFraction[i]! * (Math.floor(kk / 2) + 0.999))) as [number, number];
  const [h, w] = k.map((kk, i) => Math.max(1, kk - 2 * padding[i]!) + extra[i]!) as [number, number];
  return { kernel: k, kernelArg: square ? k[0] : k, stride, padding, shape: [n, c, h, w] };
});

/** The pooled output by direct loops: each window's sum (zeros outside) divided by kH·kW. */
function avgPoolDirect(x: Tensor, [kH, kW]: [number, number], [sH, sW]: [number, number], [pH, pW]: [number, number]): number[] {
  const [n, c, h, w] = x.shape as [number, number, number, number], X = x.dataSync(), out: number[] = [];
  const oH = Math.floor((h + 2 * pH - kH) / sH) + 1, oW = Math.floor((w + 2 * pW - kW) / sW) + 1;
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < oH; i++) for (let j = 0; j < oW; j++) {
    let s = 0;
    for (let u = 0; u < kH; u++) for (let v = 0; v < kW; v++) {
      const [r, col] = [i * sH - pH + u, j * sW - pW + v];
      if (r >= 0 && r < h && col >= 0 && col < w) s += X[((b * c + ch) * h + r) * w + col]!;
    }
    out.push(s / (kH * kW));
  }
  return out;
}

describe('pool', () => {
  it('gradient: avgPool2d (kernel, stride, padding)', () => {
    check(fc.tuple(poolArb, seedArb), ([{ kernelArg, stride, padding, shape }, seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => avgPool2d(x, kernelArg, stride, padding), [leaf(shape, g)], { generator: g });
    });
  });

  it('agrees with a direct loop (count_include_pad: padded zeros count in the mean)', () => {
    check(fc.tuple(poolArb, seedArb), ([{ kernel, kernelArg, stride, padding, shape }, seed]) => {
      const x = leaf(shape, new Generator(seed)).detach(), y = avgPool2d(x, kernelArg, stride, padding);
      const [n, c, h, w] = shape as [number, number, number, number], [sH, sW] = stride ?? kernel;
      assert.deepEqual(y.shape, [n, c, Math.floor((h + 2 * padding[0] - kernel[0]) / sH) + 1, Math.floor((w + 2 * padding[1] - kernel[1]) / sW) + 1]);
      assertClose(y.dataSync(), avgPoolDirect(x, kernel, stride ?? kernel, padding), 1e-15, 1e-13);
    });
  });

  it('a whole-image kernel is the spatial mean; a 1×1 kernel is the identity; constants stay constant without padding', () => {
    check(fc.tuple(poolArb, seedArb, fc.double({ noNaN: true, min: -10, max: 10 })), ([{ shape }, seed, value]) => {
      const x = leaf(shape, new Generator(seed)).detach(), [n, c, h, w] = shape as [number, number, number, number];
      assertClose(avgPool2d(x, [h, w]).dataSync(), mean(x, [2, 3]).dataSync(), 1e-15, 1e-13);
      assert.deepEqual([...avgPool2d(x, 1).dataSync()], [...x.dataSync()]);
      const k = Math.min(h, w), y = avgPool2d(full(shape, value, { dtype: 'float64' }), k, 1);
      assert.deepEqual(y.shape, [n, c, h - k + 1, w - k + 1]);
      assertClose(y.dataSync(), new Float64Array(y.numel()).fill(value), 1e-14, 1e-14);
    });
  });

  it('invalid ranks, kernels, strides and paddings throw the op\'s own error', () => {
    check(poolArb, ({ kernel, shape }) => {
      const x = leaf(shape, new Generator(0)).detach(), [, , h, w] = shape as [number, number, number, number];
      expectOpError(() => avgPool2d(leaf(shape.slice(1), new Generator(0)).detach(), kernel), 'avgPool2d', /\[N, C, H, W\]/);
      expectOpError(() => avgPool2d(x, [kernel[0], 0]), 'avgPool2d', /positive integers/);
      expectOpError(() => avgPool2d(x, 1.5), 'avgPool2d', /positive integers/);
      expectOpError(() => avgPool2d(x, kernel, 0), 'avgPool2d', /positive integers/);
      expectOpError(() => avgPool2d(x, kernel, [1, -1]), 'avgPool2d', /positive integers/);
      expectOpError(() => avgPool2d(x, kernel, 1, -1), 'avgPool2d', /padding/);
      expectOpError(() => avgPool2d(x, kernel, 1, [Math.floor(kernel[0] / 2) + 1, 0]), 'avgPool2d', /at most half/);
      expectOpError(() => avgPool2d(x, [h + 1, w + 1]), 'avgPool2d', /larger than the padded input/);
    });
  });
});
