/** Average pooling as a depthwise convolution with a constant kernel, so its gradient is conv2d's. */
import type { Tensor } from '../tensor.ts';
import { conv2d } from '../ops/index.ts';
import { full } from '../creation.ts';
import { fmt, OpError } from '../shape.ts';

/**
 * torch.nn.functional.avg_pool2d with count_include_pad = True: the mean of each kernel window of
 * x [N, C, H, W]; stride defaults to the kernel size.
 */
export function avgPool2d(x: Tensor, kernelSize: number | readonly [number, number], stride?: number | readonly [number, number], padding: number | readonly [number, number] = 0): Tensor {
  if (x.ndim !== 4) throw new OpError('avgPool2d', `expects [N, C, H, W], got ${fmt(x.shape)}`);
  const [kH, kW] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
  const c = x.shape[1]!;
  const weight = full([c, 1, kH, kW], 1 / (kH * kW), { dtype: x.dtype }).to(x.backend);
  return conv2d(x, weight, null, { stride: stride ?? [kH, kW], padding, groups: c });
}
