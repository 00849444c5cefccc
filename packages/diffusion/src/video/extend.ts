/**
 * Longer and denser clips from a model trained on blocks of F frames, by conditioning on frames already
 * made (Ho et al. 2022, Sec. 3.1): autoregressive extension, where each new block is conditioned on the
 * last frames of the previous one, and temporal super-resolution, where given frames sit at a stride and
 * the model fills the frames between them. Both only need a block sampler conditioned on known frames,
 * so they work with either method (replacement or reconstruction guidance) and any sampler.
 */
import { cat, zeros, type Tensor } from '@diffusion-ts/tensor';
import { frameCondition, type FrameCondition } from './frame-condition.ts';

/**
 * Draws one block of F frames [B, C, F, H, W] given the condition (its `known` clip has the block's shape).
 * For sample k to be the same alone or in a batch, draw its noise from per-sample generators.
 */
export type BlockSampler = (condition: FrameCondition) => Tensor;

/**
 * Fill the frames of the window [start, start + F) that are still unknown: the frames already in `frames`
 * are the condition, the rest come from one call of `sampleBlock`. Frames past `frames.length` are
 * sampled (the model needs F) and dropped.
 */
function fillWindow(sampleBlock: BlockSampler, frames: (Tensor | null)[], start: number, F: number, blank: Tensor): void {
  const slots = Array.from({ length: F }, (_, j) => frames[start + j] ?? null);
  const known = slots.flatMap((f, j) => (f === null ? [] : [j]));
  const block = sampleBlock(frameCondition(cat(slots.map((f) => f ?? blank), 2), known));
  for (let j = 0; j < F && start + j < frames.length; j++) if (frames[start + j] === null) frames[start + j] = block.narrow(2, j, 1);
}

/** Frames [B, C, 1, H, W] of a clip [B, C, K, H, W]. */
const framesOf = (clip: Tensor): Tensor[] => Array.from({ length: clip.shape[2]! }, (_, k) => clip.narrow(2, k, 1));

function checkClipShape(op: string, clip: Tensor): void {
  if (clip.ndim !== 5) throw new RangeError(`${op}: clips are [B, C, F, H, W], got [${clip.shape}]`);
}

export interface ExtendOptions {
  /** F: frames per block, the number the model was trained on. */
  blockFrames: number;
  /** Frames of the result (≥ the frames given). */
  length: number;
  /** How many of the last frames made condition the next block: default the number of frames given (at least 1), below F. */
  overlap?: number;
}

/**
 * Autoregressive extension (Ho et al. 2022, Sec. 3.1 and 4.3.3): start from the k given frames
 * (`start` [B, C, k, H, W], k ≤ F; k = 0 draws the first block unconditionally), complete the first block
 * of F frames conditioned on them, then repeatedly draw a block whose first `overlap` frames are the last
 * `overlap` frames made so far, keeping its F − overlap new frames, until `length` frames exist.
 * @returns [B, C, length, H, W]; its first k frames are `start`'s
 */
export function extendAutoregressive(sampleBlock: BlockSampler, start: Tensor, { blockFrames: F, length, overlap }: ExtendOptions): Tensor {
  checkClipShape('extendAutoregressive', start);
  const k = start.shape[2]!;
  const o = overlap ?? Math.max(k, 1);
  if (!Number.isInteger(F) || F < 2) throw new RangeError(`extendAutoregressive: blockFrames must be an integer >= 2, got ${F}`);
  if (k > F) throw new RangeError(`extendAutoregressive: ${k} frames given, more than a block of ${F}`);
  if (!Number.isInteger(length) || length < Math.max(k, 1)) throw new RangeError(`extendAutoregressive: length must be an integer >= ${Math.max(k, 1)} (the frames given), got ${length}`);
  if (!Number.isInteger(o) || o < 1 || o >= F) throw new RangeError(`extendAutoregressive: overlap must be an integer in [1, ${F - 1}] (blocks of ${F} frames), got ${o}`);
  const [B, C, , H, W] = start.shape as [number, number, number, number, number];
  const blank = zeros([B, C, 1, H, W], { dtype: start.dtype });
  const frames: (Tensor | null)[] = [...framesOf(start), ...Array.from({ length: Math.max(length - k, 0) }, () => null)];
  fillWindow(sampleBlock, frames, 0, F, blank);
  for (let made = Math.min(F, length); made < length; made += F - o) fillWindow(sampleBlock, frames, made - o, F, blank);
  return cat(frames.slice(0, length) as Tensor[], 2);
}

export interface InterpolateOptions {
  /** F: frames per block, the number the model was trained on. */
  blockFrames: number;
  /** s: the result has s − 1 new frames between each pair of given ones (1 < s < F). */
  factor: number;
}

/**
 * Temporal super-resolution (Ho et al. 2022, Sec. 3.1: "xᵃ a video of lower frame rate, xᵇ the frames in
 * between"): the K given frames (`coarse` [B, C, K, H, W]) are placed at frames 0, s, 2s, … of a clip of
 * (K − 1)·s + 1 frames, and windows of F frames, each starting F − s frames after the last, fill the
 * rest; every frame already placed or made in a window is part of its condition, so windows agree where
 * they overlap.
 * @returns [B, C, (K − 1)·s + 1, H, W]; frame i·s is given frame i
 */
export function interpolateFrames(sampleBlock: BlockSampler, coarse: Tensor, { blockFrames: F, factor: s }: InterpolateOptions): Tensor {
  checkClipShape('interpolateFrames', coarse);
  if (!Number.isInteger(F) || F < 2) throw new RangeError(`interpolateFrames: blockFrames must be an integer >= 2, got ${F}`);
  if (!Number.isInteger(s) || s < 2 || s >= F) throw new RangeError(`interpolateFrames: factor must be an integer in [2, ${F - 1}] (blocks of ${F} frames), got ${s}`);
  const K = coarse.shape[2]!;
  if (K < 2) throw new RangeError(`interpolateFrames: needs at least 2 given frames, got ${K}`);
  const [B, C, , H, W] = coarse.shape as [number, number, number, number, number];
  const N = (K - 1) * s + 1;
  const frames: (Tensor | null)[] = Array.from({ length: N }, () => null);
  framesOf(coarse).forEach((f, i) => { frames[i * s] = f; });
  const blank = zeros([B, C, 1, H, W], { dtype: coarse.dtype });
  for (let start = 0; frames.includes(null); start += F - s) fillWindow(sampleBlock, frames, start, F, blank);
  return cat(frames as Tensor[], 2);
}
