import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { add, cat, conv2d, conv2dBiasGrad, conv2dInputGrad, conv2dWeightGrad, matmul, narrow, pad, reshape, tensor, Generator, type Tensor } from '../index.ts';
import { conv2dGeometry } from './conv2d.ts';
import { check, expectOpError, gradcheck, leaf, seedArb } from '../testing/index.ts';

/** Random valid convolution settings with tiny sizes. */
const convCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 2 }), cPerGroup: fc.integer({ min: 1, max: 2 }), oPerGroup: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 3, max: 5 }), w: fc.integer({ min: 3, max: 5 }), kH: fc.integer({ min: 1, max: 3 }), kW: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }), padding: fc.integer({ min: 0, max: 2 }), dilation: fc.integer({ min: 1, max: 2 }), seed: seedArb,
}).filter((c) => c.h + 2 * c.padding >= c.dilation * (c.kH - 1) + 1 && c.w + 2 * c.padding >= c.dilation * (c.kW - 1) + 1);

type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

function setup(c: ConvCase) {
  const g = new Generator(c.seed);
  const x = leaf([c.n, c.cPerGroup * c.groups, c.h, c.w], g);
  const w = leaf([c.oPerGroup * c.groups, c.cPerGroup, c.kH, c.kW], g);
  const b = leaf([c.oPerGroup * c.groups], g);
  const options = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
  return { g, x, w, b, options };
}

/** The same convolution written with other ops: pad, gather every tap with narrow, and one matmul per group. */
function convByIm2col(x: Tensor, w: Tensor, { stride, padding, dilation, groups }: { stride: number; padding: number; dilation: number; groups: number }): Tensor {
  const [n, c, h, wd] = x.shape as number[] as [number, number, number, number];
  const [o, cg, kH, kW] = w.shape as number[] as [number, number, number, number];
  const oH = Math.floor((h + 2 * padding - dilation * (kH - 1) - 1) / stride) + 1, oW = Math.floor((wd + 2 * padding - dilation * (kW - 1) - 1) / stride) + 1;
  const xp = pad(x, [padding, padding, padding, padding]);
  const outs: Tensor[] = [];
  for (let gi = 0; gi < groups; gi++) {
    const xg = narrow(xp, 1, gi * cg, cg);
    const taps: Tensor[] = []; // each [n, cg, 1, oH·oW]
    for (let i = 0; i < kH; i++) for (let j = 0; j < kW; j++) {
      const rows: Tensor[] = [];
      for (let oi = 0; oi < oH; oi++) for (let oj = 0; oj < oW; oj++) {
        rows.push(narrow(narrow(xg, 2, oi * stride + i * dilation, 1), 3, oj * stride + j * dilation, 1));
      }
      taps.push(reshape(cat(rows, 3), [n, cg, 1, oH * oW]));
    }
    const cols = reshape(cat(taps, 2), [n, cg * kH * kW, oH * oW]);
    const wg = reshape(narrow(w, 0, gi * (o / groups), o / groups), [o / groups, cg * kH * kW]);
    outs.push(reshape(matmul(wg, cols), [n, o / groups, oH, oW]));
  }
  return cat(outs, 1);
}

describe('conv2d', () => {
  it('gradient: conv2d (stride, padding, dilation, groups, bias)', () => {
    check(convCase, (c) => {
      const { g, x, w, b, options } = setup(c);
      gradcheck((xi, wi, bi) => conv2d(xi, wi, bi, options), [x, w, b], { generator: g });
    }, { numRuns: 15 });
  });

  it('gradient: conv2d with a per-image bias [N, O] (x, weight and bias)', () => {
    check(convCase, (c) => {
      const { g, x, w, options } = setup(c);
      const b = leaf([c.n, c.oPerGroup * c.groups], g);
      gradcheck((xi, wi, bi) => conv2d(xi, wi, bi, options), [x, w, b], { generator: g });
    }, { numRuns: 15 });
  });

  it('with bias [O] or [N, O] equals conv2d without bias plus the broadcast bias', () => {
    check(convCase, (c) => {
      const { g, x, w, b, options } = setup(c);
      const plain = conv2d(x.detach(), w.detach(), null, options);
      const [n, o] = plain.shape as [number, number];
      const perImage = leaf([n, o], g).detach();
      for (const [bias, shape] of [[b.detach(), [1, o, 1, 1]], [perImage, [n, o, 1, 1]]] as const) {
        const got = conv2d(x.detach(), w.detach(), bias, options), want = add(plain, reshape(bias, shape));
        assert.deepEqual(got.shape, want.shape);
        assert.deepEqual(got.toArray(), want.toArray());
      }
    }, { numRuns: 15 });
  });

  it('gradient: conv2dBiasGrad (so the bias gradient is differentiable again)', () => {
    check(convCase, (c) => {
      const { g, x, w, options } = setup(c);
      const dy = leaf(conv2dGeometry(x.shape, w.shape, options).outShape, g);
      for (const perImage of [false, true]) gradcheck((d) => conv2dBiasGrad(d, perImage), [dy], { generator: g });
    }, { numRuns: 10 });
  });

  it('agrees with an im2col-and-matmul formulation built from other ops', () => {
    check(convCase, (c) => {
      const { x, w, options } = setup(c);
      const got = conv2d(x.detach(), w.detach(), null, options), want = convByIm2col(x.detach(), w.detach(), options);
      assert.deepEqual(got.shape, want.shape);
      want.dataSync().forEach((v, i) => assert.ok(Math.abs(got.dataSync()[i]! - v) < 1e-12));
    }, { numRuns: 15 });
  });

  it('gradient: conv2dInputGrad and conv2dWeightGrad (so conv2d is twice differentiable)', () => {
    check(convCase, (c) => {
      const { g, x, w, options } = setup(c);
      const { params, outShape } = conv2dGeometry(x.shape, w.shape, options);
      const dy = leaf(outShape, g);
      gradcheck((d, wi) => conv2dInputGrad(d, wi, params, x.shape), [dy, w], { generator: g });
      gradcheck((xi, d) => conv2dWeightGrad(xi, d, params, w.shape), [x, dy], { generator: g });
    }, { numRuns: 10 });
  });

  it('a 1x1 kernel of ones over one channel is the identity', () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    assert.deepEqual(conv2d(x, tensor([[[[1]]]])).toArray(), x.toArray());
  });

  it('per-axis stride, padding and dilation: each axis uses its own, against the defining sum', () => {
    const [H, W, kH, kW] = [7, 6, 3, 2], stride = [1, 2] as const, padding = [0, 1] as const, dilation = [2, 1] as const;
    const g = new Generator(3);
    const x = leaf([1, 1, H, W], g).detach(), w = leaf([1, 1, kH, kW], g).detach();
    const y = conv2d(x, w, null, { stride, padding, dilation });
    const oH = Math.floor((H + 2 * padding[0] - dilation[0] * (kH - 1) - 1) / stride[0]) + 1; // 3
    const oW = Math.floor((W + 2 * padding[1] - dilation[1] * (kW - 1) - 1) / stride[1]) + 1; // 4
    assert.deepEqual(y.shape, [1, 1, oH, oW]);
    const xs = x.dataSync(), ws = w.dataSync(), ys = y.dataSync();
    for (let i = 0; i < oH; i++) for (let j = 0; j < oW; j++) {
      let sum = 0; // y[i, j] = Σ_pq x[i·s_H + p·d_H − p_H, j·s_W + q·d_W − p_W] · w[p, q], zero outside x
      for (let p = 0; p < kH; p++) for (let q = 0; q < kW; q++) {
        const r = i * stride[0] + p * dilation[0] - padding[0], c = j * stride[1] + q * dilation[1] - padding[1];
        if (r >= 0 && r < H && c >= 0 && c < W) sum += xs[r * W + c]! * ws[p * kW + q]!;
      }
      assert.ok(Math.abs(ys[i * oW + j]! - sum) < 1e-5, `(${i}, ${j}): ${ys[i * oW + j]} vs ${sum}`);
    }
  });

  it('invalid shapes and options throw the conv2d error', () => {
    const x = tensor(new Float32Array(2 * 4 * 5 * 5), { shape: [2, 4, 5, 5] });
    const w = (shape: number[]) => tensor(new Float32Array(shape.reduce((p, d) => p * d, 1)), { shape });
    expectOpError(() => conv2d(x, w([3, 3, 3, 3])), 'conv2d', /input channels/);
    expectOpError(() => conv2d(x, w([3, 2, 3, 3]), null, { groups: 2 }), 'conv2d', /groups 2 must divide/);
    expectOpError(() => conv2d(x, w([4, 4, 7, 7])), 'conv2d', /larger than the padded input/);
    expectOpError(() => conv2d(x, w([4, 4, 6, 1])), 'conv2d', /output would be 0x5/); // too tall only
    expectOpError(() => conv2d(x, w([4, 4, 1, 6])), 'conv2d', /output would be 5x0/); // too wide only
    expectOpError(() => conv2d(x, w([4, 4, 3, 3]), null, { stride: 0 }), 'conv2d', /positive integers/);
    expectOpError(() => conv2d(tensor([1, 2]), w([1, 1, 1, 1])), 'conv2d', /\[N, C, H, W\]/);
    expectOpError(() => conv2d(x, w([4, 4, 3, 3]), tensor([1, 2])), 'conv2d', /input \[2,4,5,5\], weight \[4,4,3,3\]: bias \[2\] must be \[4\] \(per channel\) or \[2,4\]/);
    expectOpError(() => conv2d(x, w([4, 4, 3, 3]), w([3, 4])), 'conv2d', /bias \[3,4\] must be \[4\] \(per channel\) or \[2,4\] \(per image and channel\)/);
    expectOpError(() => conv2d(x, w([4, 4, 3, 3]), w([2, 4, 1, 1])), 'conv2d', /bias \[2,4,1,1\] must be/);
    expectOpError(() => conv2dBiasGrad(tensor([1, 2]), false), 'conv2dBiasGrad', /dy \[2\] must be \[N, O, H', W'\]/);
  });
});
