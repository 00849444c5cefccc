/**
 * Noised-image classifier configurations (EncoderUNet). Parameter counts (checked by
 * unet/encoder-unet.test.ts against a closed-form count): admImageNet64 65,438,568 · tiny16 97,540.
 */
import { unetDefaults } from './config.ts';
import type { EncoderUNetConfig } from './encoder-unet.ts';

const { numClasses: _n, learnSigma: _l, numHeadsUpsample: _h, ...encoderDefaults } = unetDefaults;

/**
 * The ImageNet 64×64 classifier of Dhariwal & Nichol 2021 (guided-diffusion README, 64×64 classifier
 * guidance: `--classifier_depth 4` with script_util's classifier_defaults: width 128, attention at
 * 32,16,8, scale-shift norm, BigGAN down-sampling blocks, attention pool; create_classifier adds
 * channel_mult (1, 2, 3, 4) for 64×64, 64 channels per head and 1000 classes). The attention pool sits
 * on the 8×8 features.
 */
const admImageNet64: EncoderUNetConfig = {
  ...encoderDefaults,
  imageSize: 64,
  outChannels: 1000,
  modelChannels: 128,
  channelMult: [1, 2, 3, 4],
  numResBlocks: 4,
  attentionResolutions: [32, 16, 8],
  numHeadChannels: 64,
  useScaleShiftNorm: true,
  resblockUpdown: true,
  pool: 'attention',
};

/**
 * 16×16 RGB images of 4 classes (the procedural shapes data): 2 levels of 16/32 channels, one residual
 * block per level, attention (2 heads of 16 channels) and the attention pool at 8×8, with ADM's
 * scale-shift norm and residual down-sampling. Trains on 2 CPU cores in minutes.
 */
const tiny16: EncoderUNetConfig = {
  ...encoderDefaults,
  imageSize: 16,
  outChannels: 4,
  modelChannels: 16,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [8],
  numHeadChannels: 16,
  numGroups: 8,
  useScaleShiftNorm: true,
  resblockUpdown: true,
  pool: 'attention',
};

/** Named classifier configurations; pass one to `new EncoderUNet(classifierPresets.tiny16, { generator })`. */
export const classifierPresets = { admImageNet64, tiny16 } as const satisfies Record<string, EncoderUNetConfig>;
export type ClassifierPresetName = keyof typeof classifierPresets;
