/**
 * A shipped model brought to life in the page: the network its run config names, built exactly as
 * the CLI builds it (packages/cli/src/run/models.ts: the same constructors and options), loaded with
 * the checkpoint's weights, and wrapped in EDM's preconditioning into a denoiser D(x; σ).
 */
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { MLP, UNet, decodeCheckpoint, presets, type Module } from '@diffusion-ts/nn';
import { classifierFree, edmPrecond, karrasSigmas, type Denoiser } from '@diffusion-ts/diffusion';
import type { ModelCard } from './model-card.ts';

export interface LoadedModel {
  readonly card: ModelCard;
  readonly module: Module;
  /** D(x; σ) for class `label` (conditional models) with classifier-free guidance `scale`. */
  denoiser(options: { n: number; label?: number; scale?: number }): Denoiser;
  /** EDM's σ schedule of `steps` steps (Eq. 5 of Karras et al. 2022), ending in 0. */
  sigmas(steps: number): number[];
  /** σ_data: 1 for the unit-scaled 2-D toys, 0.5 for images in [−1, 1] (the CLI's choice). */
  readonly sigmaData: number;
  /** The shape of one sample ([2] or [C, H, W]). */
  readonly sampleShape: number[];
}

type Network = (x: Tensor, cNoise: Tensor, labels?: Tensor) => Tensor;

function buildNetwork(card: ModelCard): { module: Module; forward: Network } {
  const [, channels, size] = card.examples.shape as [number, number, number?];
  const g = new Generator(0); // overwritten by the weights
  switch (card.config.model) {
    case 'mlp': {
      const mlp = new MLP({ dataDim: channels, hiddenDim: 128, numLayers: 3, timeEmbedDim: 32, learnSigma: false, generator: g });
      return { module: mlp, forward: (x, t) => mlp.forward(x, t) };
    }
    case 'unet': {
      const base = size! <= 16 ? presets.tiny16 : presets.tiny32;
      const classes = card.config.cond ? card.config.numClasses + 1 : null;
      const unet = new UNet({ ...base, imageSize: size!, inChannels: channels, outChannels: channels, learnSigma: false, numClasses: classes }, { generator: g });
      return { module: unet, forward: (x, t, labels) => unet.forward(x, t, labels) };
    }
    default:
      throw new Error(`the playground has no ${card.config.model} network`);
  }
}

/** Build the model of `card` with the weights in `bytes` (a diffusion-ts checkpoint). */
export function loadModel(card: ModelCard, bytes: Uint8Array): LoadedModel {
  if (card.config.objective !== 'edm') throw new Error(`${card.name}: the playground samples EDM models; this one was trained with ${card.config.objective}`);
  const { module, forward } = buildNetwork(card);
  module.loadStateDict(decodeCheckpoint(bytes, card.name).model);
  module.eval();
  const sigmaData = card.examples.shape.length === 2 ? 1 : 0.5;
  const D = edmPrecond(forward, { sigmaData });
  const labelsOf = (n: number, k: number): Tensor => tensor(new Int32Array(n).fill(k), { dtype: 'int32' });
  return {
    card, module, sigmaData,
    sampleShape: card.examples.shape.slice(1),
    denoiser({ n, label = 0, scale = 1 }) {
      if (!card.config.cond) return (x, sigma) => D(x, sigma);
      const cond: Denoiser = (x, sigma) => D(x, sigma, labelsOf(n, label));
      // The null class (index numClasses) is the unconditional model of classifier-free guidance.
      const uncond: Denoiser = (x, sigma) => D(x, sigma, labelsOf(n, card.config.numClasses));
      return scale === 1 ? cond : classifierFree(cond, uncond, scale);
    },
    // σ_max = 80 for images with σ_data = 0.5, scaled with σ_data for the toys (as the CLI's objective).
    sigmas: (steps) => [...karrasSigmas(steps, { sigmaMax: (80 * sigmaData) / 0.5, sigmaMin: 0.002 })],
  };
}
