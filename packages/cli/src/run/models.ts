/** The networks the CLI trains, built from a run config and the shape of its data. */
import type { Generator, Tensor } from '@diffusion-ts/tensor';
import { classifierPresets, ConvClassifier, EncoderUNet, MLP, UNet, VideoUNet, mnist16Classifier, presets, videoPresets, type Module } from '@diffusion-ts/nn';
import type { Dataset } from '../data/types.ts';
import { CliError } from '../errors.ts';
import type { RunConfig } from './config.ts';
import type { Network } from './objectives.ts';

export interface BuiltModel {
  module: Module;
  /** The denoising network, or for a classifier (x, t) → logits [B, K] (the clean-image classifier ignores t). */
  forward: Network;
  /** A classifier's penultimate activations [B, F] (the clean-image classifier only). */
  features?: (x: Tensor) => Tensor;
  /** The network as the training loss calls it, when that differs from `forward` (joint image/video training). */
  trainForward?: Network;
}

/** Build the network named in `config` (checked by `configProblems`) for data shaped like `sample` (one batch of the data set). */
export function buildModel(config: RunConfig, sample: Pick<Dataset, 'shape'>, learnsVariance: boolean, generator: Generator): BuiltModel {
  const channels = sample.shape[1]!;
  const classes = config.cond ? config.numClasses + 1 : null; // + the null class of classifier-free guidance
  switch (config.model) {
    case 'mlp': {
      const mlp = new MLP({ dataDim: channels, hiddenDim: 128, numLayers: 3, timeEmbedDim: 32, learnSigma: learnsVariance, generator });
      return { module: mlp, forward: (x: Tensor, t: Tensor) => mlp.forward(x, t) };
    }
    case 'unet': {
      const size = sample.shape[2]!;
      const base = size <= 16 ? presets.tiny16 : presets.tiny32;
      const unet = new UNet({ ...base, imageSize: size, inChannels: channels, outChannels: channels, learnSigma: learnsVariance, numClasses: classes }, { generator });
      return { module: unet, forward: (x, t, labels) => unet.forward(x, t, labels) };
    }
    case 'video-unet': {
      const [, , frames, size] = sample.shape as [number, number, number, number];
      const base = size <= 16 ? videoPresets.tinyVideo16 : size <= 32 ? videoPresets.tinyVideo32 : videoPresets.tinyVideo64;
      const net = new VideoUNet({ ...base, imageSize: size, numFrames: frames, inChannels: channels, outChannels: channels, learnSigma: learnsVariance, numClasses: classes }, { generator });
      const imageFrames = config.imageFrames;
      return {
        module: net, forward: (x, t, labels) => net.forward(x, t, labels),
        ...(imageFrames > 0 ? { trainForward: (x: Tensor, t: Tensor, labels?: Tensor) => net.forward(x, t, labels, { imageFrames }) } : {}),
      };
    }
    case 'classifier': {
      const [, , size] = sample.shape as [number, number, number, number];
      const net = new ConvClassifier({ ...mnist16Classifier, inChannels: channels, imageSize: size, numClasses: config.numClasses }, { generator });
      return { module: net, forward: (x) => net.forward(x), features: (x) => net.features(x) };
    }
    case 'noised-classifier': {
      const size = sample.shape[2]!;
      // tiny16's two levels; a 32×32 input gets a third level, so the attention pool still sits at 8×8.
      const base = classifierPresets.tiny16;
      const channelMult = size <= 16 ? base.channelMult : [...base.channelMult, 2];
      const net = new EncoderUNet({ ...base, channelMult, imageSize: size, inChannels: channels, outChannels: config.numClasses }, { generator });
      return { module: net, forward: (x, t) => net.forward(x, t) };
    }
    default: {
      const never: never = config.model;
      throw new CliError(`unknown model ${String(never)}`);
    }
  }
}
