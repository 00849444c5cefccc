/**
 * 2-D convolution (cross-correlation, as in PyTorch) with its bias, and its gradients. The gradients
 * are ops too, each differentiable, so the whole family can be differentiated any number of times:
 * y = conv(x, w) + b; ∂x = convInputGrad(dy, w); ∂w = convWeightGrad(x, dy), each bilinear; and
 * ∂b = convBiasGrad(dy), linear. The bias is added inside the backend's convolution kernel (its
 * epilogue), not by a separate add over the output.
 */
import type { Conv2dParams, Shape } from '../backend/kernels.ts';
import type { Tensor } from '../tensor-core.ts';
import { record } from '../autograd.ts';
import { fmt, OpError } from '../shape.ts';
import { checkCompatible, wrap } from './internal.ts';
import { expand, reshape } from './layout.ts';

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

/** y = conv(x, w) + bias (bias null, [O] or [N, O], already checked): one kernel, one node. */
function convOp(x: Tensor, w: Tensor, bias: Tensor | null, params: Conv2dParams, outShape: Shape): Tensor {
  const out = wrap(x, x.backend.conv2d(x, w, params, outShape, bias), outShape);
  return record('conv2d', bias === null ? [x, w] : [x, w, bias], out, (dy, needs) => [
    needs[0] ? conv2dInputGrad(dy, w, params, x.shape) : null,
    needs[1] ? conv2dWeightGrad(x, dy, params, w.shape) : null,
    ...(bias === null ? [] : [needs[2] ? conv2dBiasGrad(dy, bias.ndim === 2) : null]),
  ]);
}

/**
 * ∂L/∂bias of conv2d: dy [N, O, H', W'] summed over H', W' → [N, O] (`perImage`, for a bias [N, O]),
 * and over N too → [O]. Linear: its adjoint is g broadcast back over dy's shape.
 */
export function conv2dBiasGrad(dy: Tensor, perImage: boolean): Tensor {
  if (dy.ndim !== 4) throw new OpError('conv2dBiasGrad', `dy ${fmt(dy.shape)} must be [N, O, H', W']`);
  const [N, O] = dy.shape as [number, number];
  const out = wrap(dy, dy.backend.conv2dBiasGrad(dy, perImage), perImage ? [N, O] : [O]);
  return record('conv2dBiasGrad', [dy], out, (g) => [expand(reshape(g, [perImage ? N : 1, O, 1, 1]), dy.shape)]);
}

/** ∂L/∂x of conv2d. Bilinear in (dy, w): its adjoints are conv2d(g, w) and conv2dWeightGrad(g, dy). */
export function conv2dInputGrad(dy: Tensor, w: Tensor, params: Conv2dParams, xShape: Shape): Tensor {
  const out = wrap(dy, dy.backend.conv2dInputGrad(dy, w, params, xShape), xShape);
  return record('conv2dInputGrad', [dy, w], out, (g, needs) => [
    needs[0] ? convOp(g, w, null, params, dy.shape) : null,
    needs[1] ? conv2dWeightGrad(g, dy, params, w.shape) : null,
  ]);
}

/** ∂L/∂w of conv2d. Bilinear in (x, dy): its adjoints are conv2dInputGrad(dy, g) and conv2d(x, g). */
export function conv2dWeightGrad(x: Tensor, dy: Tensor, params: Conv2dParams, wShape: Shape): Tensor {
  const out = wrap(x, x.backend.conv2dWeightGrad(x, dy, params, wShape), wShape);
  return record('conv2dWeightGrad', [x, dy], out, (g, needs) => [
    needs[0] ? conv2dInputGrad(dy, g, params, x.shape) : null,
    needs[1] ? convOp(x, g, null, params, dy.shape) : null,
  ]);
}

/**
 * torch.nn.functional.conv2d: x [N, C, H, W] ⋆ w [O, C/groups, kH, kW] (+ bias) with stride, zero
 * padding, dilation and groups. `bias` is PyTorch's [O], added to every pixel of channel o, or, as
 * our extension, [N, O]: bias[n, o] on image n's channel o, which folds a per-image shift such as the
 * U-Net ResBlock's timestep embedding (Ho et al. 2020, Appendix B) into the convolution. Either way
 * the bias is added in the convolution's kernel and the result is one autograd node.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  checkCompatible('conv2d', x, weight);
  const { params, outShape } = conv2dGeometry(x.shape, weight.shape, options);
  if (bias == null) return convOp(x, weight, null, params, outShape);
  checkCompatible('conv2d', x, bias);
  const [N, O] = outShape as [number, number];
  const fits = (bias.ndim === 1 && bias.shape[0] === O) || (bias.ndim === 2 && bias.shape[0] === N && bias.shape[1] === O);
  if (!fits) throw new OpError('conv2d', `input ${fmt(x.shape)}, weight ${fmt(weight.shape)}: bias ${fmt(bias.shape)} must be ${fmt([O])} (per channel) or ${fmt([N, O])} (per image and channel)`);
  return convOp(x, weight, bias, params, outShape);
}
