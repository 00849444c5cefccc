/**
 * The three training objectives of the CLI, each turning a network into a loss and a denoiser:
 * - ddpm: ε-prediction with L_simple on the linear schedule (Ho et al. 2020, Eq. 14);
 * - iddpm: cosine schedule, learned-range variance and L_hybrid (Nichol & Dhariwal 2021, Eqs. 15–17);
 * - edm: EDM preconditioning and loss (Karras et al. 2022, Table 1).
 * This file is where the CLI's names meet the library's functions.
 */
import { tensor, type Generator, type Tensor } from '@diffusion-ts/tensor';
import {
  cosineBetas, discreteDenoiser, discreteSigmaSchedule, edmLoss, edmPrecond, GaussianDiffusion, karrasSigmas, linearBetas,
  randnFrom, trainingLosses, type Denoiser, type DiffusionModel,
} from '@diffusion-ts/diffusion';

export const objectiveNames = ['ddpm', 'iddpm', 'edm'] as const;
export type ObjectiveName = (typeof objectiveNames)[number];

/** What every model the CLI trains looks like: x, a noise conditioning per sample, optional labels. */
export type Network = (x: Tensor, t: Tensor, labels?: Tensor) => Tensor;

export interface Objective {
  readonly name: ObjectiveName;
  /** Whether the network outputs twice the data's channels (a learned variance). */
  readonly learnsVariance: boolean;
  /** The discrete process, for the ddpm/ddim/iddpm samplers (absent for edm). */
  readonly diffusion?: GaussianDiffusion;
  /** The mean training loss of a batch; every random draw (t or σ, then ε) comes from `g`. */
  loss(net: Network, x0: Tensor, g: Generator, labels?: Tensor): Tensor;
  /** D(x; σ) of the network, for the sigma-space samplers. */
  denoiser(net: Network, labels?: Tensor): Denoiser;
  /** The default σ schedule of `steps` steps (length steps + 1, ending in 0). */
  sigmas(steps: number): number[];
}

export interface ObjectiveOptions {
  /** The data's standard deviation (EDM's σ_data): 0.5 for images in [−1, 1], 1 for the unit-scaled 2-D toys. */
  sigmaData: number;
  /** Diffusion steps of the discrete objectives. */
  numTimesteps?: number;
  /** Whether x₀ predictions may be clipped to [−1, 1] (images). */
  clipDenoised?: boolean;
}

/** Uniform timesteps, one per sample. */
const uniformTimesteps = (g: Generator, batch: number, T: number): Int32Array => Int32Array.from({ length: batch }, () => g.integer(0, T));

function discreteObjective(name: 'ddpm' | 'iddpm', diffusion: GaussianDiffusion, clipDenoised: boolean, sigmaMax: number): Objective {
  const model = (net: Network): DiffusionModel<Tensor | undefined> => (x, t, labels) => net(x, t, labels);
  return {
    name, diffusion, learnsVariance: diffusion.learnsVariance,
    loss(net, x0, g, labels) {
      const t = uniformTimesteps(g, x0.shape[0]!, diffusion.numTimesteps);
      return trainingLosses(diffusion, model(net), x0, t, { noise: randnFrom(g, x0.shape, x0.dtype), modelKwargs: labels }).loss.mean();
    },
    denoiser: (net, labels) => discreteDenoiser(diffusion, model(net), { modelKwargs: labels, clipDenoised }),
    // The grid's levels up to the σ_max of the EDM runs (EDM's iDDPM discretisation, Table 1, j₀ = 8).
    sigmas: (steps) => discreteSigmaSchedule(diffusion, steps, { sigmaMax }),
  };
}

/** σ_max = 80 is EDM's choice for images with σ_data = 0.5; the toys scale it with σ_data. */
const edmSigmaMax = (sigmaData: number): number => (80 * sigmaData) / 0.5;

export function makeObjective(name: ObjectiveName, { sigmaData, numTimesteps = 1000, clipDenoised = false }: ObjectiveOptions): Objective {
  switch (name) {
    case 'ddpm':
      return discreteObjective(name, new GaussianDiffusion(linearBetas(numTimesteps), { modelMeanType: 'eps', modelVarType: 'fixedLarge', lossType: 'mse' }), clipDenoised, edmSigmaMax(sigmaData));
    case 'iddpm':
      return discreteObjective(name, new GaussianDiffusion(cosineBetas(numTimesteps), { modelMeanType: 'eps', modelVarType: 'learnedRange', lossType: 'rescaledMse' }), clipDenoised, edmSigmaMax(sigmaData));
    case 'edm': {
      const precond = (net: Network) => edmPrecond((xIn, cNoise, labels) => net(xIn, cNoise, labels), { sigmaData });
      return {
        name, learnsVariance: false,
        loss: (net, x0, g, labels) => edmLoss(precond(net).batch, x0, { noise: g, sigmaData, classLabels: labels }).loss.mean(),
        denoiser: (net, labels) => { const D = precond(net); return (x, sigma) => D(x, sigma, labels); },
        sigmas: (steps) => [...karrasSigmas(steps, { sigmaMax: edmSigmaMax(sigmaData), sigmaMin: 0.002 })],
      };
    }
    default: {
      const never: never = name;
      throw new Error(`unknown objective ${String(never)}`);
    }
  }
}

/** Labels as the int32 tensor the networks take. */
export const labelTensor = (labels: Int32Array): Tensor => tensor(labels, { dtype: 'int32' });
