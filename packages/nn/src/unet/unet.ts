/**
 * The diffusion U-Net, mirroring guided-diffusion's UNetModel (guided_diffusion/unet.py), which
 * covers Ho et al. 2020 (DDPM), Nichol & Dhariwal 2021 (iDDPM: learned variance, more heads) and
 * Dhariwal & Nichol 2021 (ADM: scale-shift norm, BigGAN up/down blocks, heads of 64 channels,
 * attention at 32/16/8, class embedding).
 *
 * State-dict keys are guided-diffusion's with snake_case → camelCase per name component:
 * `time_embed.0.weight` → `timeEmbed.0.weight`, `input_blocks.1.0.in_layers.2.weight` →
 * `inputBlocks.1.0.inLayers.2.weight`, `middle_block.1.proj_out.bias` → `middleBlock.1.projOut.bias`,
 * `label_emb.weight` → `labelEmb.weight`; shapes are identical (the attention's qkv/proj_out
 * are Conv1d [C', C, 1] as there). So a PyTorch state dict of the same configuration loads after
 * renaming its keys, and the parameter count equals the reference's.
 */
import type { Generator, Tensor } from '@diffusion-ts/tensor';
import { cat, defaultGenerator } from '@diffusion-ts/tensor';
import { Module, type ModuleList, type Sequential } from '../module.ts';
import type { Embedding } from '../layers/embedding.ts';
import { timestepEmbedding } from '../layers/timestep-embedding.ts';
import type { TimestepEmbedSequential } from './blocks.ts';
import { buildUNet, timestepEmbedBlock } from './build-unet.ts';
import { resolveUNetConfig, type UNetConfig, type UNetConfigInput } from './config.ts';
import { checkImages, labelTensor, timestepTensor, type LabelsInput, type TimestepsInput } from './inputs.ts';

export interface UNetOptions {
  /** Draws the initial weights, and later the dropout masks; default the default generator (`manualSeed(n)`). */
  generator?: Generator;
}

export class UNet extends Module {
  readonly config: UNetConfig;
  /** Sinusoidal embedding → Linear → SiLU → Linear, width 4 · modelChannels. */
  timeEmbed: Sequential;
  /** Class embedding [numClasses, 4 · modelChannels], added to the time embedding. */
  labelEmb: Embedding | null;
  inputBlocks: ModuleList<TimestepEmbedSequential>;
  middleBlock: TimestepEmbedSequential;
  outputBlocks: ModuleList<TimestepEmbedSequential>;
  /** GroupNorm → SiLU → zero-initialised 3×3 conv. */
  out: Sequential;

  constructor(config: UNetConfigInput, { generator = defaultGenerator }: UNetOptions = {}) {
    super();
    const c = resolveUNetConfig(config);
    this.config = c;
    // guided-diffusion's layers, in its order (see build-unet.ts), each block a TimestepEmbedSequential.
    ({ timeEmbed: this.timeEmbed, labelEmb: this.labelEmb, inputBlocks: this.inputBlocks,
      middleBlock: this.middleBlock, outputBlocks: this.outputBlocks, out: this.out } = buildUNet(c, timestepEmbedBlock, generator));
  }

  /**
   * ε_θ(x_t, t) (or x₀/v, plus the variance output with learnSigma).
   * @param x noisy images [B, inChannels, H, W], float (any H, W divisible by 2^(levels−1))
   * @param t timesteps [B] (float, fractional allowed; int32 is converted), an array of B numbers, or one number
   * @param y class labels [B] (int32 tensor or integers), exactly when the model is class-conditional
   * @returns [B, outChannels (·2 with learnSigma), H, W]
   */
  forward(x: Tensor, t: TimestepsInput, y?: LabelsInput): Tensor {
    const c = this.config;
    checkImages('UNet', x, c.inChannels, c.channelMult.length, ['H', 'W']);
    const tFloat = timestepTensor('UNet', t, x.shape[0]!, x.dtype);
    const labels = labelTensor('UNet', y, x.shape[0]!, c.numClasses);
    let emb = this.timeEmbed.forward(timestepEmbedding(tFloat, c.modelChannels)); // [B, 4·mc]
    if (this.labelEmb !== null && labels !== undefined) emb = emb.add(this.labelEmb.forward(labels));

    const hs: Tensor[] = [];
    let h = x;
    for (const block of this.inputBlocks) {
      h = block.forward(h, emb);
      hs.push(h);
    }
    h = this.middleBlock.forward(h, emb);
    for (const block of this.outputBlocks) h = block.forward(cat([h, hs.pop()!], 1), emb);
    return this.out.forward(h);
  }

  override extraRepr(): string {
    const c = this.config;
    return `imageSize=${c.imageSize}, modelChannels=${c.modelChannels}, channelMult=[${c.channelMult}], numResBlocks=${c.numResBlocks}, attentionResolutions=[${c.attentionResolutions}]`;
  }
}
