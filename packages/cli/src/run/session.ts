/**
 * A run brought to life: its data, objective and network, built the same way whether training
 * starts, resumes, or a checkpoint is loaded to sample or evaluate.
 */
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { existsSync } from 'node:fs';
import { fixedDecay, initialShare, nonFiniteEntries, withoutInitialShare, type Module } from '@diffusion-ts/nn';
import { keyList } from '@diffusion-ts/nn/internal';
import { loadCheckpoint } from '@diffusion-ts/nn/node';
import { datasets, type DatasetKind } from '../data/registry.ts';
import type { Dataset } from '../data/types.ts';
import { CliError } from '../errors.ts';
import { parseRunConfig, type RunConfig } from './config.ts';
import { buildModel } from './models.ts';
import { labelTensor, makeObjective, type Network, type Objective } from './objectives.ts';
import { cleanClassifierLoss, noisedClassifierLoss } from './classifier-loss.ts';
import { jointBatch } from './joint-training.ts';

export interface Session {
  config: RunConfig;
  kind: DatasetKind;
  data: Dataset;
  objective: Objective;
  module: Module;
  forward: Network;
  /** A clean-image classifier's penultimate activations [B, F]; absent for other models. */
  features?: (x: Tensor) => Tensor;
  /**
   * The training loss on rows `indices` of the data, every random draw (label dropout, augmentation,
   * t or σ, then ε) from `g`: the objective's for a diffusion model, cross-entropy for a classifier.
   */
  loss(indices: Int32Array, g: Generator): Tensor;
}

/** Independent streams derived from the run seed, so data, initialisation and training noise never share draws. */
export const streams = {
  data: (seed: number) => new Generator(seed * 4 + 1),
  init: (seed: number) => new Generator(seed * 4 + 2),
  train: (seed: number) => new Generator(seed * 4 + 3),
};

export function createSession(config: RunConfig): Session {
  const kind = datasets[config.data].kind;
  const data = datasets[config.data].make(config.trainSize, streams.data(config.seed));
  // Images live in [−1, 1] with standard deviation about ½ (EDM's σ_data); the 2-D toys are scaled to unit variance.
  const objective = makeObjective(config.objective, { sigmaData: kind === '2d' ? 1 : 0.5, clipDenoised: kind !== '2d', numTimesteps: config.timesteps });
  const { module, forward, features, trainForward } = buildModel(config, data, objective.learnsVariance, streams.init(config.seed));
  const nullClass = config.numClasses;
  const loss = (indices: Int32Array, g: Generator): Tensor => {
    switch (config.model) {
      case 'classifier':
        return cleanClassifierLoss(forward, data, indices, g);
      case 'noised-classifier': {
        const { x, labels } = batchOf(data, indices);
        return noisedClassifierLoss(forward, objective.diffusion!, x, labels!, g);
      }
      case 'mlp': case 'unet': case 'video-unet': {
        // Joint image/video training (Ho et al. 2022, Sec. 3): image frames appended, drawn from g after the indices.
        const { x, labels } = config.imageFrames > 0 ? jointBatch(data, indices, config.imageFrames, g) : batchOf(data, indices);
        // Label dropout (Ho & Salimans 2022): the null class teaches the same network the unconditional score.
        const y = config.cond && labels ? labelTensor(labels.map((l) => (g.random() < config.labelDropout ? nullClass : l))) : undefined;
        return objective.loss(trainForward ?? forward, x, g, y);
      }
      default: {
        const never: never = config.model;
        throw new CliError(`unknown model ${String(never)}`);
      }
    }
  };
  return { config, kind, data, objective, module, forward, ...(features ? { features } : {}), loss };
}

/** Rows `indices` of the data set as a [B, …] tensor, and their labels as int32 [B] when the data has them. */
export function batchOf(data: Dataset, indices: Int32Array): { x: Tensor; labels?: Int32Array } {
  const row = data.data.length / data.shape[0]!;
  const x = new Float32Array(indices.length * row);
  indices.forEach((i, b) => x.set(data.data.subarray(i * row, (i + 1) * row), b * row));
  return {
    x: tensor(x, { shape: [indices.length, ...data.shape.slice(1)] }),
    labels: data.labels ? Int32Array.from(indices, (i) => data.labels![i]!) : undefined,
  };
}

/** A run loaded for sampling or evaluation: `warning` is set when its weights hold NaN or Inf. */
export type LoadedSession = Session & { step: number; warning?: string };

/**
 * Load a trained run for sampling or evaluation: its config, and the EMA weights unless `useEma` is
 * false, with the share of the random initial weights removed (θ̄ − wθ₀)/(1 − w), w = β^steps.
 */
export async function loadSession(checkpointPath: string, { useEma = true } = {}): Promise<LoadedSession> {
  if (!existsSync(checkpointPath)) throw new CliError(`no checkpoint at ${checkpointPath} (--ckpt takes a run folder or its checkpoint.safetensors)`);
  let checkpoint;
  try {
    checkpoint = await loadCheckpoint(checkpointPath);
  } catch (e) {
    throw new CliError(`cannot load checkpoint: ${(e as Error).message}`);
  }
  let config: RunConfig;
  try {
    config = parseRunConfig(checkpoint.config);
  } catch (e) {
    throw new CliError(`cannot use checkpoint ${checkpointPath}: ${(e as Error).message}`);
  }
  const session = createSession(config);
  // The EMA without its initial share: the network was just built from the run's init stream, so its
  // weights are the θ₀ the average started from (see withoutInitialShare).
  const weights = useEma && checkpoint.ema
    ? withoutInitialShare(checkpoint.ema.shadow, session.module.stateDict(), initialShare(fixedDecay(config.ema), checkpoint.ema.numUpdates), session.module.namedParameters().map(([k]) => k))
    : checkpoint.model;
  try {
    session.module.loadStateDict(weights);
  } catch (e) {
    throw new CliError(`checkpoint ${checkpointPath} does not fit its own config: ${(e as Error).message}`);
  }
  session.module.eval();
  const bad = await nonFiniteEntries(weights);
  const warning = bad.length === 0 ? undefined
    : `warning: the ${weights === checkpoint.model ? 'model' : 'EMA'} weights in ${checkpointPath} hold NaN or Inf (${keyList(bad.map((b) => `${b.key}: ${b.count} of ${b.numel}`))}); samples will likely be NaN`;
  return { ...session, step: checkpoint.step, ...(warning !== undefined ? { warning } : {}) };
}
