/** Average pooling as a depthwise convolution with a constant kernel, so its gradient is conv2d's. */
import type { Tensor } from '../tensor-core.ts';
import { conv2d } from '../ops/index.ts';
import { full } from '../creation.ts';
import { fmt, OpError } from '../shape.ts';

type Pair = number | readonly [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * torch.nn.functional.avg_pool2d with count_include_pad = True: the mean of each kernel window of
 * x [N, C, H, W]; stride defaults to the kernel size, and padding (zeros) may be at most half the kernel.
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, stride?: Pair, padding: Pair = 0): Tensor {
  if (x.ndim !== 4) throw new OpError('avgPool2d', `expects [N, C, H, W], got ${fmt(x.shape)}`);
  const [kH, kW] = pair(kernelSize), [sH, sW] = pair(stride ?? [kH, kW]), [pH, pW] = pair(padding);
  const [, c, h, w] = x.shape as [number, number, number, number];
  if (![kH, kW, sH, sW].every((v) => Number.isInteger(v) && v >= 1)) {
    throw new OpError('avgPool2d', `kernel size ${kH}x${kW} and stride ${sH}x${sW} must be positive integers`);
  }
  if (![pH, pW].every((v) => Number.isInteger(v) && v >= 0) || 2 * pH > kH || 2 * pW > kW) {
    throw new OpError('avgPool2d', `padding ${pH}x${pW} must be non-negative integers, at most half the kernel ${kH}x${kW}`);
  }
  if (h + 2 * pH < kH || w + 2 * pW < kW) throw new OpError('avgPool2d', `kernel ${kH}x${kW} is larger than the padded input ${h + 2 * pH}x${w + 2 * pW}`);
  const weight = full([c, 1, kH, kW], 1 / (kH * kW), { dtype: x.dtype }).to(x.backend);
  return conv2d(x, weight, null, { stride: [sH, sW], padding: [pH, pW], groups: c });
}
