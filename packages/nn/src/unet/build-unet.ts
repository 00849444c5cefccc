/**
 * The architecture of guided-diffusion's UNetModel (guided_diffusion/unet.py), built in one place from
 * a configuration, for UNet, VideoUNet and EncoderUNet. It walks the configuration in the reference's
 * order, which is also the order in which the layers draw their initial weights from the generator:
 *   the time embedding (and the class embedding);
 *   down: a conv, then per level numResBlocks × (ResBlock [+ attention]) and a downsampler;
 *   middle: ResBlock, attention, ResBlock;
 *   up: per level numResBlocks + 1 × (ResBlock on [h, skip] [+ attention]) and an upsampler;
 *   the output head: GroupNorm → SiLU → zero-initialised 3×3 conv.
 * The networks differ only in the container that holds each block's layers, made by a `WrapBlock` hook:
 * a TimestepEmbedSequential (UNet, EncoderUNet), or a SpaceTimeSequential with a temporal attention
 * block after the spatial one (VideoUNet). EncoderUNet takes the time embedding and the down path only.
 */
import type { Generator } from '@diffusion-ts/tensor';
import { zeroModule } from '../init.ts';
import { ModuleList, Sequential, type Module, type UnaryModule } from '../module.ts';
import { AttentionBlock } from '../layers/attention-block.ts';
import { Conv2d } from '../layers/conv2d.ts';
import { Downsample } from '../layers/downsample.ts';
import { Embedding } from '../layers/embedding.ts';
import { GroupNorm } from '../layers/group-norm.ts';
import { Linear } from '../layers/linear.ts';
import { SiLU } from '../layers/silu.ts';
import { Upsample } from '../layers/upsample.ts';
import { ResBlock, TimestepEmbedSequential, type TimestepBlock } from './blocks.ts';
import type { UNetConfig } from './config.ts';

/** One of a block's layers: a ResBlock, AttentionBlock, Conv2d, Downsample or Upsample. */
export type BlockLayer = TimestepBlock | UnaryModule;

/** The spatial AttentionBlock of a block: its width and number of heads. */
export interface BlockAttention {
  channels: number;
  numHeads: number;
}

/**
 * Holds one block's layers (already built, in order) in the network's container. `attention` describes
 * the block's AttentionBlock, or is null when it has none. Called once per block, in order, so layers
 * the hook adds draw their weights right after the block's own.
 */
export type WrapBlock<B extends Module> = (layers: BlockLayer[], attention: BlockAttention | null) => B;

/** The image U-Net's container: the layers in order, the embedding passed to the timestep blocks. */
export const timestepEmbedBlock: WrapBlock<TimestepEmbedSequential> = (layers) => new TimestepEmbedSequential(...layers);

/** What the down path reads: the configuration less the fields of the output. */
export type DownPathConfig = Omit<UNetConfig, 'outChannels' | 'numClasses' | 'learnSigma' | 'numHeadsUpsample'>;

/** Sinusoidal embedding (width modelChannels) → Linear → SiLU → Linear, width 4 · modelChannels. */
export function timeEmbedMlp(modelChannels: number, generator: Generator): Sequential {
  const embDim = 4 * modelChannels;
  return new Sequential(
    new Linear({ inFeatures: modelChannels, outFeatures: embDim, generator }),
    new SiLU(),
    new Linear({ inFeatures: embDim, outFeatures: embDim, generator }),
  );
}

/** Width of the channels at a level: channelMult[level] · modelChannels. */
const width = (c: DownPathConfig, level: number): number => Math.trunc(c.channelMult[level]! * c.modelChannels);

/** The layer makers, closed over the configuration and the generator. */
function layerMakers(c: DownPathConfig, generator: Generator) {
  const resBlock = (channels: number, outChannels: number, updown: { up?: boolean; down?: boolean } = {}): ResBlock =>
    new ResBlock({ channels, embChannels: 4 * c.modelChannels, dropout: c.dropout, outChannels, useScaleShiftNorm: c.useScaleShiftNorm, numGroups: c.numGroups, generator, ...updown });
  const attentionBlock = ({ channels, numHeads }: BlockAttention): AttentionBlock =>
    new AttentionBlock({ channels, numHeads, numHeadChannels: c.numHeadChannels, useNewAttentionOrder: c.useNewAttentionOrder, numGroups: c.numGroups, generator });
  /** A ResBlock to the level's width, then an AttentionBlock when the level's resolution has attention. */
  const resThenAttention = (inChannels: number, level: number, numHeads: number): { layers: BlockLayer[]; attention: BlockAttention | null } => {
    const channels = width(c, level);
    const layers: BlockLayer[] = [resBlock(inChannels, channels)];
    if (!c.attentionResolutions.includes(c.imageSize / 2 ** level)) return { layers, attention: null };
    layers.push(attentionBlock({ channels, numHeads }));
    return { layers, attention: { channels, numHeads } };
  };
  /** ×2 down or up: a BigGAN-style ResBlock (resblockUpdown), else Downsample/Upsample. */
  const resample = (channels: number, direction: 'down' | 'up'): BlockLayer => {
    if (c.resblockUpdown) return resBlock(channels, channels, direction === 'down' ? { down: true } : { up: true });
    return direction === 'down' ? new Downsample({ channels, useConv: c.convResample, generator }) : new Upsample({ channels, useConv: c.convResample, generator });
  };
  return { resBlock, attentionBlock, resThenAttention, resample };
}

export interface DownPath<B extends Module> {
  inputBlocks: ModuleList<B>;
  middleBlock: B;
  /** Channels of each input block's output, in order: the skips the up path concatenates. */
  skipChannels: number[];
  /** Channels of the middle block's output. */
  channels: number;
}

/** The input blocks and the middle block. */
export function buildDownPath<B extends Module>(c: DownPathConfig, wrap: WrapBlock<B>, generator: Generator): DownPath<B> {
  const { resBlock, attentionBlock, resThenAttention, resample } = layerMakers(c, generator);
  const levels = c.channelMult.length;
  let ch = width(c, 0);
  const inputBlocks = new ModuleList([wrap([new Conv2d({ inChannels: c.inChannels, outChannels: ch, kernelSize: 3, padding: 1, generator })], null)]);
  const skipChannels = [ch];
  for (let level = 0; level < levels; level++) {
    for (let i = 0; i < c.numResBlocks; i++) {
      const { layers, attention } = resThenAttention(ch, level, c.numHeads);
      ch = width(c, level);
      inputBlocks.append(wrap(layers, attention));
      skipChannels.push(ch);
    }
    if (level < levels - 1) {
      inputBlocks.append(wrap([resample(ch, 'down')], null));
      skipChannels.push(ch);
    }
  }
  const middleAttention = { channels: ch, numHeads: c.numHeads };
  const middleBlock = wrap([resBlock(ch, ch), attentionBlock(middleAttention), resBlock(ch, ch)], middleAttention);
  return { inputBlocks, middleBlock, skipChannels, channels: ch };
}

/** The output blocks, each taking the matching input block's output as its skip. */
export function buildUpPath<B extends Module>(c: DownPathConfig & Pick<UNetConfig, 'numHeadsUpsample'>, down: DownPath<B>, wrap: WrapBlock<B>, generator: Generator): ModuleList<B> {
  const { resThenAttention, resample } = layerMakers(c, generator);
  const skipChannels = [...down.skipChannels];
  const numHeads = c.numHeadsUpsample ?? c.numHeads;
  let ch = down.channels;
  const outputBlocks = new ModuleList<B>();
  for (let level = c.channelMult.length - 1; level >= 0; level--) {
    for (let i = 0; i <= c.numResBlocks; i++) {
      const { layers, attention } = resThenAttention(ch + skipChannels.pop()!, level, numHeads);
      ch = width(c, level);
      if (level > 0 && i === c.numResBlocks) layers.push(resample(ch, 'up'));
      outputBlocks.append(wrap(layers, attention));
    }
  }
  return outputBlocks;
}

/** The layers of a UNet or VideoUNet, listed in the order the models declare them (their state-dict order). */
export interface UNetLayers<B extends Module> {
  timeEmbed: Sequential;
  labelEmb: Embedding | null;
  inputBlocks: ModuleList<B>;
  middleBlock: B;
  outputBlocks: ModuleList<B>;
  out: Sequential;
}

/** Every layer of the U-Net, in the reference's order, each block held by `wrap`. */
export function buildUNet<B extends Module>(c: UNetConfig, wrap: WrapBlock<B>, generator: Generator): UNetLayers<B> {
  const timeEmbed = timeEmbedMlp(c.modelChannels, generator);
  const labelEmb = c.numClasses === null ? null : new Embedding({ numEmbeddings: c.numClasses, embeddingDim: 4 * c.modelChannels, generator });
  const down = buildDownPath(c, wrap, generator);
  const outputBlocks = buildUpPath(c, down, wrap, generator);
  const out = new Sequential(
    new GroupNorm({ numGroups: c.numGroups, numChannels: width(c, 0) }),
    new SiLU(),
    zeroModule(new Conv2d({ inChannels: width(c, 0), outChannels: c.learnSigma ? 2 * c.outChannels : c.outChannels, kernelSize: 3, padding: 1, generator })),
  );
  return { timeEmbed, labelEmb, inputBlocks: down.inputBlocks, middleBlock: down.middleBlock, outputBlocks, out };
}
