/** The networks the CLI trains, built from a run config and the shape of its data. */
import type { Generator, Tensor } from '@diffusion-ts/tensor';
import { MLP, UNet, presets, type Module } from '@diffusion-ts/nn';
import type { Dataset } from '../data/types.ts';
import { datasets } from '../data/registry.ts';
import { CliError } from '../errors.ts';
import type { RunConfig } from './config.ts';
import type { Network } from './objectives.ts';

export interface BuiltModel {
  module: Module;
  forward: Network;
}

/** Build the network named in `config` for data shaped like `sample` (one batch of the data set). */
export function buildModel(config: RunConfig, sample: Pick<Dataset, 'shape'>, learnsVariance: boolean, generator: Generator): BuiltModel {
  const kind = datasets[config.data].kind;
  const channels = sample.shape[1]!;
  const out = learnsVariance ? 2 * channels : channels;
  switch (config.model) {
    case 'mlp': {
      if (kind !== '2d') throw new CliError(`--model mlp is for 2-D data; '${config.data}' is ${kind} data (use --model unet)`);
      const mlp = new MLP({ dataDim: channels, hiddenDim: 128, numLayers: 3, timeEmbedDim: 32, learnSigma: learnsVariance, generator });
      return { module: mlp, forward: (x: Tensor, t: Tensor) => mlp.forward(x, t) };
    }
    case 'unet': {
      if (kind !== 'image' && kind !== 'binary') throw new CliError(`--model unet is for image data; '${config.data}' is ${kind} data`);
      const size = sample.shape[2]!;
      const base = size <= 16 ? presets.tiny16 : presets.tiny32;
      const unet = new UNet({ ...base, imageSize: size, inChannels: channels, outChannels: out, numClasses: config.cond ? config.numClasses + 1 : null }, { generator });
      return { module: unet, forward: (x, t, labels) => unet.forward(x, t, labels) };
    }
    case 'video-unet':
      throw new CliError(`--model video-unet: the space-time U-Net is not wired into the CLI yet`);
    default: {
      const never: never = config.model;
      throw new CliError(`unknown model ${String(never)}`);
    }
  }
}
