/**
 * The CLI's one table from sampler names to library samplers: each entry's family, default steps, help
 * text and function. The `--sampler` choices, the help, the default steps and the error messages are all
 * read from it. Sigma-space samplers run on every objective (discrete models through their σ grid);
 * discrete ones (ddpm, iddpm, ddim) need a discrete process.
 */
import { cat, Generator, tidy, type Tensor } from '@diffusion-ts/tensor';
import {
  classifierFree, ddimTimesteps, randnFrom, reconstructionGuidedDenoiser, reconstructionGuidedPrediction, replacementDenoiser, replacementPrediction, sampleDdim, sampleDdpm, sampleDpmSolver2M, sampleEdmStochastic, sampleEuler, sampleEulerAncestral,
  sampleHeun, spacedDiffusion, spaceTimesteps, classifierLogProbGrad, type ClassifierGrad, type Denoiser, type DiffusionModel, type FrameCondition, type GaussianDiffusion, type ReversePrediction, type StepInfo,
} from '@diffusion-ts/diffusion';
import { UsageError } from '../args.ts';
import { labelTensor } from './objectives.ts';
import { isClassifier } from './config.ts';
import type { Session } from './session.ts';

export const samplerNames = ['ddpm', 'iddpm', 'ddim', 'euler', 'heun', 'edm', 'euler-a', 'dpm2m'] as const;
export type SamplerName = (typeof samplerNames)[number];
/** What `sample` and `eval` run unless told, and what training previews and the demo draw with. */
export const defaultSampler: SamplerName = 'heun';

export interface SampleOptions {
  sampler: SamplerName;
  steps: number;
  n: number;
  seed: number;
  /** DDIM's η (0: deterministic). */
  eta?: number;
  /** EDM's S_churn for the `edm` sampler. */
  churn?: number;
  /** Classifier-free guidance scale (1: plain conditional sampling). */
  guidance?: number;
  /**
   * The class to draw, for class-conditional runs (and any run guided by a classifier). Without it,
   * sample k draws class (seed + k) mod K: every class in turn, and still the same sample alone
   * (seed + k, n = 1) as in a batch.
   */
  classLabel?: number;
  /** ADM classifier guidance (Dhariwal & Nichol 2021): a noised-image classifier run and its scale s. */
  classifier?: { session: Session; scale: number };
  onStep?: (info: StepInfo) => void;
  /** Known frames of a video run to condition on, and the method (Ho et al. 2022, Sec. 3.1). */
  frames?: { condition: FrameCondition; method: FrameMethod };
  /** The per-sample generators to draw from (blocks of one long clip continue the same streams); default one per sample seeded seed + k. */
  generators?: Generator[];
}

/** How to condition on known frames: the replacement method, or reconstruction guidance with weight w_r. */
export type FrameMethod = { kind: 'replacement' } | { kind: 'reconstruction'; weight: number };

/** What each sampler needs: the run, the per-sample generators and the options. */
type SamplerFn = (session: Session, gens: Generator[], o: SampleOptions) => Tensor;

/**
 * The timesteps DDIM visits for `steps` steps of a T-step process: DDIM's integer stride [0, s, 2s, …]
 * (improved-diffusion's "ddimN") where one gives exactly `steps`, as for 25 or 50 of 1000; otherwise
 * the evenly spaced steps at fractional stride (T − 1)/(steps − 1) that guided-diffusion's DDIM runs
 * with a plain count (`--timestep_respacing 64`), as for 64 of 1000, where no integer stride fits.
 */
export function ddimSteps(T: number, steps: number): number[] {
  try {
    return ddimTimesteps(T, steps);
  } catch {
    return spaceTimesteps(T, [steps]);
  }
}

/**
 * Throw a UsageError when options do not fit the run (a discrete sampler on an EDM model, a step count
 * its process cannot be respaced to, a class or guidance for an unconditional run). Called before
 * any sampling, so a mistake costs nothing.
 */
export function checkSampleOptions(session: Session, o: SampleOptions): void {
  if (isClassifier(session.config.model)) throw new UsageError(`--ckpt is a --model ${session.config.model} run, which classifies; sampling needs a diffusion model`);
  const d = session.objective.diffusion;
  if (samplerTable[o.sampler].family === 'discrete') {
    if (d === undefined) throw new UsageError(`--sampler ${o.sampler} needs a discrete-time model (objective ddpm or iddpm); this run was trained with ${session.objective.name}; use ${orList(namesOf('sigma'))}`);
    if (o.sampler === 'ddpm' && o.steps !== d.numTimesteps) throw new UsageError(`--sampler ddpm runs all ${d.numTimesteps} steps (Algorithm 2 of Ho et al.); for ${o.steps} steps use --sampler iddpm`);
    if (o.sampler !== 'ddpm') {
      try {
        if (o.sampler === 'ddim') ddimSteps(d.numTimesteps, o.steps);
        else spaceTimesteps(d.numTimesteps, [o.steps]);
      } catch (e) {
        throw new UsageError(`--steps ${o.steps} does not fit --sampler ${o.sampler} on this run's ${d.numTimesteps} timesteps: ${(e as Error).message}`);
      }
    }
  }
  else if (d !== undefined) {
    try {
      session.objective.sigmas(o.steps);
    } catch (e) {
      throw new UsageError(`--steps ${o.steps} does not fit --sampler ${o.sampler} on this run's discrete grid: ${(e as Error).message}`);
    }
  }
  const { cond } = session.config;
  const numClasses = o.classifier?.session.config.numClasses ?? session.config.numClasses;
  if (o.classifier !== undefined) checkClassifierGuidance(session, o.classifier.session, o.sampler);
  if (!cond && ((o.guidance ?? 1) !== 1 || (o.classLabel !== undefined && o.classifier === undefined))) {
    throw new UsageError('--class and --guidance need a class-conditional run (train with --cond); --class also works with a --classifier guiding an unconditional run');
  }
  const k = o.classLabel ?? 0;
  if ((cond || o.classifier) && (!Number.isInteger(k) || k < 0 || k >= numClasses)) throw new UsageError(`--class ${k} is out of range: this ${cond ? 'run' : 'classifier'} has classes 0..${numClasses - 1}`);
}

/** Throw a UsageError unless `classifier` can guide `session` with `sampler`: a noised-image classifier of the same noise process, a discrete sampler. */
function checkClassifierGuidance(session: Session, classifier: Session, sampler: SamplerName): void {
  const c = classifier.config, r = session.config;
  if (c.model !== 'noised-classifier') throw new UsageError(`--classifier must be a --model noised-classifier run (p(y | x_t, t) for guidance); it is a --model ${c.model} run`);
  if (session.objective.diffusion === undefined || c.objective !== r.objective || c.timesteps !== r.timesteps) {
    throw new UsageError(`--classifier was trained on the noise of --objective ${c.objective} with ${c.timesteps} timesteps; this run is --objective ${r.objective}${session.objective.diffusion ? ` with ${r.timesteps}` : ''}: guidance needs the same discrete process`);
  }
  if (samplerTable[sampler].family !== 'discrete') throw new UsageError(`--classifier guides the discrete samplers (${orList(namesOf('discrete'))}: Algorithms 1 and 2 of Dhariwal & Nichol 2021); --sampler ${sampler} is a σ-space sampler`);
  if (classifier.data.shape.slice(1).join() !== session.data.shape.slice(1).join()) {
    throw new UsageError(`--classifier takes [${classifier.data.shape.slice(1)}] inputs; this run makes [${session.data.shape.slice(1)}]`);
  }
}

/** The classifier-guidance gradient s · ∇ log p(y | x_t) for the samples' classes (undefined without --classifier). */
function condFnOf(o: SampleOptions): ClassifierGrad<undefined> | undefined {
  if (o.classifier === undefined) return undefined;
  const { session: c, scale } = o.classifier;
  const grad = classifierLogProbGrad((x, t) => c.forward(x, t), scale);
  const y = classesOf(o, c.config.numClasses);
  return (x, t) => grad(x, t, { y });
}

function discrete(session: Session): GaussianDiffusion {
  const d = session.objective.diffusion;
  if (d === undefined) throw new Error('a discrete sampler on a sigma-space run (checkSampleOptions lets none through)');
  return d;
}

/** The class of each of the o.n samples: `classLabel` for all, or (seed + k) mod K for sample k. */
function classesOf(o: Pick<SampleOptions, 'n' | 'seed' | 'classLabel'>, numClasses: number): Int32Array {
  if (o.classLabel !== undefined) return new Int32Array(o.n).fill(o.classLabel);
  return Int32Array.from({ length: o.n }, (_, k) => (o.seed + k) % numClasses);
}

/** The class each of the o.n samples is drawn from, for a class-conditional or classifier-guided run (undefined otherwise). */
export function sampleLabels(session: Session, o: Pick<SampleOptions, 'n' | 'seed' | 'classLabel' | 'classifier'>): Int32Array | undefined {
  if (o.classifier !== undefined) return classesOf(o, o.classifier.session.config.numClasses);
  return session.config.cond ? classesOf(o, session.config.numClasses) : undefined;
}

/** Labels for a class-conditional run (or undefined), and the null class used by guidance. */
function conditioning(session: Session, o: SampleOptions): { labels?: Tensor; nullLabels?: Tensor } {
  if (!session.config.cond) return {}; // a classifier-guided unconditional run: only the classifier sees the class
  const labels = sampleLabels(session, o)!;
  return { labels: labelTensor(labels), nullLabels: labelTensor(new Int32Array(o.n).fill(session.config.numClasses)) };
}

/** The (possibly guided) denoiser of the run, conditioned on known frames when asked. */
function denoiserOf(session: Session, o: SampleOptions, gens: Generator[]): Denoiser {
  const { labels, nullLabels } = conditioning(session, o);
  const cond = session.objective.denoiser(session.forward, labels);
  const scale = o.guidance ?? 1;
  const D = scale === 1 || nullLabels === undefined ? cond : classifierFree(cond, session.objective.denoiser(session.forward, nullLabels), scale);
  if (o.frames === undefined) return D;
  const { condition, method } = o.frames;
  switch (method.kind) {
    case 'replacement': return replacementDenoiser(D, condition, gens);
    case 'reconstruction': return reconstructionGuidedDenoiser(D, condition, method.weight);
    default: { const never: never = method; throw new Error(`unknown frame method ${String(never)}`); }
  }
}

/** The discrete samplers' prediction conditioned on known frames, or undefined (the model's own). */
function predictionOf(d: GaussianDiffusion, session: Session, o: SampleOptions, gens: Generator[]): ReversePrediction | undefined {
  if (o.frames === undefined) return undefined;
  const { condition, method } = o.frames;
  const model = modelOf(session, o), options = { clipDenoised: clip(session) };
  switch (method.kind) {
    case 'replacement': return replacementPrediction(d, model, condition, gens, options);
    case 'reconstruction': return reconstructionGuidedPrediction(d, model, condition, method.weight, options);
    default: { const never: never = method; throw new Error(`unknown frame method ${String(never)}`); }
  }
}

/**
 * The discrete model to sample, with classifier-free guidance (Ho & Salimans 2022) applied to its
 * ε channels when asked: ε̃ = ε_u + s·(ε_c − ε_u); a learned variance comes from the conditional
 * output, as GLIDE does.
 */
function modelOf(session: Session, o: SampleOptions): DiffusionModel<undefined> {
  const { labels, nullLabels } = conditioning(session, o);
  const scale = o.guidance ?? 1;
  if (scale === 1 || nullLabels === undefined) return (x, t) => session.forward(x, t, labels);
  return (x, t) => {
    const c = session.forward(x, t, labels), u = session.forward(x, t, nullLabels);
    const channels = x.shape[1]!;
    if (!session.objective.learnsVariance) return u.add(c.sub(u).mul(scale));
    const eps = (out: Tensor) => out.narrow(1, 0, channels);
    return cat([eps(u).add(eps(c).sub(eps(u)).mul(scale)), c.narrow(1, channels, channels)], 1);
  };
}
/** The same process visiting only `sections` of its steps (iDDPM's strided sampling, DDIM's strides). */
const respaced = (d: GaussianDiffusion, useTimesteps: readonly number[]): GaussianDiffusion =>
  spacedDiffusion(d.betas, useTimesteps, { modelMeanType: d.modelMeanType, modelVarType: d.modelVarType, lossType: d.lossType, rescaleTimesteps: d.rescaleTimesteps });
const shapeOf = (session: Session, n: number): number[] => [n, ...session.data.shape.slice(1)];
const clip = (session: Session): boolean => session.kind !== '2d';

/** Sigma-space samplers start from N(0, σ₀² I). */
const sigmaSpace = (run: (D: Denoiser, x: Tensor, sigmas: number[], session: Session, gens: Generator[], o: SampleOptions) => Tensor): SamplerFn =>
  (session, gens, o) => {
    const sigmas = session.objective.sigmas(o.steps);
    const x = randnFrom(gens, shapeOf(session, o.n)).mul(sigmas[0]!);
    return run(denoiserOf(session, o, gens), x, sigmas, session, gens, o);
  };

/** One sampler of the CLI: which models it runs on, its default steps ('T': all of the process's), its help, its function. */
interface SamplerEntry {
  family: 'discrete' | 'sigma';
  defaultSteps: number | 'T';
  /** A note for the help after the name, or ''. */
  note: string;
  run: SamplerFn;
}

const samplerTable = {
  ddpm: {
    family: 'discrete', defaultSteps: 'T', note: 'ancestral, every step',
    run: (session, gens, o) => {
      const d = discrete(session);
      return sampleDdpm(d, modelOf(session, o), randnFrom(gens, shapeOf(session, o.n)), { noise: gens, clipDenoised: clip(session), predict: predictionOf(d, session, o, gens), condFn: condFnOf(o), onStep: o.onStep });
    },
  },
  iddpm: {
    family: 'discrete', defaultSteps: 100, note: 'strided',
    run: (session, gens, o) => {
      const d = respaced(discrete(session), spaceTimesteps(discrete(session).numTimesteps, [o.steps]));
      return sampleDdpm(d, modelOf(session, o), randnFrom(gens, shapeOf(session, o.n)), { noise: gens, clipDenoised: clip(session), predict: predictionOf(d, session, o, gens), condFn: condFnOf(o), onStep: o.onStep });
    },
  },
  ddim: {
    family: 'discrete', defaultSteps: 50, note: '',
    run: (session, gens, o) => {
      const d = respaced(discrete(session), ddimSteps(discrete(session).numTimesteps, o.steps));
      return sampleDdim(d, modelOf(session, o), randnFrom(gens, shapeOf(session, o.n)), { eta: o.eta ?? 0, noise: gens, clipDenoised: clip(session), predict: predictionOf(d, session, o, gens), condFn: condFnOf(o), onStep: o.onStep });
    },
  },
  euler: { family: 'sigma', defaultSteps: 50, note: '', run: sigmaSpace((D, x, sigmas, _s, _g, o) => sampleEuler(D, x, sigmas, { onStep: o.onStep })) },
  heun: { family: 'sigma', defaultSteps: 18, note: '', run: sigmaSpace((D, x, sigmas, _s, _g, o) => sampleHeun(D, x, sigmas, { onStep: o.onStep })) },
  edm: {
    family: 'sigma', defaultSteps: 64, note: 'stochastic',
    run: sigmaSpace((D, x, sigmas, _s, gens, o) => sampleEdmStochastic(D, x, sigmas, { sChurn: o.churn, noise: gens, onStep: o.onStep })),
  },
  'euler-a': { family: 'sigma', defaultSteps: 50, note: 'ancestral', run: sigmaSpace((D, x, sigmas, _s, gens, o) => sampleEulerAncestral(D, x, sigmas, { noise: gens, onStep: o.onStep })) },
  dpm2m: { family: 'sigma', defaultSteps: 25, note: 'DPM-Solver++(2M)', run: sigmaSpace((D, x, sigmas, _s, _g, o) => sampleDpmSolver2M(D, x, sigmas, { onStep: o.onStep })) },
} as const satisfies Record<SamplerName, SamplerEntry>;

const namesOf = (family: SamplerEntry['family']): SamplerName[] => samplerNames.filter((name) => samplerTable[name].family === family);
const orList = (names: readonly string[]): string => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`);
const withNote = (name: SamplerName): string => (samplerTable[name].note === '' ? name : `${name} (${samplerTable[name].note})`);

/** `--sampler`'s help: the names by family, with their notes. */
export const samplerHelp = `${namesOf('discrete').map(withNote).join(', ')}: discrete models; ${namesOf('sigma').map(withNote).join(', ')}: any model`;

/** `--steps`' help: each sampler's default. */
export const stepsHelp = `sampling steps (default: ${samplerNames.map((name) => {
  const steps = samplerTable[name].defaultSteps;
  return `${steps === 'T' ? 'all T' : steps} for ${name}`;
}).join(', ')})`;

/** The steps to run: the ones asked for, or the sampler's default (all T of the process for ddpm). */
export function stepsFor(sampler: SamplerName, session: Session, steps?: number): number {
  if (steps !== undefined) return steps;
  const byDefault = samplerTable[sampler].defaultSteps;
  return byDefault === 'T' ? (session.objective.diffusion?.numTimesteps ?? 1000) : byDefault;
}

/** The samplers a sweep over step counts can run on this session: every one that takes a step count and fits the model. */
export function sweepableSamplers(session: Session): SamplerName[] {
  return samplerNames.filter((name) => samplerTable[name].defaultSteps !== 'T' && (samplerTable[name].family === 'sigma' || session.objective.diffusion !== undefined));
}

/**
 * Draw `n` samples. Sample k uses its own generator seeded `seed + k` (EDM's per-sample seeds), so it
 * is the same whether drawn alone or among many, and the same seed always gives the same samples.
 * Runs in a recycling `tidy` scope: only the returned samples stay (on gpu, dispose them when read),
 * and the tensors `onStep` receives are released after each step (read them in the callback), on
 * wasm too, whose engine hands their buffers to the next step's outputs instead of fresh memory.
 */
export function generate(session: Session, o: SampleOptions): Tensor {
  checkSampleOptions(session, o);
  const gens = o.generators ?? Array.from({ length: o.n }, (_, k) => new Generator(o.seed + k));
  if (gens.length !== o.n) throw new RangeError(`generate: ${gens.length} generators for ${o.n} samples`);
  return tidy(() => samplerTable[o.sampler].run(session, gens, o), { recycle: true });
}
