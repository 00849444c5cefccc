/**
 * The noised-image classifier of Dhariwal & Nichol 2021 (ADM), Sec. 4.3: "our classifier architecture is
 * simply the downsampling trunk of the UNet model with an attention pool at the 8x8 layer to produce
 * the final output". This is guided-diffusion's `EncoderUNetModel` (guided_diffusion/unet.py): the
 * U-Net's input blocks and middle block, conditioned on the timestep like the U-Net, followed by a
 * pooling head that maps the lowest-resolution features to the logits of p_φ(y | x_t, t).
 *
 * State-dict keys are guided-diffusion's with snake_case → camelCase, as for the UNet:
 * `time_embed.0.weight` → `timeEmbed.0.weight`, `input_blocks.1.0.in_layers.2.weight` →
 * `inputBlocks.1.0.inLayers.2.weight`, `out.2.positional_embedding` → `out.2.positionalEmbedding`,
 * `out.2.qkv_proj.weight` → `out.2.qkvProj.weight`, `out.2.c_proj.weight` → `out.2.cProj.weight`.
 */
import type { Generator, Tensor } from '@diffusion-ts/tensor';
import { defaultGenerator } from '@diffusion-ts/tensor';
import { zeroModule } from '../init.ts';
import { Module, Sequential, type ModuleList } from '../module.ts';
import { Conv2d } from '../layers/conv2d.ts';
import { GroupNorm } from '../layers/group-norm.ts';
import { SiLU } from '../layers/silu.ts';
import { timestepEmbedding } from '../layers/timestep-embedding.ts';
import { AttentionPool2d } from './attention-pool-2d.ts';
import { checkImages, timestepTensor, type TimestepsInput } from './inputs.ts';
import type { TimestepEmbedSequential } from './blocks.ts';
import { buildDownPath, timeEmbedMlp, timestepEmbedBlock } from './build-unet.ts';
import { resolveUNetConfig, UNetConfigError, type UNetConfig } from './config.ts';

/**
 * The classifier head. 'adaptive' (EncoderUNetModel's default): GroupNorm → SiLU → global average
 * pool → zero-initialised 1×1 conv → flatten. 'attention' (the ADM classifiers, `--classifier_pool
 * attention`): GroupNorm → SiLU → AttentionPool2d. guided-diffusion's 'spatial' and 'spatial_v2' heads
 * (an MLP on the spatial means of every block's output) are not implemented.
 */
export type ClassifierPool = 'adaptive' | 'attention';

/** UNetConfig's fields that the encoder uses (`outChannels` is the number of logits), plus the head. */
export interface EncoderUNetConfig extends Omit<UNetConfig, 'numClasses' | 'learnSigma' | 'numHeadsUpsample'> {
  pool: ClassifierPool;
}

export type EncoderUNetConfigInput = Partial<EncoderUNetConfig> & Pick<EncoderUNetConfig, 'imageSize' | 'modelChannels' | 'numResBlocks' | 'channelMult' | 'outChannels'>;

/**
 * Fill in the defaults (the UNet's, and pool 'adaptive' as EncoderUNetModel) and check the
 * configuration, reporting every problem in one error.
 */
export function resolveEncoderUNetConfig(input: EncoderUNetConfigInput): EncoderUNetConfig {
  const { pool = 'adaptive', ...rest } = input;
  const problems: string[] = [];
  let base: UNetConfig | null = null;
  try {
    base = resolveUNetConfig({ ...rest, numClasses: null, learnSigma: false, numHeadsUpsample: null });
  } catch (e) {
    if (!(e instanceof UNetConfigError)) throw e;
    problems.push(e.message.replace(/^UNetConfig: /, ''));
  }
  if (pool !== 'adaptive' && pool !== 'attention') problems.push(`pool must be 'adaptive' or 'attention', got '${String(pool)}'`);
  if (pool === 'attention' && base !== null) {
    const width = Math.trunc(base.channelMult[base.channelMult.length - 1]! * base.modelChannels);
    const heads = base.numHeadChannels === null ? base.numHeads : width / base.numHeadChannels;
    if (!Number.isInteger(heads) || width % heads !== 0) problems.push(`the attention pool's ${width} channels cannot be split into the attention heads`);
  }
  if (problems.length > 0 || base === null) throw new UNetConfigError(`EncoderUNetConfig: ${problems.join('; ')}`);
  const { numClasses: _n, learnSigma: _l, numHeadsUpsample: _h, ...encoder } = base;
  return { ...encoder, pool };
}

/** x [B, C, H, W] → [B, C, 1, 1]: torch.nn.AdaptiveAvgPool2d((1, 1)), the mean over all positions. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new RangeError(`GlobalAvgPool2d: expects [B, C, H, W], got [${x.shape}]`);
    return x.mean([2, 3], true);
  }
}

/** x [B, C, 1, …] → [B, C·…]: torch.nn.Flatten (start_dim 1). */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return x.flatten(1);
  }
}

export interface EncoderUNetOptions {
  /** Draws the initial weights, and later the dropout masks; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

/**
 * guided-diffusion's EncoderUNetModel: timestep embedding, the UNet's input blocks (conv, then per
 * level numResBlocks × (ResBlock [+ attention]) and a downsampler), the middle block (ResBlock,
 * attention, ResBlock), and the pooling head `out`. With pool 'attention' the input must be
 * imageSize × imageSize (the positional embedding is sized for the lowest resolution); with
 * 'adaptive' any size divisible by 2^(levels−1) works.
 */
export class EncoderUNet extends Module {
  readonly config: EncoderUNetConfig;
  timeEmbed: Sequential;
  inputBlocks: ModuleList<TimestepEmbedSequential>;
  middleBlock: TimestepEmbedSequential;
  out: Sequential;

  constructor(config: EncoderUNetConfigInput, { generator = defaultGenerator }: EncoderUNetOptions = {}) {
    super();
    const c = resolveEncoderUNetConfig(config);
    this.config = c;
    const g = c.numGroups;
    this.timeEmbed = timeEmbedMlp(c.modelChannels, generator);
    // The UNet's down path (see build-unet.ts), each block a TimestepEmbedSequential.
    const { inputBlocks, middleBlock, channels: ch } = buildDownPath(c, timestepEmbedBlock, generator);
    this.inputBlocks = inputBlocks;
    this.middleBlock = middleBlock;
    const lowest = c.imageSize / 2 ** (c.channelMult.length - 1); // the resolution the head sees

    const pool = c.pool;
    switch (pool) {
      case 'adaptive':
        this.out = new Sequential(
          new GroupNorm({ numGroups: g, numChannels: ch }),
          new SiLU(),
          new GlobalAvgPool2d(),
          zeroModule(new Conv2d({ inChannels: ch, outChannels: c.outChannels, kernelSize: 1, generator })),
          new Flatten(),
        );
        break;
      case 'attention':
        this.out = new Sequential(
          new GroupNorm({ numGroups: g, numChannels: ch }),
          new SiLU(),
          new AttentionPool2d({ spatialDim: lowest, embedDim: ch, numHeadChannels: c.numHeadChannels ?? ch / c.numHeads, outputDim: c.outChannels, generator }),
        );
        break;
      default: {
        const never: never = pool;
        throw new UNetConfigError(`EncoderUNet: unknown pool '${String(never)}'`);
      }
    }
  }

  /**
   * Logits of p_φ(y | x_t, t).
   * @param x noisy images [B, inChannels, H, W]
   * @param t timesteps [B] (float, fractional allowed; int32 is converted), as the model sees them
   * @returns [B, outChannels]
   */
  forward(x: Tensor, t: TimestepsInput): Tensor {
    const c = this.config;
    checkImages('EncoderUNet', x, c.inChannels, c.channelMult.length, ['H', 'W']);
    const tFloat = timestepTensor('EncoderUNet', t, x.shape[0]!, x.dtype);
    const emb = this.timeEmbed.forward(timestepEmbedding(tFloat, c.modelChannels)); // [B, 4·mc]
    let h = x;
    for (const block of this.inputBlocks) h = block.forward(h, emb);
    h = this.middleBlock.forward(h, emb);
    return this.out.forward(h);
  }

  override extraRepr(): string {
    const c = this.config;
    return `imageSize=${c.imageSize}, modelChannels=${c.modelChannels}, channelMult=[${c.channelMult}], numResBlocks=${c.numResBlocks}, attentionResolutions=[${c.attentionResolutions}], pool=${c.pool}, outChannels=${c.outChannels}`;
  }
}
