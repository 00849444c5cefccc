/** Writing samples to a file: a PNG picture, or a GIF (a trajectory of x₀ estimates, or clips playing). */
import type { Tensor } from '@diffusion-ts/tensor';
import type { StepInfo } from '@diffusion-ts/diffusion';
import { encodeGif, encodePng } from '../render/index.ts';
import { clipsGif, picture, pointLimits } from './pictures.ts';
import type { Session } from './session.ts';

const asBatch = (x: Tensor) => ({ data: Float32Array.from(x.dataSync()), shape: x.shape });

/** Collects the denoiser's x₀ estimate at each step, to animate it. */
export function trajectoryRecorder(): { onStep: (info: StepInfo) => void; frames: Tensor[] } {
  const frames: Tensor[] = [];
  return { frames, onStep: (info) => { frames.push(info.denoised); } };
}

/** The bytes of the output file for these samples: PNG, or GIF (`frames` = the trajectory). */
export function renderSamples(session: Session, samples: Tensor, format: 'png' | 'gif', frames: readonly Tensor[] = []): Uint8Array {
  const reference = session.kind === '2d' ? session.data.data.subarray(0, 2000) : undefined;
  if (format === 'png') return encodePng(picture(session.kind, asBatch(samples), { reference }));
  if (session.kind === 'video') return clipsGif(asBatch(samples));
  const limits = session.kind === '2d' ? pointLimits(reference!) : undefined;
  const images = [...frames, samples].map((x, i) => picture(session.kind, asBatch(x), { reference, limits, title: i < frames.length ? `step ${i + 1}: x0 estimate` : 'samples' }));
  return encodeGif(images, { delayMs: 120 });
}
