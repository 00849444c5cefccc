/**
 * Known frames of a clip, the conditioning of Ho et al. 2022 ("Video Diffusion Models", Sec. 3.1):
 * a clip x = [xᵃ, xᵇ] split along its frames into the part xᵃ we are given and the part xᵇ to generate.
 * Clips are [B, C, F, H, W] (channels, then frames), as the video U-Net takes them.
 */
import { tensor, type Tensor } from '@diffusion-ts/tensor';

/**
 * xᵃ and where it sits: `known` holds the full clip shape [B, C, F, H, W], read only at the frames
 * listed in `frames` (the rest may hold anything), and `mask` is 1 at those frames and 0 elsewhere,
 * shaped [1, 1, F, 1, 1] to broadcast against a clip.
 */
export interface FrameCondition {
  readonly known: Tensor;
  readonly frames: readonly number[];
  readonly mask: Tensor;
  /** 1 − mask: 1 at the frames to generate. */
  readonly unknownMask: Tensor;
}

/**
 * The condition "frames `frames` of every clip equal those of `known`" ([B, C, F, H, W]). Throws when
 * `known` is not 5-D, or a frame index is not an integer in [0, F) or repeats; an empty list is allowed
 * (no frame known: the samplers then run unconditionally), all F frames known too.
 */
export function frameCondition(known: Tensor, frames: readonly number[]): FrameCondition {
  if (known.ndim !== 5) throw new RangeError(`frameCondition: known frames must be a clip [B, C, F, H, W], got [${known.shape}]`);
  const F = known.shape[2]!;
  const seen = new Set<number>();
  for (const f of frames) {
    if (!Number.isInteger(f) || f < 0 || f >= F) throw new RangeError(`frameCondition: frame ${f} is not an integer in [0, ${F}) (clip [${known.shape}])`);
    if (seen.has(f)) throw new RangeError(`frameCondition: frame ${f} is listed twice`);
    seen.add(f);
  }
  const m = new Float64Array(F);
  for (const f of frames) m[f] = 1;
  const mask = tensor(m, { shape: [1, 1, F, 1, 1], dtype: known.dtype });
  return { known, frames: [...frames].sort((a, b) => a - b), mask, unknownMask: tensor(m.map((v) => 1 - v), { shape: mask.shape, dtype: known.dtype }) };
}

/** Throws unless the clip x has the condition's shape (the sampler's state and the known clip must agree). */
export function checkClip(op: string, x: Tensor, c: FrameCondition): void {
  const want = c.known.shape;
  if (x.ndim !== 5 || x.shape.some((n, k) => n !== want[k])) {
    throw new RangeError(`${op}: the clip being sampled is [${x.shape}] but the known frames are given as [${want}]`);
  }
}

/** mask·a + (1 − mask)·b: the known frames from a, the others from b (exactly, for finite values). */
export function mergeFrames(c: FrameCondition, a: Tensor, b: Tensor): Tensor {
  return a.mul(c.mask).add(b.mul(c.unknownMask));
}
