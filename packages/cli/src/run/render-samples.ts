/** Writing samples to a file: a PNG picture, or a GIF (a trajectory of x₀ estimates, or clips playing). */
import type { Tensor } from '@diffusion-ts/tensor';
import type { StepInfo } from '@diffusion-ts/diffusion';
import { encodeGif, encodePng } from '../render/index.ts';
import { clipsGif, picture, pointLimits, type SampleBatch } from './pictures.ts';
import type { Session } from './session.ts';

/** A tensor's values and shape, read with `await t.data()` (every backend, gpu included). */
export async function readBatch(x: Tensor): Promise<SampleBatch> {
  const shape = x.shape;
  return { data: Float32Array.from(await x.data()), shape };
}

/**
 * Collects the denoiser's x₀ estimate at each step, to animate it. The read starts inside the
 * callback, which takes hold of the values before the sampler releases the tensor (gpu); `frames()`
 * awaits them once sampling is done.
 */
export function trajectoryRecorder(): { onStep: (info: StepInfo) => void; frames: () => Promise<SampleBatch[]> } {
  const pending: Promise<SampleBatch>[] = [];
  return {
    onStep: (info) => {
      const frame = readBatch(info.denoised);
      frame.catch(() => {}); // failures surface in frames(); this only keeps an early one from being reported as unhandled
      pending.push(frame);
    },
    frames: () => Promise.all(pending),
  };
}

/**
 * The bytes of the output file for these samples: PNG, or GIF (`frames` = the trajectory; clips play).
 * `nrow`: images or clips per row of the grid (default square; a PNG of clips has one clip per row).
 */
export function renderSamples(session: Session, samples: SampleBatch, format: 'png' | 'gif', frames: readonly SampleBatch[] = [], { nrow }: { nrow?: number } = {}): Uint8Array {
  const reference = session.kind === '2d' ? session.data.data.subarray(0, 2000) : undefined;
  if (format === 'png') return encodePng(picture(session.kind, samples, { reference, nrow }));
  if (session.kind === 'video') return clipsGif(samples, { nrow });
  const limits = session.kind === '2d' ? pointLimits(reference!) : undefined;
  const images = [...frames, samples].map((x, i) => picture(session.kind, x, { reference, limits, nrow, title: i < frames.length ? `step ${i + 1}: x0 estimate` : 'samples' }));
  return encodeGif(images, { delayMs: 120 });
}
