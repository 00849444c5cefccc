/**
 * A run's configuration: everything needed to rebuild its data, network and objective. Saved in the
 * checkpoint. Its fields are declared once, as the `train` flags that set them (`runConfigOptions`);
 * the same declarations check a config read back from a file and the flags given with `--resume`.
 */
import { Generator } from '@diffusion-ts/tensor';
import { excerpt, problemList } from '@diffusion-ts/nn/internal';
import { invalidValue, type OptionSpec } from '../args.ts';
import { datasetNames, datasets, type DatasetKind, type DatasetName } from '../data/registry.ts';
import { objectiveNames, type ObjectiveName } from './objectives.ts';

export const modelNames = ['mlp', 'unet', 'video-unet', 'classifier', 'noised-classifier'] as const;

/** The models that classify (trained on labels with cross-entropy) rather than denoise. */
export const classifierModels: readonly ModelName[] = ['classifier', 'noised-classifier'];
export const isClassifier = (model: ModelName): boolean => classifierModels.includes(model);
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
  /**
   * Joint image/video training (Ho et al. 2022, Sec. 3): `imageFrames` independent frames of other clips
   * appended to every training clip, with temporal attention masked for them (0: off).
   * Absent in configs written before the flag existed, which read as 0.
   */
  imageFrames: number;
  /**
   * How the run was last trained: checkpoints every `ckptEvery` steps, `preview` samples with each. Not
   * fixed: `train --resume` takes these unless --ckpt-every or --preview is given, and saves what it
   * used. Absent in configs written before it existed (a resume then takes the flags' defaults).
   */
  schedule?: TrainSchedule;
}

/** The checkpoint cadence and preview size of a run (`train --ckpt-every`, `--preview`). */
export interface TrainSchedule {
  ckptEvery: number;
  preview: number;
}

/** The `train` flags of a run's schedule: they may change when it is resumed. */
export const scheduleOptions = {
  'ckpt-every': { type: 'number', integer: true, min: 1, max: 1_000_000_000, default: 500, description: 'checkpoint (and sample grid) every this many steps' },
  preview: { type: 'number', integer: true, min: 0, max: 1024, default: 16, description: 'samples drawn with each checkpoint (×64 for 2-D data; 0: none)' },
} as const satisfies Record<string, OptionSpec>;

/** The largest seed a flag accepts: seeds are 32-bit, as NumPy's are. */
export const MAX_SEED = 2 ** 32 - 1;

/** The `train` flags that make up a run's config: fixed for the life of a run. */
export const runConfigOptions = {
  data: { type: 'enum', choices: datasetNames, default: 'swiss-roll', description: 'the data set' },
  model: { type: 'enum', choices: modelNames, default: 'mlp', description: 'the network: mlp for 2-D data, unet for images, video-unet for clips; classifier (a small CNN on clean images: the FID feature network) and noised-classifier (ADM\'s EncoderUNet on x_t, for --classifier guidance; its noise is --objective ddpm or iddpm) for labelled images' },
  objective: { type: 'enum', choices: objectiveNames, default: 'edm', description: 'ddpm (Ho et al. 2020), iddpm (Nichol & Dhariwal 2021) or edm (Karras et al. 2022)' },
  timesteps: { type: 'number', integer: true, min: 25, max: 100_000, default: 1000, description: 'T, diffusion steps of the ddpm and iddpm objectives (the linear schedule is scaled by 1000/T, so T = 20 would end at β = 1, where an ε-model cannot recover x0)' },
  batch: { type: 'number', integer: true, min: 1, max: 65_536, default: 256, description: 'batch size' },
  lr: { type: 'number', min: 0, default: 1e-3, description: 'Adam learning rate' },
  ema: { type: 'number', min: 0, max: 1, default: 0.995, description: 'EMA decay of the weights used for sampling' },
  seed: { type: 'number', integer: true, min: 0, max: MAX_SEED, default: 0, description: 'seed of data, initialisation and noise' },
  'train-size': { type: 'number', integer: true, min: 1, max: 10_000_000, default: 8192, description: 'training examples drawn from the data set' },
  cond: { type: 'boolean', description: 'class-conditional training with label dropout (for --guidance when sampling)' },
  'label-dropout': { type: 'number', min: 0, max: 1, default: 0.1, description: 'with --cond: probability of training on the null class' },
  'image-frames': { type: 'number', integer: true, min: 0, max: 4096, default: 0, description: 'video-unet: joint image/video training (Ho et al. 2022, Sec. 3): the last k frames of each training clip are independent frames of other clips, temporal attention masked for them; in [0, frames - 1], 0 = off' },
} as const satisfies Record<string, OptionSpec>;

export type RunConfigFlag = keyof typeof runConfigOptions;

/** Which flag sets each field. */
export const configFlags = {
  data: 'data', model: 'model', objective: 'objective', timesteps: 'timesteps', seed: 'seed', batch: 'batch', lr: 'lr', ema: 'ema',
  trainSize: 'train-size', cond: 'cond', labelDropout: 'label-dropout', imageFrames: 'image-frames',
} as const satisfies Record<Exclude<keyof RunConfig, 'version' | 'numClasses' | 'schedule'>, RunConfigFlag>;

type ConfigField = keyof typeof configFlags;
const configFields = Object.keys(configFlags) as ConfigField[];

/** Which kind of data each network is for. */
export const modelKinds: Record<ModelName, readonly DatasetKind[]> = { mlp: ['2d'], unet: ['image', 'binary'], 'video-unet': ['video'], classifier: ['image'], 'noised-classifier': ['image'] };

/** The most bytes a training set or a batch of examples may take (typed arrays stop near here). */
export const MAX_DATA_BYTES = 2 ** 31;

/** What one example of a data set is: its size in floats and its classes (drawn once, cheaply). */
export function exampleOf(data: DatasetName): { floats: number; kind: DatasetKind; numClasses?: number; shape: readonly number[] } {
  const probe = datasets[data].make(1, new Generator(0));
  return { floats: probe.data.length, kind: datasets[data].kind, numClasses: probe.labels === undefined ? undefined : probe.numClasses, shape: probe.shape };
}

/** A count of examples that must fit in memory: a problem when `count` examples of `data` exceed MAX_DATA_BYTES. */
export function sizeProblem(flag: string, count: number, data: DatasetName): string | undefined {
  const { floats } = exampleOf(data);
  const most = Math.floor(MAX_DATA_BYTES / (4 * floats));
  return count > most ? `${flag} ${count} needs ${((count * floats * 4) / 2 ** 30).toFixed(1)} GiB of '${data}' examples; at most ${most} fit in ${MAX_DATA_BYTES / 2 ** 30} GiB` : undefined;
}

/**
 * What is wrong with a config whose fields each have a valid value: a network for another kind of
 * data, conditioning without labels, sizes that cannot be allocated. Empty when it can be built.
 */
export function configProblems(c: Omit<RunConfig, 'numClasses' | 'version'>): string[] {
  const problems: string[] = [];
  const { kind, numClasses, shape } = exampleOf(c.data);
  if (!modelKinds[c.model].includes(kind)) {
    const fitting = modelNames.filter((m) => modelKinds[m].includes(kind) && !isClassifier(m)); // suggest a diffusion model
    problems.push(`--model ${c.model} is for ${modelKinds[c.model].join('/')} data; '${c.data}' is ${kind} data (use --model ${fitting.join(' or ')})`);
  }
  if (c.cond && numClasses === undefined) problems.push(`--cond needs labelled data; '${c.data}' has no labels`);
  if (c.cond && c.model === 'mlp') problems.push('--cond needs a network with a class embedding (--model unet or video-unet); the MLP takes no labels');
  if (isClassifier(c.model) && numClasses === undefined) problems.push(`--model ${c.model} needs labelled data; '${c.data}' has no labels`);
  if (isClassifier(c.model) && c.cond) problems.push(`--cond is for diffusion models; --model ${c.model} always learns the labels`);
  if (c.model === 'noised-classifier' && c.objective === 'edm') problems.push('--model noised-classifier learns p(y | x_t, t) on the noise of a discrete process: use --objective ddpm or iddpm');
  if (c.imageFrames > 0 && c.model !== 'video-unet') problems.push(`--image-frames ${c.imageFrames} is joint image/video training of --model video-unet; --model ${c.model} has no frames (use --image-frames 0)`);
  else if (c.imageFrames > 0 && kind === 'video' && c.imageFrames > shape[2]! - 1) problems.push(`--image-frames ${c.imageFrames} must be in [0, ${shape[2]! - 1}]: '${c.data}' clips have ${shape[2]} frames (at most frames - 1 appended: a step costs under twice a video-only one)`);
  if (c.imageFrames > 0 && c.trainSize < 2) problems.push(`--image-frames ${c.imageFrames} draws its frames from other clips; --train-size ${c.trainSize} has none`);
  for (const [flag, count] of [['--train-size', c.trainSize], ['--batch', c.batch]] as const) {
    const problem = sizeProblem(flag, count, c.data);
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

/** The config of a new run from `train`'s flags (checked separately with `configProblems`). */
export function configFromFlags(v: { [F in RunConfigFlag]: F extends 'data' ? DatasetName : F extends 'model' ? ModelName : F extends 'objective' ? ObjectiveName : F extends 'cond' ? boolean : number }): RunConfig {
  return {
    version: 1, data: v.data, model: v.model, objective: v.objective, timesteps: v.timesteps, seed: v.seed, batch: v.batch, lr: v.lr, ema: v.ema,
    trainSize: v['train-size'], cond: v.cond, labelDropout: v['label-dropout'], numClasses: exampleOf(v.data).numClasses ?? 0, imageFrames: v['image-frames'],
  };
}

/**
 * Validate a config read from a checkpoint (it may be from another version, hand-edited or hostile):
 * every field's type and range as its flag declares them, then `configProblems`. Throws an Error
 * listing the first few problems.
 */
export function parseRunConfig(value: unknown): RunConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`the run config must be an object, got ${excerpt(value)}; was it written by diffusion-ts train?`);
  const c: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (!Object.hasOwn(c, 'imageFrames')) c['imageFrames'] = 0; // configs written before --image-frames trained without it (last, as configFromFlags puts it)
  const field = (k: string): unknown => (Object.hasOwn(c, k) ? c[k] : undefined);
  if (field('version') !== 1) throw new Error(`run config version ${excerpt(field('version'))} is not supported (expected 1)`);
  const missing = [...configFields, 'numClasses'].filter((f) => field(f) === undefined);
  if (missing.length > 0) throw new Error(`the run config lacks ${missing.join(', ')}; was it written by diffusion-ts train?`);
  const problems: string[] = [];
  for (const f of configFields) {
    const why = invalidValue(runConfigOptions[configFlags[f]], field(f));
    if (why !== undefined) problems.push(`${f} is ${excerpt(field(f))}: ${why}`);
  }
  const schedule = field('schedule');
  if (schedule !== undefined) problems.push(...scheduleProblems(schedule));
  if (problems.length === 0) {
    const config = c as unknown as RunConfig;
    problems.push(...configProblems(config));
    const classes = exampleOf(config.data).numClasses ?? 0;
    if (problems.length === 0 && config.numClasses !== classes) problems.push(`numClasses is ${excerpt(config.numClasses)}, but '${config.data}' has ${classes} classes`);
  }
  if (problems.length > 0) throw new Error(`the run config is invalid: ${problemList(problems)}`);
  return c as unknown as RunConfig;
}

/** What is wrong with a saved schedule (empty: nothing): its values must be what --ckpt-every and --preview accept. */
function scheduleProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`schedule is ${excerpt(value)}: not an object`];
  const s = value as Partial<Record<keyof TrainSchedule, unknown>>;
  return (['ckptEvery', 'preview'] as const).flatMap((k) => {
    const why = invalidValue(scheduleOptions[k === 'ckptEvery' ? 'ckpt-every' : 'preview'], s[k]);
    return why === undefined ? [] : [`schedule.${k} is ${excerpt(s[k])}: ${why}`];
  });
}

/** The flags given with `--resume` that contradict the run's config, one line each (empty: none). */
export function resumeConflicts(saved: RunConfig, flags: Record<RunConfigFlag, unknown>, given: ReadonlySet<string>): string[] {
  return configFields
    .filter((f) => given.has(configFlags[f]) && flags[configFlags[f]] !== saved[f])
    .map((f) => `--${configFlags[f]} ${String(flags[configFlags[f]])} (the run has ${String(saved[f])})`);
}
