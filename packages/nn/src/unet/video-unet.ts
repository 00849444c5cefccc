/**
 * The space-time factorized U-Net of Ho et al. 2022 ("Video Diffusion Models", arXiv:2204.03458,
 * Sec. 3 and Fig. 1): the image U-Net of guided-diffusion with every 2-D layer applied to each frame
 * on its own, plus attention across frames after each spatial attention block.
 *
 * Layout: the network runs on [B·F, C, H, W], frames folded into the batch (frame f of clip b at row
 * b·F + f). In that layout each 3×3 convolution *is* the paper's "space-only 3D convolution" (1×3×3),
 * each ResBlock, GroupNorm, Downsample/Upsample and spatial AttentionBlock acts per frame, and the
 * timestep (and class) embedding of clip b is repeated over its F frames. A TemporalAttentionBlock
 * after each spatial AttentionBlock folds H·W into the batch instead and attends over the F frames.
 *
 * State dict: the image UNet's keys, unchanged (`inputBlocks.3.1.qkv.weight`, …), plus each temporal
 * block under the container that holds its spatial attention: `inputBlocks.3.temporal.qkv.weight`,
 * `middleBlock.temporal.relativePositionBias`, …. So an image UNet's state dict loads into a VideoUNet
 * of the same configuration with `loadStateDict(dict, { strict: false })` (only the temporal keys are
 * missing), and since each temporal block starts as the identity (zero proj_out), the video model then
 * starts as the image model applied frame by frame.
 */
import type { Generator, Tensor } from '@diffusion-ts/tensor';
import { cat, defaultGenerator, tensor } from '@diffusion-ts/tensor';
import { Module, ModuleList, type Sequential, type UnaryModule } from '../module.ts';
import { AttentionBlock } from '../layers/attention-block.ts';
import type { Embedding } from '../layers/embedding.ts';
import { timestepEmbedding } from '../layers/timestep-embedding.ts';
import { TimestepBlock } from './blocks.ts';
import { buildUNet, type BlockAttention, type WrapBlock } from './build-unet.ts';
import { resolveUNetConfig, UNetConfigError, type UNetConfig, type UNetConfigInput } from './config.ts';
import { TemporalAttentionBlock } from './temporal-attention.ts';
import { checkImages, labelTensor, timestepTensor, type LabelsInput, type TimestepsInput } from './inputs.ts';

export interface VideoUNetConfig extends UNetConfig {
  /**
   * Frames per clip the model is built for. It sets the reach of the relative position bias (frame
   * offsets are clipped to ±(numFrames − 1)); clips of other lengths are accepted.
   */
  numFrames: number;
  /**
   * A TemporalAttentionBlock after each spatial attention block (Ho et al. 2022, Sec. 3). false: no
   * layer mixes frames, and the network is the image UNet applied to each frame.
   */
  temporalAttention: boolean;
  /** A learned relative position bias in the temporal attention (see TemporalAttentionBlock); false: none. */
  relativePositionBias: boolean;
}

/** What callers pass: a UNet configuration plus the number of frames. */
export type VideoUNetConfigInput = UNetConfigInput & Pick<VideoUNetConfig, 'numFrames'> & Partial<Pick<VideoUNetConfig, 'temporalAttention' | 'relativePositionBias'>>;

export const videoUNetDefaults = { temporalAttention: true, relativePositionBias: true } as const;

/** Fill in the defaults and check the configuration (the UNet's checks, plus numFrames), reporting every problem in one error. */
export function resolveVideoUNetConfig(input: VideoUNetConfigInput): VideoUNetConfig {
  const { numFrames, temporalAttention = videoUNetDefaults.temporalAttention, relativePositionBias = videoUNetDefaults.relativePositionBias, ...image } = input;
  const problems: string[] = [];
  let base: UNetConfig | null = null;
  try {
    base = resolveUNetConfig(image);
  } catch (e) {
    if (!(e instanceof UNetConfigError)) throw e;
    problems.push(e.message.replace(/^UNetConfig: /, ''));
  }
  if (!(Number.isInteger(numFrames) && numFrames >= 1)) problems.push(`numFrames must be a positive integer, got ${numFrames}`);
  if (problems.length > 0 || base === null) throw new UNetConfigError(`VideoUNetConfig: ${problems.join('; ')}`);
  return { ...base, numFrames, temporalAttention, relativePositionBias };
}

/** How the B·F rows of the folded batch form clips: F frames each, and which frames may attend to which. */
export interface FrameLayout {
  frames: number;
  /** [F, F] keep-mask of the temporal attention (1 = attend), or null for full attention across frames. */
  keep: Tensor | null;
}

/**
 * A TimestepEmbedSequential for folded video batches: its modules run per frame, and its `temporal`
 * block (if any) runs right after its spatial AttentionBlock. Children keep the image U-Net's indices.
 */
export class SpaceTimeSequential extends ModuleList<TimestepBlock | UnaryModule> {
  temporal: TemporalAttentionBlock | null;

  constructor(modules: readonly (TimestepBlock | UnaryModule)[], temporal: TemporalAttentionBlock | null = null) {
    super(modules);
    if (temporal !== null && !modules.some((m) => m instanceof AttentionBlock)) {
      throw new RangeError('SpaceTimeSequential: a temporal attention block needs a spatial AttentionBlock to follow');
    }
    this.temporal = temporal;
  }

  /** x: [B·F, C, H, W], emb: [B·F, E] */
  forward(x: Tensor, emb: Tensor, layout: FrameLayout): Tensor {
    for (const m of this) {
      x = m instanceof TimestepBlock ? m.forward(x, emb) : m.forward(x);
      if (m instanceof AttentionBlock && this.temporal !== null) x = this.temporal.forward(x, layout.frames, layout.keep);
    }
    return x;
  }
}

export interface VideoUNetOptions {
  /** Draws the initial weights, and later the dropout masks; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

export interface VideoForwardOptions {
  /**
   * The last `imageFrames` frames of every clip are independent images, not video: the temporal
   * attention lets each of them attend only to itself, and the video frames only to one another.
   * This is the paper's joint training on video and images (Ho et al. 2022, Sec. 3: "we concatenate
   * random independent image frames to the end of each video ... and we mask the attention in the
   * temporal attention blocks to prevent mixing information across video frames and each individual
   * image frame"). imageFrames = F makes every frame independent. Default 0.
   */
  imageFrames?: number;
}

export class VideoUNet extends Module {
  readonly config: VideoUNetConfig;
  /** Sinusoidal embedding → Linear → SiLU → Linear, width 4 · modelChannels (as the image UNet). */
  timeEmbed: Sequential;
  labelEmb: Embedding | null;
  inputBlocks: ModuleList<SpaceTimeSequential>;
  middleBlock: SpaceTimeSequential;
  outputBlocks: ModuleList<SpaceTimeSequential>;
  out: Sequential;

  constructor(config: VideoUNetConfigInput, { generator = defaultGenerator }: VideoUNetOptions = {}) {
    super();
    const c = resolveVideoUNetConfig(config);
    this.config = c;
    const temporal = ({ channels, numHeads }: BlockAttention): TemporalAttentionBlock =>
      new TemporalAttentionBlock({ channels, numHeads, numHeadChannels: c.numHeadChannels, useNewAttentionOrder: c.useNewAttentionOrder, numGroups: c.numGroups,
        maxRelativeDistance: c.relativePositionBias ? c.numFrames - 1 : null, generator });
    // A block; with spatial attention it also gets the temporal attention that follows it (same width and heads).
    const spaceTimeBlock: WrapBlock<SpaceTimeSequential> = (layers, attention) =>
      new SpaceTimeSequential(layers, attention !== null && c.temporalAttention ? temporal(attention) : null);
    // The image UNet's layers, in its order (see build-unet.ts), each block a SpaceTimeSequential.
    ({ timeEmbed: this.timeEmbed, labelEmb: this.labelEmb, inputBlocks: this.inputBlocks,
      middleBlock: this.middleBlock, outputBlocks: this.outputBlocks, out: this.out } = buildUNet(c, spaceTimeBlock, generator));
  }

  /**
   * ε_θ(z_t, t) for a batch of clips (or x₀/v, plus the variance output with learnSigma).
   * @param x noisy clips [B, inChannels, F, H, W] (channels, then frames, as Ho et al. 2022 lay out a video;
   *   any F ≥ 1, any H and W divisible by 2^(levels−1))
   * @param t timesteps [B], one per clip (float; int32 is converted)
   * @param y int32 class labels [B], exactly when the model is class-conditional
   * @returns [B, outChannels (·2 with learnSigma), F, H, W]
   */
  forward(x: Tensor, t: TimestepsInput, y?: LabelsInput, { imageFrames = 0 }: VideoForwardOptions = {}): Tensor {
    const c = this.config;
    checkImages('VideoUNet', x, c.inChannels, c.channelMult.length, ['F', 'H', 'W']);
    const [b, channels, frames, height, width] = x.shape as [number, number, number, number, number];
    const tFloat = timestepTensor('VideoUNet', t, b, x.dtype);
    const labels = labelTensor('VideoUNet', y, b, c.numClasses);
    if (!(Number.isInteger(imageFrames) && imageFrames >= 0 && imageFrames <= frames)) {
      throw new RangeError(`VideoUNet: imageFrames must be an integer in [0, ${frames}], got ${imageFrames}`);
    }
    let emb = this.timeEmbed.forward(timestepEmbedding(tFloat, c.modelChannels)); // [B, E]
    if (this.labelEmb !== null && labels !== undefined) emb = emb.add(this.labelEmb.forward(labels));
    const embDim = emb.shape[1]!;
    emb = emb.unsqueeze(1).expand(b, frames, embDim).reshape(b * frames, embDim);  // [B·F, E]: each clip's, per frame
    const layout: FrameLayout = { frames, keep: imageFrames === 0 ? null : jointTrainingMask(frames, imageFrames, x) };

    const hs: Tensor[] = [];
    let h = x.permute(0, 2, 1, 3, 4).reshape(b * frames, channels, height, width); // [B·F, C, H, W]
    for (const blk of this.inputBlocks) {
      h = blk.forward(h, emb, layout);
      hs.push(h);
    }
    h = this.middleBlock.forward(h, emb, layout);
    for (const blk of this.outputBlocks) h = blk.forward(cat([h, hs.pop()!], 1), emb, layout);
    h = this.out.forward(h);                                                         // [B·F, out, H, W]
    return h.reshape(b, frames, h.shape[1]!, height, width).permute(0, 2, 1, 3, 4);  // [B, out, F, H, W]
  }

  override extraRepr(): string {
    const c = this.config;
    return `imageSize=${c.imageSize}, numFrames=${c.numFrames}, modelChannels=${c.modelChannels}, channelMult=[${c.channelMult}], numResBlocks=${c.numResBlocks}, `
      + `attentionResolutions=[${c.attentionResolutions}], temporalAttention=${c.temporalAttention}, relativePositionBias=${c.relativePositionBias}`;
  }
}

/**
 * The keep-mask [F, F] of joint video-image training: the first F − k frames (the video) attend to one
 * another; each of the last k (independent images) attends only to itself.
 */
export function jointTrainingMask(frames: number, imageFrames: number, like?: Tensor): Tensor {
  const video = frames - imageFrames;
  const keep = new Float64Array(frames * frames);
  for (let i = 0; i < frames; i++) for (let j = 0; j < frames; j++) keep[i * frames + j] = i === j || (i < video && j < video) ? 1 : 0;
  const m = tensor(keep, { shape: [frames, frames], dtype: like?.dtype ?? 'float32' });
  return like === undefined ? m : m.to(like.backend);
}
