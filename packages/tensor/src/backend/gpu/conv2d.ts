/**
 * conv2d and its two gradients on the gpu backend, each in gather form: one gpu.js thread per
 * output element sums, in float32 and a fixed order, every product that lands on it, so no two
 * threads write one element and no scatter or atomics are needed. By default the same three run as
 * tiled WGSL implicit GEMMs (tiled-conv2d.ts); these kernels are the fallback and their reference.
 *
 * Symbols (those of the js reference): x [N, C, H, W], w [O, C/G, kH, kW], y [N, O, H', W'] in G
 * groups of cg = C/G input and og = O/G output channels; stride s, padding p, dilation d. Output
 * pixel (i, j) reads input row i·s_H − p_H + a·d_H and column j·s_W − p_W + b·d_W for tap (a, b),
 * and taps that fall in the zero padding contribute nothing.
 */
import type { Conv2dParams, Shape, View } from '../kernels.ts';
import { sizeOf } from '../../shape.ts';
import type { GpuBuffer, GpuEngine, KernelThis } from './engine.ts';
import { elementwiseKernels } from './elementwise.ts';
import { floorDiv } from './indexing.ts';
import { reduceKernels } from './reduce.ts';
import { tiledConv2d, tiledConv2dInputGrad, tiledConv2dWeightGradSplits } from './tiled-conv2d.ts';

/** The geometry of one convolution, folded into each kernel as constants. */
export type ConvConstants = {
  [K in 'N' | 'C' | 'H' | 'W' | 'O' | 'kH' | 'kW' | 'oH' | 'oW' | 'cg' | 'og' | 'sH' | 'sW' | 'pH' | 'pW' | 'dH' | 'dW']: number
};

/**
 * y[n, o, i, j] = Σ_{c<cg, a<kH, b<kW} x[n, g·cg + c, i·s_H − p_H + a·d_H, j·s_W − p_W + b·d_W] · w[o, c, a, b],
 * g = ⌊o / og⌋.
 */
function conv2dKernel(this: KernelThis<ConvConstants>, x: number[], w: number[]): number {
  const rowIndex = floorDiv(this.thread.x, this.constants.oW);
  const j = this.thread.x - rowIndex * this.constants.oW;
  const plane = floorDiv(rowIndex, this.constants.oH);
  const i = rowIndex - plane * this.constants.oH;
  const n = floorDiv(plane, this.constants.O);
  const o = plane - n * this.constants.O;
  const g = floorDiv(o, this.constants.og);
  const xBase = (n * this.constants.C + g * this.constants.cg) * this.constants.H * this.constants.W;
  const wBase = o * this.constants.cg * this.constants.kH * this.constants.kW;
  const top = i * this.constants.sH - this.constants.pH;
  const left = j * this.constants.sW - this.constants.pW;
  let sum = 0;
  for (let c = 0; c < this.constants.cg; c++) {
    for (let a = 0; a < this.constants.kH; a++) {
      const row = top + a * this.constants.dH;
      if (row >= 0 && row < this.constants.H) {
        for (let b = 0; b < this.constants.kW; b++) {
          const col = left + b * this.constants.dW;
          if (col >= 0 && col < this.constants.W) {
            sum += x[xBase + (c * this.constants.H + row) * this.constants.W + col]! * w[wBase + (c * this.constants.kH + a) * this.constants.kW + b]!;
          }
        }
      }
    }
  }
  return sum;
}

/**
 * ∂L/∂x[n, g·cg + c, r, q] = Σ_{a<kH, b<kW, m<og} dy[n, g·og + m, i, j] · w[g·og + m, c, a, b] over the taps
 * whose output pixel exists: i = (r + p_H − a·d_H) / s_H and j = (q + p_W − b·d_W) / s_W exact
 * non-negative integers below H' and W'.
 */
function conv2dInputGradKernel(this: KernelThis<ConvConstants>, dy: number[], w: number[]): number {
  const rowIndex = floorDiv(this.thread.x, this.constants.W);
  const q = this.thread.x - rowIndex * this.constants.W;
  const plane = floorDiv(rowIndex, this.constants.H);
  const r = rowIndex - plane * this.constants.H;
  const n = floorDiv(plane, this.constants.C);
  const channel = plane - n * this.constants.C;
  const g = floorDiv(channel, this.constants.cg);
  const c = channel - g * this.constants.cg;
  const o0 = g * this.constants.og;
  let sum = 0;
  for (let a = 0; a < this.constants.kH; a++) {
    const di = r + this.constants.pH - a * this.constants.dH;
    const i = floorDiv(di, this.constants.sH);
    if (di >= 0 && i * this.constants.sH === di && i < this.constants.oH) {
      for (let b = 0; b < this.constants.kW; b++) {
        const dj = q + this.constants.pW - b * this.constants.dW;
        const j = floorDiv(dj, this.constants.sW);
        if (dj >= 0 && j * this.constants.sW === dj && j < this.constants.oW) {
          for (let m = 0; m < this.constants.og; m++) {
            const o = o0 + m;
            sum += dy[((n * this.constants.O + o) * this.constants.oH + i) * this.constants.oW + j]!
              * w[((o * this.constants.cg + c) * this.constants.kH + a) * this.constants.kW + b]!;
          }
        }
      }
    }
  }
  return sum;
}

/**
 * ∂L/∂w[o, c, a, b] = Σ_{n<N, i<H', j<W'} dy[n, o, i, j] · x[n, g·cg + c, i·s_H − p_H + a·d_H, j·s_W − p_W + b·d_W],
 * g = ⌊o / og⌋. The N·H'·W' terms are summed a row of j at a time and an image at a time, so rounding
 * grows with W' + H' + N rather than with their product.
 */
function conv2dWeightGradKernel(this: KernelThis<ConvConstants>, x: number[], dy: number[]): number {
  const rowIndex = floorDiv(this.thread.x, this.constants.kW);
  const b = this.thread.x - rowIndex * this.constants.kW;
  const tap = floorDiv(rowIndex, this.constants.kH);
  const a = rowIndex - tap * this.constants.kH;
  const o = floorDiv(tap, this.constants.cg);
  const c = tap - o * this.constants.cg;
  const channel = floorDiv(o, this.constants.og) * this.constants.cg + c;
  let sum = 0;
  for (let n = 0; n < this.constants.N; n++) {
    const xBase = (n * this.constants.C + channel) * this.constants.H * this.constants.W;
    const dyBase = (n * this.constants.O + o) * this.constants.oH * this.constants.oW;
    let imageSum = 0;
    for (let i = 0; i < this.constants.oH; i++) {
      const row = i * this.constants.sH - this.constants.pH + a * this.constants.dH;
      if (row >= 0 && row < this.constants.H) {
        let rowSum = 0;
        for (let j = 0; j < this.constants.oW; j++) {
          const col = j * this.constants.sW - this.constants.pW + b * this.constants.dW;
          if (col >= 0 && col < this.constants.W) {
            rowSum += dy[dyBase + i * this.constants.oW + j]! * x[xBase + row * this.constants.W + col]!;
          }
        }
        imageSum += rowSum;
      }
    }
    sum += imageSum;
  }
  return sum;
}

/** The constants for x [N, C, H, W] and w [O, C/groups, kH, kW] under `p`; H', W' from the same formula as the op's. */
export function convConstants(xShape: Shape, wShape: Shape, p: Conv2dParams): ConvConstants {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, , kH, kW] = wShape as [number, number, number, number];
  const [sH, sW] = p.stride, [pH, pW] = p.padding, [dH, dW] = p.dilation;
  const oH = Math.floor((H + 2 * pH - dH * (kH - 1) - 1) / sH) + 1;
  const oW = Math.floor((W + 2 * pW - dW * (kW - 1) - 1) / sW) + 1;
  return { N, C, H, W, O, kH, kW, oH, oW, cg: C / p.groups, og: O / p.groups, sH, sW, pH, pW, dH, dW };
}

/** out[e] = Σ_{s<splits} partial[s·len + e], in increasing s: the tiled weight gradient's split partial sums. */
function sumSplitsKernel(this: KernelThis<{ splits: number; len: number }>, partial: number[]): number {
  let sum = 0;
  for (let s = 0; s < this.constants.splits; s++) sum += partial[s * this.constants.len + this.thread.x]!;
  return sum;
}

const asBuf = (v: View): GpuBuffer => v.buf as GpuBuffer;

export interface ConvOptions {
  /** Run the tiled WGSL kernels of tiled-conv2d.ts where their dispatch fits (default), else only the gpu.js kernels. */
  readonly tiled?: boolean;
}

export function convKernels(engine: GpuEngine, { tiled = true }: ConvOptions = {}) {
  const elementwise = elementwiseKernels(engine), reduce = reduceKernels(engine);
  return {
    conv2d(x: View, w: View, p: Conv2dParams, outShape: Shape, bias: View | null): GpuBuffer {
      const constants = convConstants(x.shape, w.shape, p), length = sizeOf(outShape);
      const y = (tiled ? tiledConv2d(engine, asBuf(x), asBuf(w), constants, length) : null)
        ?? engine.launch({ name: 'conv2d', fn: conv2dKernel, constants }, length, [asBuf(x), asBuf(w)]);
      if (bias === null) return y;
      // The bias, [O] or [N, O], broadcast over each plane by the elementwise add kernel.
      const biasShape = bias.shape.length === 2 ? [constants.N, constants.O, 1, 1] : [1, constants.O, 1, 1];
      const out = elementwise.binary('add', { buf: y, shape: outShape, dtype: x.dtype }, { buf: bias.buf, shape: biasShape, dtype: bias.dtype }, outShape);
      y.release();
      return out;
    },
    conv2dBiasGrad(dy: View, perImage: boolean): GpuBuffer {
      return reduce.reduce('sum', dy, perImage ? [2, 3] : [0, 2, 3]);
    },
    conv2dInputGrad(dy: View, w: View, p: Conv2dParams, xShape: Shape): GpuBuffer {
      const constants = convConstants(xShape, w.shape, p), length = sizeOf(xShape);
      return (tiled ? tiledConv2dInputGrad(engine, asBuf(dy), asBuf(w), constants, length) : null)
        ?? engine.launch({ name: 'conv2dInputGrad', fn: conv2dInputGradKernel, constants }, length, [asBuf(dy), asBuf(w)]);
    },
    conv2dWeightGrad(x: View, dy: View, p: Conv2dParams, wShape: Shape): GpuBuffer {
      const constants = convConstants(x.shape, wShape, p), length = sizeOf(wShape);
      const split = tiled ? tiledConv2dWeightGradSplits(engine, asBuf(x), asBuf(dy), constants, length) : null;
      if (split === null) return engine.launch({ name: 'conv2dWeightGrad', fn: conv2dWeightGradKernel, constants }, length, [asBuf(x), asBuf(dy)]);
      if (split.splits === 1) return split.partial;
      const out = engine.launch({ name: 'conv2dWeightGrad splits', fn: sumSplitsKernel, constants: { splits: split.splits, len: length } }, length, [split.partial]);
      split.partial.release();
      return out;
    },
  };
}
