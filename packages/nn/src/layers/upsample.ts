/** guided-diffusion's `Upsample` (guided_diffusion/unet.py). */
import { upsampleNearest2d, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { Module } from '../module.ts';
import { Conv2d } from './conv2d.ts';

export interface UpsampleOptions {
  channels: number;
  /** Follow the nearest-neighbour ×2 with a 3×3 convolution (DDPM's `resamp_with_conv`). */
  useConv: boolean;
  /** Output channels of the convolution (default `channels`). */
  outChannels?: number;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/** Nearest-neighbour ×2 upsampling, optionally followed by a 3×3 conv (state dict: `conv.*`). */
export class Upsample extends Module {
  readonly channels: number;
  readonly outChannels: number;
  conv: Conv2d | null;

  constructor({ channels, useConv, outChannels = channels, generator }: UpsampleOptions) {
    super();
    if (!useConv && outChannels !== channels) throw new RangeError(`Upsample: without a conv the channels cannot change (${channels} → ${outChannels})`);
    this.channels = channels;
    this.outChannels = outChannels;
    this.conv = useConv ? new Conv2d({ inChannels: channels, outChannels, kernelSize: 3, padding: 1, generator }) : null;
  }

  /** x: [B, C, H, W] → [B, outChannels, 2H, 2W] */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.channels) throw new RangeError(`Upsample: expects [B, ${this.channels}, H, W], got [${x.shape}]`);
    const h = upsampleNearest2d(x, 2);
    return this.conv === null ? h : this.conv.forward(h);
  }

  override extraRepr(): string {
    return this.conv === null ? `channels=${this.channels}, nearest ×2` : `nearest ×2`;
  }
}
