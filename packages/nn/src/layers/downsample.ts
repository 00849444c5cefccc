/** guided-diffusion's `Downsample` (guided_diffusion/unet.py). */
import { avgPool2d, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { Module } from '../module.ts';
import { Conv2d } from './conv2d.ts';

export interface DownsampleOptions {
  channels: number;
  /** A strided 3×3 conv (true, DDPM's `resamp_with_conv`) or a 2×2 average pool (false). */
  useConv: boolean;
  /** Output channels of the convolution (default `channels`). */
  outChannels?: number;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * ×2 downsampling: a 3×3 convolution with stride 2 and padding 1 (state dict: `op.*`), or a 2×2
 * average pool. Ho et al.'s TensorFlow code pads 'SAME' (only bottom/right for even sizes); the
 * PyTorch ports that load its checkpoints pad (0, 1, 0, 1) instead of 1 all round. The parameters
 * are the same; this layer follows guided-diffusion.
 */
export class Downsample extends Module {
  readonly channels: number;
  readonly outChannels: number;
  op: Conv2d | null;

  constructor({ channels, useConv, outChannels = channels, generator }: DownsampleOptions) {
    super();
    if (!useConv && outChannels !== channels) throw new RangeError(`Downsample: without a conv the channels cannot change (${channels} → ${outChannels})`);
    this.channels = channels;
    this.outChannels = outChannels;
    this.op = useConv ? new Conv2d({ inChannels: channels, outChannels, kernelSize: 3, stride: 2, padding: 1, generator }) : null;
  }

  /** x: [B, C, H, W] → [B, outChannels, ⌈H/2⌉, ⌈W/2⌉] (conv) or [B, C, ⌊H/2⌋, ⌊W/2⌋] (pool) */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.channels) throw new RangeError(`Downsample: expects [B, ${this.channels}, H, W], got [${x.shape}]`);
    return this.op === null ? avgPool2d(x, 2, 2) : this.op.forward(x);
  }

  override extraRepr(): string {
    return this.op === null ? `channels=${this.channels}, avgPool 2×2` : '';
  }
}
