/**
 * Video U-Net configurations (Ho et al. 2022, Sec. 3). Parameter count (checked by
 * unet/video-unet.test.ts against a closed-form count): tinyVideo16 194,699 (177,427 in the
 * per-frame layers, the image preset tiny16's count; 17,272 in the temporal attention blocks).
 */
import { unetDefaults } from './config.ts';
import { videoUNetDefaults, type VideoUNetConfig } from './video-unet.ts';

/**
 * 8-frame 16×16 RGB clips (the moving-shapes data): the image preset tiny16 (2 levels of 16/32
 * channels, one residual block per level, 2-head spatial attention at 8×8) made space-time, with
 * temporal attention and a relative position bias after each spatial attention block. Trains on 2 CPU
 * cores in minutes.
 */
const tinyVideo16: VideoUNetConfig = {
  ...unetDefaults,
  ...videoUNetDefaults,
  imageSize: 16,
  numFrames: 8,
  modelChannels: 16,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [8],
  numHeads: 2,
  numGroups: 8,
};

/** tinyVideo16 for 32×32 clips (Moving MNIST): one more level (channels 16/32/32), attention still at 8×8. */
const tinyVideo32: VideoUNetConfig = { ...tinyVideo16, imageSize: 32, channelMult: [1, 2, 2] };

/** tinyVideo16 for 64×64 clips (Moving MNIST at its original size): levels 16/32/32/32, attention at 8×8. */
const tinyVideo64: VideoUNetConfig = { ...tinyVideo16, imageSize: 64, channelMult: [1, 2, 2, 2] };

/** Named video configurations; pass one to `new VideoUNet(videoPresets.tinyVideo16, { generator })`. */
export const videoPresets = { tinyVideo16, tinyVideo32, tinyVideo64 } as const satisfies Record<string, VideoUNetConfig>;
export type VideoPresetName = keyof typeof videoPresets;
