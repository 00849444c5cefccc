/** A run's configuration: everything needed to rebuild its data, network and objective. Saved in the checkpoint. */
import type { DatasetName } from '../data/registry.ts';
import type { ObjectiveName } from './objectives.ts';

export const modelNames = ['mlp', 'unet', 'video-unet'] as const;
export type ModelName = (typeof modelNames)[number];

export interface RunConfig {
  /** Bumped when the meaning of a field changes. */
  version: 1;
  data: DatasetName;
  model: ModelName;
  objective: ObjectiveName;
  /** T, the number of diffusion steps of the ddpm and iddpm objectives. */
  timesteps: number;
  seed: number;
  batch: number;
  lr: number;
  ema: number;
  /** Training-set size drawn from the data generator. */
  trainSize: number;
  /** Class-conditional training with label dropout (for classifier-free guidance). */
  cond: boolean;
  /** Probability of replacing the label by the null class during training. */
  labelDropout: number;
  numClasses: number;
}

/** Validate a config read from a checkpoint (it may be from another version or hand-edited). */
export function parseRunConfig(value: unknown, where: string): RunConfig {
  const c = value as Partial<RunConfig> | null;
  const fields: (keyof RunConfig)[] = ['version', 'data', 'model', 'objective', 'timesteps', 'seed', 'batch', 'lr', 'ema', 'trainSize', 'cond', 'labelDropout', 'numClasses'];
  const missing = fields.filter((f) => c === null || typeof c !== 'object' || c[f] === undefined);
  if (missing.length > 0) throw new Error(`${where}: the run config lacks ${missing.join(', ')}; was it written by diffusion-ts train?`);
  if (c!.version !== 1) throw new Error(`${where}: run config version ${String(c!.version)} is not supported (expected 1)`);
  return c as RunConfig;
}
