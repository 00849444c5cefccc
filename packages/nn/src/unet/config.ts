/**
 * The U-Net's configuration: guided-diffusion's UNetModel arguments (guided_diffusion/unet.py and
 * script_util.create_model), typed and validated, instead of 23 positional parameters.
 */

export interface UNetConfig {
  /** Side of the (square) training images, in pixels. Used to place attention by resolution. */
  imageSize: number;
  /** Channels of the input x_t. */
  inChannels: number;
  /** Base width; level i has channelMult[i] · modelChannels channels, the time embedding 4 · modelChannels. */
  modelChannels: number;
  /**
   * Channels of the data the network predicts (ε, x₀ or v). With `learnSigma` the network outputs
   * twice as many (the mean part, then the variance interpolation v of Nichol & Dhariwal 2021, Eq. 15),
   * as guided-diffusion's create_model does (`out_channels = 3 if not learn_sigma else 6`).
   */
  outChannels: number;
  /** Residual blocks per level on the way down (the way up has one more per level). */
  numResBlocks: number;
  /**
   * Resolutions (pixels on a side, e.g. [16] for attention at 16×16) after whose residual blocks
   * an AttentionBlock sits, as the papers and guided-diffusion's command-line flags state them.
   * guided-diffusion's UNetModel takes downsample rates instead; rate = imageSize / resolution.
   * Each must be a resolution the U-Net visits: imageSize / 2^level.
   */
  attentionResolutions: readonly number[];
  /** Dropout probability inside the residual blocks. */
  dropout: number;
  /** Width multiplier per level (fractions allowed, as in guided-diffusion's 512-pixel model). */
  channelMult: readonly number[];
  /** Learned 3×3 convolutions in Upsample/Downsample (true) or plain resampling (false). */
  convResample: boolean;
  /** Class-conditional with this many classes (a label embedding added to the time embedding), or null. */
  numClasses: number | null;
  /** Attention heads (used unless numHeadChannels is set). */
  numHeads: number;
  /** Channels per attention head; overrides numHeads (ADM: 64). null: use numHeads. */
  numHeadChannels: number | null;
  /** Heads in the upsampling path's attention; null: numHeads. */
  numHeadsUpsample: number | null;
  /** Adaptive group norm in the residual blocks (ADM). */
  useScaleShiftNorm: boolean;
  /** BigGAN-style residual up/down-sampling blocks instead of Upsample/Downsample (ADM). */
  resblockUpdown: boolean;
  /** Head splitting of the attention: see AttentionBlock's `useNewAttentionOrder`. */
  useNewAttentionOrder: boolean;
  /** Output 2 · outChannels: mean and learned variance (iDDPM, ADM). */
  learnSigma: boolean;
  /** GroupNorm groups (guided-diffusion: 32; smaller widths need fewer). */
  numGroups: number;
}

/** What callers pass: everything above has a default except the shape of the network. */
export type UNetConfigInput = Partial<UNetConfig> & Pick<UNetConfig, 'imageSize' | 'modelChannels' | 'numResBlocks' | 'channelMult'>;

/** guided-diffusion's UNetModel defaults (where it has them) for the optional fields. */
export const unetDefaults = {
  inChannels: 3,
  outChannels: 3,
  attentionResolutions: [],
  dropout: 0,
  convResample: true,
  numClasses: null,
  numHeads: 1,
  numHeadChannels: null,
  numHeadsUpsample: null,
  useScaleShiftNorm: false,
  resblockUpdown: false,
  useNewAttentionOrder: false,
  learnSigma: false,
  numGroups: 32,
} as const satisfies Omit<UNetConfig, 'imageSize' | 'modelChannels' | 'numResBlocks' | 'channelMult'>;

export class UNetConfigError extends Error {
  override name = 'UNetConfigError';
}

const positiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;

/** Fill in the defaults and check the configuration, reporting every problem in one error. */
export function resolveUNetConfig(input: UNetConfigInput): UNetConfig {
  const c: UNetConfig = { ...unetDefaults, ...input };
  const problems: string[] = [];
  const levels = c.channelMult.length;
  for (const key of ['imageSize', 'inChannels', 'modelChannels', 'outChannels', 'numResBlocks', 'numHeads', 'numGroups'] as const) {
    if (!positiveInt(c[key])) problems.push(`${key} must be a positive integer, got ${c[key]}`);
  }
  if (levels === 0) problems.push('channelMult must have at least one level');
  const widths = c.channelMult.map((m) => Math.trunc(m * c.modelChannels));
  widths.forEach((w, i) => {
    if (w < 1 || w % c.numGroups !== 0) problems.push(`level ${i} has ${w} channels, not a positive multiple of numGroups ${c.numGroups}`);
  });
  const lowest = c.imageSize / 2 ** (levels - 1);
  if (levels > 0 && !Number.isInteger(lowest)) problems.push(`imageSize ${c.imageSize} cannot be halved ${levels - 1} times`);
  const visited = c.channelMult.map((_, i) => c.imageSize / 2 ** i);
  for (const r of c.attentionResolutions) {
    if (!visited.includes(r)) problems.push(`attention resolution ${r} is not one of the U-Net's resolutions [${visited}]`);
  }
  if (!(c.dropout >= 0 && c.dropout <= 1)) problems.push(`dropout must be in [0, 1], got ${c.dropout}`);
  if (c.numClasses !== null && !positiveInt(c.numClasses)) problems.push(`numClasses must be a positive integer or null, got ${c.numClasses}`);
  if (c.numHeadChannels !== null && !positiveInt(c.numHeadChannels)) problems.push(`numHeadChannels must be a positive integer or null, got ${c.numHeadChannels}`);
  if (c.numHeadsUpsample !== null && !positiveInt(c.numHeadsUpsample)) problems.push(`numHeadsUpsample must be a positive integer or null, got ${c.numHeadsUpsample}`);
  // Attention at the chosen resolutions, and always in the middle block (at the lowest resolution).
  for (const r of [...c.attentionResolutions, lowest]) {
    const w = widths[visited.indexOf(r)];
    if (w === undefined) continue;
    const heads = c.numHeadChannels !== null ? [w / c.numHeadChannels] : [c.numHeads, c.numHeadsUpsample ?? c.numHeads];
    if (heads.some((h) => !positiveInt(h) || w % h !== 0)) problems.push(`${w} channels at resolution ${r} cannot be split into the attention heads`);
  }
  if (problems.length > 0) throw new UNetConfigError(`UNetConfig: ${problems.join('; ')}`);
  return { ...c, attentionResolutions: [...c.attentionResolutions], channelMult: [...c.channelMult] };
}
