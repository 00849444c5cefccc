/**
 * `sample` on a video run, conditioned on known frames (Ho et al. 2022, Sec. 3.1): the first k frames of
 * real clips (a held-out data index, or a clip file), continued by the replacement method or by
 * reconstruction guidance, and extended autoregressively past the model's F frames; or every frame of
 * those clips, s apart, with the s − 1 frames between each pair filled in (temporal super-resolution).
 */
import { readFileSync } from 'node:fs';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { decodeSafetensors } from '@diffusion-ts/nn';
import { extendAutoregressive, interpolateFrames, type BlockSampler, type StepInfo } from '@diffusion-ts/diffusion';
import { UsageError } from '../args.ts';
import { heldOut } from '../data/registry.ts';
import { CliError } from '../errors.ts';
import { generate, type FrameMethod, type SampleOptions } from './samplers.ts';
import type { Session } from './session.ts';

export const frameMethodNames = ['reconstruction', 'replacement'] as const;
export type FrameMethodName = (typeof frameMethodNames)[number];

/** The video flags of `sample`, as given (undefined: not given). */
export interface VideoFlags {
  condition?: string;
  framesKnown?: number;
  method?: FrameMethodName;
  guidanceWeight?: number;
  length?: number;
  interpolate?: number;
}

/** What the flags resolve to on a video run: continue the first frames of clips, or fill frames between all of theirs. */
export type VideoPlan = ContinuePlan | InterpolatePlan;

interface PlanCommon {
  condition: string;
  method: FrameMethod;
  /** Frames per block (the run's clips). */
  blockFrames: number;
}

/** Continue clips from their first frames, autoregressively past the run's F frames. */
export interface ContinuePlan extends PlanCommon {
  kind: 'continue';
  /** How many first frames of each clip are known. */
  framesKnown: number;
  /** Frames of the result. */
  length: number;
  /** How many blocks the sampler runs: 1, plus one per extension. */
  blocks: number;
}

/** Temporal super-resolution: every frame of the clips is known, placed s apart; the s − 1 between each pair are sampled. */
export interface InterpolatePlan extends PlanCommon {
  kind: 'interpolate';
  /** s: the result has (K − 1)·s + 1 frames for K given ones. */
  factor: number;
}

/**
 * The windows interpolateFrames samples for K given frames at factor s with blocks of F frames: windows
 * start F − s frames apart, the m-th reaching frame (m − 1)(F − s) + F − 1, and the last frame to sample
 * is (K − 1)s − 1 (the one before the last given frame).
 */
export function interpolationBlocks(K: number, s: number, F: number): number {
  return 1 + Math.max(0, Math.ceil(((K - 1) * s - F) / (F - s)));
}

export const DEFAULT_GUIDANCE_WEIGHT = 2;

/**
 * Check the video flags against the run before any work; undefined when none is given. Every mistake is
 * a UsageError naming the flag: a video flag on a run that is not video, one without --condition,
 * --guidance-weight with the replacement method, --interpolate with --frames-known or --length, frame
 * counts that do not fit the run's clips.
 */
export function planVideo(session: Session, flags: VideoFlags): VideoPlan | undefined {
  const given = (['framesKnown', 'method', 'guidanceWeight', 'length', 'interpolate'] as const).filter((k) => flags[k] !== undefined);
  const flagName = { framesKnown: '--frames-known', method: '--method', guidanceWeight: '--guidance-weight', length: '--length', interpolate: '--interpolate' } as const;
  const named = [...(flags.condition === undefined ? [] : ['--condition']), ...given.map((k) => flagName[k])];
  if (named.length > 0 && session.kind !== 'video') throw new UsageError(`sample: ${named.join(', ')} need${named.length === 1 ? 's' : ''} a video run; this run's data, ${session.config.data}, is ${session.kind === 'image' ? 'images' : session.kind === '2d' ? '2-D points' : 'binary images'}`);
  if (flags.condition === undefined) {
    if (given.length > 0) throw new UsageError(`sample: ${given.map((k) => flagName[k]).join(', ')} need${given.length === 1 ? 's' : ''} --condition <clip file or data index> (they condition a video run on known frames)`);
    return undefined;
  }
  const F = session.data.shape[2]!;
  const methodName = flags.method ?? 'reconstruction';
  if (methodName === 'replacement' && flags.guidanceWeight !== undefined) throw new UsageError('sample: --guidance-weight is the weight w_r of --method reconstruction; --method replacement has none');
  const method: FrameMethod = methodName === 'replacement' ? { kind: 'replacement' } : { kind: 'reconstruction', weight: flags.guidanceWeight ?? DEFAULT_GUIDANCE_WEIGHT };
  if (flags.interpolate !== undefined) {
    const s = flags.interpolate;
    for (const k of ['framesKnown', 'length'] as const) {
      if (flags[k] !== undefined) throw new UsageError(`sample: --interpolate and ${flagName[k]} contradict each other: --interpolate ${s} keeps every frame of the --condition clips (s apart) and fills the frames between; ${flagName[k]} is for continuing a clip`);
    }
    if (s < 2 || s >= F) throw new UsageError(`sample: --interpolate ${s} must be in [2, ${F - 1}]: the run's clips have ${F} frames, and a window must hold two given frames`);
    return { kind: 'interpolate', condition: flags.condition, factor: s, method, blockFrames: F };
  }
  const framesKnown = flags.framesKnown ?? Math.floor(F / 2);
  if (framesKnown < 1 || framesKnown >= F) throw new UsageError(`sample: --frames-known ${framesKnown} must be in [1, ${F - 1}]: the run's clips have ${F} frames`);
  const length = flags.length ?? F;
  if (length <= framesKnown) throw new UsageError(`sample: --length ${length} must exceed --frames-known ${framesKnown}`);
  const blocks = length <= F ? 1 : 1 + Math.ceil((length - F) / (F - framesKnown));
  return { kind: 'continue', condition: flags.condition, framesKnown, method, length, blockFrames: F, blocks };
}

/**
 * The known frames, [n, C, k, H, W]: to continue clips, their first k frames; to interpolate, all their
 * frames. A non-negative integer i takes held-out clips i … i + n − 1 of the run's data (never training
 * clips); anything else is a safetensors file whose `samples` (as `sample --out` writes) or `clips` tensor
 * is [M, C, F', H, W] with the run's C, H, W and F' ≥ k (F' ≥ 2 to interpolate): one clip for all n
 * samples, or its first n clips.
 */
export function conditionClips(session: Session, plan: VideoPlan, n: number): Tensor {
  const [, C, , H, W] = session.data.shape as [number, number, number, number, number];
  const known = (F: number) => (plan.kind === 'continue' ? plan.framesKnown : F);
  if (/^\d+$/.test(plan.condition)) {
    const index = Number(plan.condition);
    if (index + n > 100_000) throw new UsageError(`sample: --condition ${index} with --n ${n} reaches past held-out clip 99999`);
    const clips = heldOut(session.config.data, index + n, session.config.seed);
    const F = clips.shape[2]!, row = C * F * H * W;
    return tensor(clips.data.subarray(index * row, (index + n) * row), { shape: [n, C, F, H, W] }).narrow(2, 0, known(F));
  }
  let stored;
  try {
    stored = decodeSafetensors(new Uint8Array(readFileSync(plan.condition)));
  } catch (e) {
    throw new CliError(`--condition ${plan.condition}: not a data index, and not a readable safetensors file: ${(e as Error).message}`);
  }
  const name = stored.tensors['samples'] ? 'samples' : 'clips';
  const clips = stored.tensors[name];
  if (clips === undefined) throw new CliError(`--condition ${plan.condition}: the file holds no 'samples' or 'clips' tensor (it has ${Object.keys(stored.tensors).join(', ') || 'none'})`);
  const [M = 0, c, F = 0, h, w] = clips.shape;
  if (clips.shape.length !== 5 || c !== C || h !== H || w !== W) throw new CliError(`--condition ${plan.condition}: '${name}' is [${clips.shape}], but this run's clips are [N, ${C}, F, ${H}, ${W}]`);
  if (plan.kind === 'continue' && F < plan.framesKnown) throw new CliError(`--condition ${plan.condition}: its clips have ${F} frames, fewer than --frames-known ${plan.framesKnown}`);
  if (plan.kind === 'interpolate' && F < 2) throw new CliError(`--condition ${plan.condition}: its clips have ${F} frame; --interpolate ${plan.factor} needs at least 2 to fill between`);
  if (M !== 1 && M < n) throw new CliError(`--condition ${plan.condition}: it holds ${M} clips, fewer than --n ${n} (give one clip for all samples, or at least n)`);
  const row = C * F * H * W;
  const values = M === 1 ? Float32Array.from({ length: n * row }, (_, i) => clips.data[i % row]!) : Float32Array.from(clips.data.subarray(0, n * row));
  return tensor(values, { shape: [n, C, F, H, W] }).narrow(2, 0, known(F));
}

/** How many blocks of F frames the sampler runs for these known frames ([n, C, k, H, W] from conditionClips). */
export function blocksOf(plan: VideoPlan, known: Tensor): number {
  return plan.kind === 'continue' ? plan.blocks : interpolationBlocks(known.shape[2]!, plan.factor, plan.blockFrames);
}

/**
 * Sample n clips on the known frames `start` ([n, C, k, H, W], from conditionClips). Continuing: clips of
 * `plan.length` frames, block 1 completing the first F frames, each further block conditioned on the last
 * k frames made (extendAutoregressive). Interpolating: (k − 1)·s + 1 frames, given frame i at frame i·s,
 * windows of F frames filling the rest (interpolateFrames). Sample k draws from its own generator
 * (seed + k) through every block, so it is the same alone or in a batch. `onStep` sees steps numbered
 * across blocks.
 */
export function generateClips(session: Session, o: SampleOptions, plan: VideoPlan, start: Tensor): Tensor {
  const generators = Array.from({ length: o.n }, (_, k) => new Generator(o.seed + k));
  let block = 0;
  const onStep = o.onStep === undefined ? undefined : (info: StepInfo) => o.onStep!({ ...info, i: block * o.steps + info.i });
  const sampleBlock: BlockSampler = (condition) => {
    const clip = generate(session, { ...o, onStep, generators, frames: { condition, method: plan.method } });
    block++;
    return clip;
  };
  return plan.kind === 'continue'
    ? extendAutoregressive(sampleBlock, start, { blockFrames: plan.blockFrames, length: plan.length, overlap: plan.framesKnown })
    : interpolateFrames(sampleBlock, start, { blockFrames: plan.blockFrames, factor: plan.factor });
}
