/**
 * `sample` on a video run, conditioned on known frames (Ho et al. 2022, Sec. 3.1): the first k frames of
 * real clips (a held-out data index, or a clip file), continued by the replacement method or by
 * reconstruction guidance, and extended autoregressively past the model's F frames.
 */
import { readFileSync } from 'node:fs';
import { Generator, tensor, type Tensor } from '@diffusion-ts/tensor';
import { decodeSafetensors } from '@diffusion-ts/nn';
import { extendAutoregressive, type StepInfo } from '@diffusion-ts/diffusion';
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
}

/** What the flags resolve to on a video run. */
export interface VideoPlan {
  condition: string;
  framesKnown: number;
  method: FrameMethod;
  /** Frames of the result. */
  length: number;
  /** Frames per block (the run's clips). */
  blockFrames: number;
  /** How many blocks the sampler runs: 1, plus one per extension. */
  blocks: number;
}

export const DEFAULT_GUIDANCE_WEIGHT = 2;

/**
 * Check the video flags against the run before any work; undefined when none is given. Every mistake is
 * a UsageError naming the flag: a video flag without --condition, --condition on a run that is not
 * video, --guidance-weight with the replacement method, frame counts that do not fit the run's clips.
 */
export function planVideo(session: Session, flags: VideoFlags): VideoPlan | undefined {
  const given = (['framesKnown', 'method', 'guidanceWeight', 'length'] as const).filter((k) => flags[k] !== undefined);
  const flagName = { framesKnown: '--frames-known', method: '--method', guidanceWeight: '--guidance-weight', length: '--length' } as const;
  if (flags.condition === undefined) {
    if (given.length > 0) throw new UsageError(`sample: ${given.map((k) => flagName[k]).join(', ')} need${given.length === 1 ? 's' : ''} --condition <clip file or data index> (they condition a video run on known frames)`);
    return undefined;
  }
  if (session.kind !== 'video') throw new UsageError(`sample: --condition needs a video run; this run's data, ${session.config.data}, is ${session.kind === 'image' ? 'images' : session.kind === '2d' ? '2-D points' : 'binary images'}`);
  const F = session.data.shape[2]!;
  const methodName = flags.method ?? 'reconstruction';
  if (methodName === 'replacement' && flags.guidanceWeight !== undefined) throw new UsageError('sample: --guidance-weight is the weight w_r of --method reconstruction; --method replacement has none');
  const framesKnown = flags.framesKnown ?? Math.floor(F / 2);
  if (framesKnown < 1 || framesKnown >= F) throw new UsageError(`sample: --frames-known ${framesKnown} must be in [1, ${F - 1}]: the run's clips have ${F} frames`);
  const length = flags.length ?? F;
  if (length <= framesKnown) throw new UsageError(`sample: --length ${length} must exceed --frames-known ${framesKnown}`);
  const method: FrameMethod = methodName === 'replacement' ? { kind: 'replacement' } : { kind: 'reconstruction', weight: flags.guidanceWeight ?? DEFAULT_GUIDANCE_WEIGHT };
  const blocks = length <= F ? 1 : 1 + Math.ceil((length - F) / (F - framesKnown));
  return { condition: flags.condition, framesKnown, method, length, blockFrames: F, blocks };
}

/**
 * The clips to continue, [n, C, k, H, W] (their first k frames): a non-negative integer i takes held-out
 * clips i … i + n − 1 of the run's data (never training clips); anything else is a safetensors file whose
 * `samples` (as `sample --out` writes) or `clips` tensor is [M, C, F', H, W] with the run's C, H, W and
 * F' ≥ k: one clip for all n samples, or its first n clips.
 */
export function conditionClips(session: Session, plan: VideoPlan, n: number): Tensor {
  const [, C, , H, W] = session.data.shape as [number, number, number, number, number];
  const k = plan.framesKnown;
  if (/^\d+$/.test(plan.condition)) {
    const index = Number(plan.condition);
    if (index + n > 100_000) throw new UsageError(`sample: --condition ${index} with --n ${n} reaches past held-out clip 99999`);
    const clips = heldOut(session.config.data, index + n, session.config.seed);
    const F = clips.shape[2]!, row = C * F * H * W;
    return tensor(clips.data.subarray(index * row, (index + n) * row), { shape: [n, C, F, H, W] }).narrow(2, 0, k);
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
  if (F < k) throw new CliError(`--condition ${plan.condition}: its clips have ${F} frames, fewer than --frames-known ${k}`);
  if (M !== 1 && M < n) throw new CliError(`--condition ${plan.condition}: it holds ${M} clips, fewer than --n ${n} (give one clip for all samples, or at least n)`);
  const row = C * F * H * W;
  const values = M === 1 ? Float32Array.from({ length: n * row }, (_, i) => clips.data[i % row]!) : Float32Array.from(clips.data.subarray(0, n * row));
  return tensor(values, { shape: [n, C, F, H, W] }).narrow(2, 0, k);
}

/**
 * Sample n clips of `plan.length` frames continuing `start` ([n, C, k, H, W]): block 1 completes the
 * first F frames, each further block is conditioned on the last k frames made (extendAutoregressive).
 * Sample k draws from its own generator (seed + k) through every block, so it is the same alone or in a batch.
 * `onStep` sees steps numbered across blocks.
 */
export function generateClips(session: Session, o: SampleOptions, plan: VideoPlan, start: Tensor): Tensor {
  const generators = Array.from({ length: o.n }, (_, k) => new Generator(o.seed + k));
  let block = 0;
  const onStep = o.onStep === undefined ? undefined : (info: StepInfo) => o.onStep!({ ...info, i: block * o.steps + info.i });
  return extendAutoregressive(
    (condition) => {
      const clip = generate(session, { ...o, onStep, generators, frames: { condition, method: plan.method } });
      block++;
      return clip;
    },
    start,
    { blockFrames: plan.blockFrames, length: plan.length, overlap: plan.framesKnown },
  );
}
