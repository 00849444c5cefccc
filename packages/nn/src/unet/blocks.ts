/**
 * The U-Net's residual block and the sequential container that threads the timestep embedding,
 * after guided-diffusion (guided_diffusion/unet.py: TimestepBlock, TimestepEmbedSequential, ResBlock).
 */
import type { Generator, Tensor } from '@diffusion-ts/tensor';
import { zeroModule } from '../init.ts';
import { Module, ModuleList, Sequential, type UnaryModule } from '../module.ts';
import { Conv2d } from '../layers/conv2d.ts';
import { Downsample } from '../layers/downsample.ts';
import { Dropout } from '../layers/dropout.ts';
import { GroupNorm } from '../layers/group-norm.ts';
import { Linear } from '../layers/linear.ts';
import { SiLU } from '../layers/silu.ts';
import { Upsample } from '../layers/upsample.ts';

/** A module whose forward also takes the timestep embedding. */
export abstract class TimestepBlock extends Module {
  abstract forward(x: Tensor, emb: Tensor): Tensor;
}

/** Modules applied in order; those that are TimestepBlocks also get the embedding. */
export class TimestepEmbedSequential extends ModuleList<TimestepBlock | UnaryModule> {
  constructor(...modules: (TimestepBlock | UnaryModule)[]) {
    super(modules);
  }

  /** x: [B, C, H, W], emb: [B, E] */
  forward(x: Tensor, emb: Tensor): Tensor {
    for (const m of this) x = m instanceof TimestepBlock ? m.forward(x, emb) : m.forward(x);
    return x;
  }
}

export interface ResBlockOptions {
  channels: number;
  /** Width of the timestep embedding E. */
  embChannels: number;
  dropout: number;
  /** Default: `channels`. */
  outChannels?: number;
  /** When the channels change, a 3×3 conv on the skip path instead of a 1×1 (DDPM's conv_shortcut). */
  useConv?: boolean;
  /** Adaptive group norm, GroupNorm(h)·(1 + s) + b with (s, b) from the embedding (Dhariwal & Nichol 2021, Sec. 3.1). */
  useScaleShiftNorm?: boolean;
  /** BigGAN-style ×2 upsampling inside the block (Brock et al. 2019; ADM). */
  up?: boolean;
  /** BigGAN-style ×2 downsampling (2×2 average pool) inside the block. */
  down?: boolean;
  numGroups?: number;
  /** Draws the initial weights; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * The residual block of the diffusion U-Nets (Ho et al. 2020, Appendix B; guided-diffusion's ResBlock):
 *   h = conv(SiLU(GN(x)));  h = h + Linear(SiLU(emb))  (or the scale-shift form);
 *   h = conv₀(Dropout(SiLU(GN(h))));  return skip(x) + h,
 * where conv₀ starts at zero, so the block starts as the identity (or as its skip projection).
 * Without scale-shift, h + Linear(SiLU(emb)) is folded into the first conv (`Conv2d.forwardShifted`:
 * the embedding joins its bias as conv2d's per-image bias [B, out], added by the convolution kernel).
 * With `up`/`down`, x and h are resampled between the first norm/activation and the first conv.
 * State dict: `inLayers.{0,2}`, `embLayers.1`, `outLayers.{0,3}`, `skipConnection` (when the channels change).
 */
export class ResBlock extends TimestepBlock {
  readonly channels: number;
  readonly outChannels: number;
  readonly useScaleShiftNorm: boolean;
  inLayers: Sequential;
  hUpd: Upsample | Downsample | null;
  xUpd: Upsample | Downsample | null;
  embLayers: Sequential;
  outLayers: Sequential;
  skipConnection: Conv2d | null;

  constructor({
    channels, embChannels, dropout, outChannels = channels, useConv = false, useScaleShiftNorm = false,
    up = false, down = false, numGroups = 32, generator,
  }: ResBlockOptions) {
    super();
    if (up && down) throw new RangeError('ResBlock: up and down are exclusive');
    this.channels = channels;
    this.outChannels = outChannels;
    this.useScaleShiftNorm = useScaleShiftNorm;
    this.inLayers = new Sequential(
      new GroupNorm({ numGroups, numChannels: channels }),
      new SiLU(),
      new Conv2d({ inChannels: channels, outChannels, kernelSize: 3, padding: 1, generator }),
    );
    const resample = (): Upsample | Downsample | null =>
      up ? new Upsample({ channels, useConv: false, generator }) : down ? new Downsample({ channels, useConv: false, generator }) : null;
    this.hUpd = resample();
    this.xUpd = resample();
    this.embLayers = new Sequential(
      new SiLU(),
      new Linear({ inFeatures: embChannels, outFeatures: useScaleShiftNorm ? 2 * outChannels : outChannels, generator }),
    );
    this.outLayers = new Sequential(
      new GroupNorm({ numGroups, numChannels: outChannels }),
      new SiLU(),
      new Dropout({ p: dropout, generator }),
      zeroModule(new Conv2d({ inChannels: outChannels, outChannels, kernelSize: 3, padding: 1, generator })),
    );
    this.skipConnection = outChannels === channels ? null
      : new Conv2d({ inChannels: channels, outChannels, kernelSize: useConv ? 3 : 1, padding: useConv ? 1 : 0, generator });
  }

  /** x: [B, channels, H, W], emb: [B, E] → [B, outChannels, H', W'] (H' = 2H up, H/2 down, else H) */
  forward(x: Tensor, emb: Tensor): Tensor {
    const [norm, conv] = [this.inLayers.at(0) as GroupNorm, this.inLayers.at(2) as Conv2d];
    let h = norm.forwardSilu(x);                                           // GroupNorm → SiLU, fused
    if (this.hUpd !== null && this.xUpd !== null) {
      h = this.hUpd.forward(h);
      x = this.xUpd.forward(x);
    }
    const embOut = this.embLayers.forward(emb);                            // [B, out or 2·out]
    const [outNorm, act, ...outRest] = this.outLayers as unknown as [GroupNorm, UnaryModule, ...UnaryModule[]];
    if (this.useScaleShiftNorm) {
      h = conv.forward(h);                                                 // [B, out, H', W']
      const [scale, shift] = embOut.unsqueeze(-1).unsqueeze(-1).chunk(2, 1);
      h = act.forward(outNorm.forward(h).mul(scale!.add(1)).add(shift!));
    } else {
      h = outNorm.forwardSilu(conv.forwardShifted(h, embOut));            // conv + emb in one kernel; GroupNorm → SiLU, fused
    }
    for (const m of outRest) h = m.forward(h);
    return (this.skipConnection === null ? x : this.skipConnection.forward(x)).add(h);
  }
}
