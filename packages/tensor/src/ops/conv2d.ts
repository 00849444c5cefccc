/**
 * 2-D convolution (cross-correlation, as in PyTorch) and its two gradients. The gradients are ops
 * too, each differentiable, so the whole family can be differentiated any number of times:
 * y = conv(x, w); ∂x = convInputGrad(dy, w); ∂w = convWeightGrad(x, dy), and each is bilinear.
 */
import type { Conv2dParams, Shape } from '../backend/kernels.ts';
import type { Tensor } from '../tensor-core.ts';
import { record } from '../autograd.ts';
import { fmt, OpError } from '../shape.ts';
import { add } from './arithmetic.ts';
import { checkCompatible, wrap } from './internal.ts';
import { reshape } from './layout.ts';

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
}

const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** Validate shapes and options; returns the params and the output shape. */
export function conv2dGeometry(xShape: Shape, wShape: Shape, options: Conv2dOptions = {}): { params: Conv2dParams; outShape: number[] } {
  const params: Conv2dParams = {
    stride: pair(options.stride ?? 1), padding: pair(options.padding ?? 0), dilation: pair(options.dilation ?? 1), groups: options.groups ?? 1,
  };
  const bad = (msg: string) => new OpError('conv2d', `input ${fmt(xShape)}, weight ${fmt(wShape)}: ${msg}`);
  if (xShape.length !== 4 || wShape.length !== 4) throw bad('expects input [N, C, H, W] and weight [O, C/groups, kH, kW]');
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, Cg, kH, kW] = wShape as [number, number, number, number];
  const { stride, padding, dilation, groups } = params;
  if (![...stride, ...dilation].every((v) => Number.isInteger(v) && v >= 1)) throw bad(`stride ${stride} and dilation ${dilation} must be positive integers`);
  if (!padding.every((v) => Number.isInteger(v) && v >= 0)) throw bad(`padding ${padding} must be non-negative integers`);
  if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0 || O % groups !== 0) throw bad(`groups ${groups} must divide both ${C} input and ${O} output channels`);
  if (Cg !== C / groups) throw bad(`weight expects ${Cg * groups} input channels (${Cg} per group × ${groups} groups) but input has ${C}`);
  const oH = Math.floor((H + 2 * padding[0] - dilation[0] * (kH - 1) - 1) / stride[0]) + 1;
  const oW = Math.floor((W + 2 * padding[1] - dilation[1] * (kW - 1) - 1) / stride[1]) + 1;
  if (oH < 1 || oW < 1) throw bad(`the (dilated) kernel is larger than the padded input, output would be ${oH}x${oW}`);
  return { params, outShape: [N, O, oH, oW] };
}

function convOp(x: Tensor, w: Tensor, params: Conv2dParams, outShape: Shape): Tensor {
  const out = wrap(x, x.backend.conv2d(x, w, params, outShape), outShape);
  return record('conv2d', [x, w], out, (dy, needs) => [
    needs[0] ? conv2dInputGrad(dy, w, params, x.shape) : null,
    needs[1] ? conv2dWeightGrad(x, dy, params, w.shape) : null,
  ]);
}

/** ∂L/∂x of conv2d. Bilinear in (dy, w): its adjoints are conv2d(g, w) and conv2dWeightGrad(g, dy). */
export function conv2dInputGrad(dy: Tensor, w: Tensor, params: Conv2dParams, xShape: Shape): Tensor {
  const out = wrap(dy, dy.backend.conv2dInputGrad(dy, w, params, xShape), xShape);
  return record('conv2dInputGrad', [dy, w], out, (g, needs) => [
    needs[0] ? convOp(g, w, params, dy.shape) : null,
    needs[1] ? conv2dWeightGrad(g, dy, params, w.shape) : null,
  ]);
}

/** ∂L/∂w of conv2d. Bilinear in (x, dy): its adjoints are conv2dInputGrad(dy, g) and conv2d(x, g). */
export function conv2dWeightGrad(x: Tensor, dy: Tensor, params: Conv2dParams, wShape: Shape): Tensor {
  const out = wrap(x, x.backend.conv2dWeightGrad(x, dy, params, wShape), wShape);
  return record('conv2dWeightGrad', [x, dy], out, (g, needs) => [
    needs[0] ? conv2dInputGrad(dy, g, params, x.shape) : null,
    needs[1] ? convOp(x, g, params, dy.shape) : null,
  ]);
}

/**
 * torch.nn.functional.conv2d: x [N, C, H, W] ⋆ w [O, C/groups, kH, kW] (+ bias [O]) with stride,
 * zero padding, dilation and groups.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  checkCompatible('conv2d', x, weight);
  const { params, outShape } = conv2dGeometry(x.shape, weight.shape, options);
  const out = convOp(x, weight, params, outShape);
  if (bias == null) return out;
  if (bias.ndim !== 1 || bias.shape[0] !== outShape[1]) throw new OpError('conv2d', `bias ${fmt(bias.shape)} must be [${outShape[1]}]`);
  return add(out, reshape(bias, [1, outShape[1]!, 1, 1]));
}
