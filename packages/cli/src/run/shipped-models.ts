/**
 * The diffusion models that ship in the repository's models/ folder: float16 EMA weights written by
 * `diffusion-ts export`, with the run's config inside, so `sample` and `eval` take them as `--ckpt`
 * and `demo` samples them without training. The list is written here once; the demo, the test that
 * pins their samples (shipped-models.test.ts) and scripts/pin-shipped-samples.ts read it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from './config.ts';

/** The repository's models/ folder, found from this file (so the demo finds it from any working directory). */
export const modelsDir = fileURLToPath(new URL('../../../../models', import.meta.url));

export const shippedModelNames = ['mnist-cfg', 'mnist-uncond', 'moving-mnist'] as const;
export type ShippedModelName = (typeof shippedModelNames)[number];

export interface ShippedModel {
  /** What it is, in a few words, for messages. */
  summary: string;
  /** The run it was trained as: its file must hold this config. */
  run: Pick<RunConfig, 'data' | 'model' | 'objective' | 'cond'>;
}

export const shippedModels = {
  'mnist-cfg': { summary: 'class-conditional 16x16 MNIST U-Net (EDM, classifier-free guidance)', run: { data: 'mnist16', model: 'unet', objective: 'edm', cond: true } },
  'mnist-uncond': { summary: 'unconditional 16x16 MNIST U-Net (iDDPM)', run: { data: 'mnist16', model: 'unet', objective: 'iddpm', cond: false } },
  'moving-mnist': { summary: 'video U-Net on Moving MNIST (8 frames of 32x32, EDM)', run: { data: 'moving-mnist', model: 'video-unet', objective: 'edm', cond: false } },
} as const satisfies Record<ShippedModelName, ShippedModel>;

/** The file of shipped model `name` in the models folder `dir` (default: the repository's). */
export const shippedModelFile = (name: ShippedModelName, dir: string = modelsDir): string => join(dir, name, 'model.safetensors');

/** How a loaded model's config differs from the run `name` ships as ('--data moving-mnist, not mnist16'), or undefined when it fits. */
export function shippedMismatch(name: ShippedModelName, config: RunConfig): string | undefined {
  const { run } = shippedModels[name];
  const flag = (key: keyof ShippedModel['run'], value: string | boolean) => (key === 'cond' ? (value ? '--cond' : 'no --cond') : `--${key} ${value}`);
  const wrong = (Object.keys(run) as (keyof ShippedModel['run'])[]).filter((key) => config[key] !== run[key]);
  return wrong.length === 0 ? undefined : wrong.map((key) => `${flag(key, config[key])}, not ${flag(key, run[key])}`).join('; ');
}
