/**
 * The papers' U-Net configurations, and tiny ones that train on a laptop CPU. Parameter counts
 * (checked by unet/presets.test.ts against a closed-form count written apart from the modules):
 * ddpmCifar10 35,746,307 · iddpmCifar10 52,546,438 · admImageNet64 295,904,454.
 *
 * Every flag of the three paper presets was checked (2026-12) against its reference script, flag by
 * flag: for DDPM, diffusion_tf's `scripts/run_cifar.py` and `models/unet.py` (ch 128, ch_mult
 * (1, 2, 2, 2), num_res_blocks 2, attn_resolutions (16,), dropout 0.1, resamp_with_conv True, one
 * head, no scale-shift, no class embedding); for iDDPM, improved-diffusion's
 * `script_util.model_and_diffusion_defaults` and `create_model` under the README's CIFAR-10 flags
 * (below); for ADM, guided-diffusion's `script_util` under the README's ImageNet-64 flags (below).
 * Flags not named in a reference's command line take that script's default, and the defaults of
 * `unetDefaults` are guided-diffusion's UNetModel's: conv_resample True, num_heads_upsample −1 (= numHeads),
 * use_new_attention_order False (improved-diffusion has only the legacy order), in/out channels 3.
 */
import type { UNetConfig } from './config.ts';
import { unetDefaults } from './config.ts';

/**
 * Ho et al. 2020, Appendix B (CIFAR-10): 128 channels, multipliers [1, 2, 2, 2], 2 residual blocks
 * per level, single-head attention at 16×16, dropout 0.1: 35.7M parameters (35,746,307 in the
 * official diffusion_tf code). guided-diffusion's UNetModel with this configuration has exactly the
 * same parameters (its time MLP, ResBlocks, qkv+proj_out and skips match Ho's dense0/dense1,
 * resnet_block, q/k/v/proj_out and nin_shortcut one for one). Two numerical details of Ho's code
 * are not reproduced: its timestep embedding orders [sin, cos] with half − 1 in the denominator,
 * and its strided downsampling pads 'SAME' (bottom/right) instead of 1 all round.
 */
const ddpmCifar10: UNetConfig = {
  ...unetDefaults,
  imageSize: 32,
  modelChannels: 128,
  channelMult: [1, 2, 2, 2],
  numResBlocks: 2,
  attentionResolutions: [16],
  dropout: 0.1,
};

/**
 * Nichol & Dhariwal 2021 (improved-diffusion README, CIFAR-10): `--image_size 32 --num_channels 128
 * --num_res_blocks 3 --learn_sigma True --dropout 0.3`, with improved-diffusion's
 * `model_and_diffusion_defaults` for the rest: attention_resolutions "16,8", num_heads 4,
 * num_heads_upsample −1, use_scale_shift_norm True, and `create_model`'s channel_mult (1, 2, 2, 2)
 * for 32×32. 52,546,438 parameters (without scale-shift norm it would be 49,066,246).
 */
const iddpmCifar10: UNetConfig = {
  ...unetDefaults,
  imageSize: 32,
  modelChannels: 128,
  channelMult: [1, 2, 2, 2],
  numResBlocks: 3,
  attentionResolutions: [16, 8],
  dropout: 0.3,
  numHeads: 4,
  useScaleShiftNorm: true,
  learnSigma: true,
};

/**
 * Dhariwal & Nichol 2021 (guided-diffusion README, ImageNet 64×64 class-conditional):
 * `--attention_resolutions 32,16,8 --class_cond True --dropout 0.1 --image_size 64 --learn_sigma True
 * --num_channels 192 --num_head_channels 64 --num_res_blocks 3 --resblock_updown True
 * --use_new_attention_order True --use_scale_shift_norm True`, channel_mult (1, 2, 3, 4).
 * 295,904,454 parameters (the paper's Table: 296M). Flags not on that command line take
 * guided-diffusion's defaults: num_heads 4 (unused: num_head_channels 64 sets the heads),
 * num_heads_upsample −1, conv_resample True.
 */
const admImageNet64: UNetConfig = {
  ...unetDefaults,
  imageSize: 64,
  modelChannels: 192,
  channelMult: [1, 2, 3, 4],
  numResBlocks: 3,
  attentionResolutions: [32, 16, 8],
  dropout: 0.1,
  numClasses: 1000,
  numHeadChannels: 64,
  useScaleShiftNorm: true,
  resblockUpdown: true,
  useNewAttentionOrder: true,
  learnSigma: true,
};

/** 16×16, 3 channels, 2 levels of 16/32 channels, attention at 8×8: trains on 2 CPU cores in minutes. */
const tiny16: UNetConfig = {
  ...unetDefaults,
  imageSize: 16,
  modelChannels: 16,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [8],
  numHeads: 2,
  numGroups: 8,
};

/** 32×32, 3 channels, 3 levels of 16/32/32 channels, attention at 8×8, scale-shift norm. */
const tiny32: UNetConfig = {
  ...unetDefaults,
  imageSize: 32,
  modelChannels: 16,
  channelMult: [1, 2, 2],
  numResBlocks: 1,
  attentionResolutions: [8],
  numHeads: 2,
  numGroups: 8,
  useScaleShiftNorm: true,
};

/** Named configurations; pass one to `new UNet(presets.ddpmCifar10, { generator })`. */
export const presets = { ddpmCifar10, iddpmCifar10, admImageNet64, tiny16, tiny32 } as const satisfies Record<string, UNetConfig>;
export type PresetName = keyof typeof presets;
