/**
 * conv2d and its two gradients as im2col + GEMM: each [C/g, kH, kW] patch of the input becomes a
 * column, so the convolution is one matrix product per image and group, and the gradients are the
 * two transposed products (col2im scatters the input gradient back).
 */
import type { Conv2dParams, Shape, TypedArray, View } from '../kernels.ts';
import { sizeOf } from '../../shape.ts';
import { gemm } from './matmul.ts';
import { reduce } from './reduce.ts';
import { alloc } from './util.ts';

interface Geometry { N: number; C: number; H: number; W: number; O: number; kH: number; kW: number; oH: number; oW: number; cg: number; og: number }

function geometry(xShape: Shape, wShape: Shape, p: Conv2dParams): Geometry {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, , kH, kW] = wShape as [number, number, number, number];
  const oH = Math.floor((H + 2 * p.padding[0] - p.dilation[0] * (kH - 1) - 1) / p.stride[0]) + 1;
  const oW = Math.floor((W + 2 * p.padding[1] - p.dilation[1] * (kW - 1) - 1) / p.stride[1]) + 1;
  return { N, C, H, W, O, kH, kW, oH, oW, cg: C / p.groups, og: O / p.groups };
}

/**
 * Visit every (column row r, output pixel q, input offset) of one image-group's im2col matrix,
 * skipping taps that fall in the zero padding. Shared by im2col and col2im.
 */
function forEachTap(g: Geometry, p: Conv2dParams, visit: (r: number, q: number, src: number) => void): void {
  const { H, W, kH, kW, oH, oW, cg } = g;
  for (let c = 0; c < cg; c++) for (let ki = 0; ki < kH; ki++) for (let kj = 0; kj < kW; kj++) {
    const r = (c * kH + ki) * kW + kj;
    for (let oi = 0; oi < oH; oi++) {
      const y = oi * p.stride[0] - p.padding[0] + ki * p.dilation[0];
      if (y < 0 || y >= H) continue;
      for (let oj = 0; oj < oW; oj++) {
        const x = oj * p.stride[1] - p.padding[1] + kj * p.dilation[1];
        if (x >= 0 && x < W) visit(r, oi * oW + oj, (c * H + y) * W + x);
      }
    }
  }
}

function im2col(X: TypedArray, base: number, g: Geometry, p: Conv2dParams, col: Float64Array): void {
  col.fill(0);
  const Q = g.oH * g.oW;
  forEachTap(g, p, (r, q, src) => { col[r * Q + q] = X[base + src]!; });
}

/** The convolution, then bias[o] (bias [O]) or bias[n, o] (bias [N, O]) added to each output pixel. */
export function conv2d(x: View<TypedArray>, w: View<TypedArray>, p: Conv2dParams, outShape: Shape, bias: View<TypedArray> | null): TypedArray {
  const g = geometry(x.shape, w.shape, p), Q = g.oH * g.oW, R = g.cg * g.kH * g.kW;
  const out = alloc(x.dtype, sizeOf(outShape)), col = new Float64Array(R * Q);
  for (let n = 0; n < g.N; n++) for (let gi = 0; gi < p.groups; gi++) {
    im2col(x.buf, (n * g.C + gi * g.cg) * g.H * g.W, g, p, col);
    // out[og, Q] = W_g[og, R] · col[R, Q]
    gemm(w.buf, gi * g.og * R, col, 0, out, (n * g.O + gi * g.og) * Q, g.og, Q, R, false, false);
  }
  if (bias !== null) {
    const perImage = bias.shape.length === 2;
    for (let n = 0; n < g.N; n++) for (let o = 0; o < g.O; o++) {
      const b = bias.buf[perImage ? n * g.O + o : o]!, row = (n * g.O + o) * Q;
      for (let q = 0; q < Q; q++) out[row + q]! += b;
    }
  }
  return out;
}

/** Σ of dy [N, O, H', W'] over each plane → [N, O] (`perImage`), or over N too → [O]: `reduce`'s sum, in float64. */
export function conv2dBiasGrad(dy: View<TypedArray>, perImage: boolean): TypedArray {
  return reduce('sum', dy, perImage ? [2, 3] : [0, 2, 3]);
}

export function conv2dInputGrad(dy: View<TypedArray>, w: View<TypedArray>, p: Conv2dParams, xShape: Shape): TypedArray {
  const g = geometry(xShape, w.shape, p), Q = g.oH * g.oW, R = g.cg * g.kH * g.kW;
  const dx = alloc(dy.dtype, sizeOf(xShape)), dcol = new Float64Array(R * Q);
  for (let n = 0; n < g.N; n++) for (let gi = 0; gi < p.groups; gi++) {
    // dcol[R, Q] = W_gᵀ · dy[og, Q], then col2im adds each column entry back to its input pixel.
    gemm(w.buf, gi * g.og * R, dy.buf, (n * g.O + gi * g.og) * Q, dcol, 0, R, Q, g.og, true, false);
    const base = (n * g.C + gi * g.cg) * g.H * g.W;
    forEachTap(g, p, (r, q, src) => { dx[base + src]! += dcol[r * Q + q]!; });
  }
  return dx;
}

export function conv2dWeightGrad(x: View<TypedArray>, dy: View<TypedArray>, p: Conv2dParams, wShape: Shape): TypedArray {
  const g = geometry(x.shape, wShape, p), Q = g.oH * g.oW, R = g.cg * g.kH * g.kW;
  const dw = new Float64Array(sizeOf(wShape)), col = new Float64Array(R * Q), part = new Float64Array(g.og * R);
  for (let n = 0; n < g.N; n++) for (let gi = 0; gi < p.groups; gi++) {
    im2col(x.buf, (n * g.C + gi * g.cg) * g.H * g.W, g, p, col);
    // dW_g[og, R] += dy[og, Q] · colᵀ[Q, R]
    gemm(dy.buf, (n * g.O + gi * g.og) * Q, col, 0, part, 0, g.og, R, Q, false, true);
    const off = gi * g.og * R;
    for (let i = 0; i < part.length; i++) dw[off + i]! += part[i]!;
  }
  const out = alloc(x.dtype, dw.length);
  out.set(dw);
  return out;
}
