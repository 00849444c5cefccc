/**
 * Raw samples as a safetensors file, for evaluation elsewhere (PyTorch, NumPy, JAX):
 *
 *   samples   F32 [N, C, H, W] images ([N, 2] points, [N, C, F, H, W] clips), in the data's range
 *   labels    I32 [N], the class each sample was drawn from (class-conditional runs only)
 *   __metadata__: format SAMPLES_FORMAT, data, range, sampler, steps, seed, guidance, step (of the run), and for
 *   clips sampled on known frames: condition, frames_known (continued clips) or interpolate (the factor s of
 *   temporal super-resolution), method, guidance_weight (reconstruction only)
 *
 * In Python: `safetensors.numpy.load_file('samples.safetensors')['samples']`.
 */
import { encodeSafetensors, type StoredTensor } from '@diffusion-ts/nn';
import type { DatasetKind } from '../data/registry.ts';
import type { SampleBatch } from './pictures.ts';

/** The value of `__metadata__.format` in a samples file. */
export const SAMPLES_FORMAT = 'diffusion-ts.samples.v1';

/** The range of each kind of data, as written in the file's metadata. */
export const dataRanges: Record<DatasetKind, string> = {
  image: '[-1, 1]',
  video: '[-1, 1]',
  binary: '{0, 1}',
  '2d': 'the data set\'s own coordinates (unbounded)',
};

export interface SampleFileInfo {
  data: string;
  kind: DatasetKind;
  sampler: string;
  steps: number;
  seed: number;
  guidance: number;
  /** The training step of the weights that drew them. */
  step: number;
  /** Video runs sampled on known frames: the clips' source, how many first frames were known (or the interpolation factor), and the method. */
  video?: { condition: string; framesKnown?: number; interpolate?: number; method: string; guidanceWeight?: number };
}

/** The bytes of a samples file: `batch` as float32, with `labels` as int32 when given. */
export function encodeSamples(batch: SampleBatch, labels: Int32Array | undefined, info: SampleFileInfo): Uint8Array {
  const n = batch.shape[0]!;
  if (labels !== undefined && labels.length !== n) throw new RangeError(`encodeSamples: ${labels.length} labels for ${n} samples`);
  const tensors: Record<string, StoredTensor> = { samples: { dtype: 'float32', shape: [...batch.shape], data: batch.data } };
  if (labels !== undefined) tensors['labels'] = { dtype: 'int32', shape: [n], data: labels };
  const { data, kind, sampler, steps, seed, guidance, step, video } = info;
  const conditioned = video === undefined ? {} : {
    condition: video.condition,
    ...(video.framesKnown === undefined ? {} : { frames_known: String(video.framesKnown) }),
    ...(video.interpolate === undefined ? {} : { interpolate: String(video.interpolate) }),
    method: video.method,
    ...(video.guidanceWeight === undefined ? {} : { guidance_weight: String(video.guidanceWeight) }),
  };
  return encodeSafetensors(tensors, {
    format: SAMPLES_FORMAT, data, range: dataRanges[kind], sampler, steps: String(steps), seed: String(seed), guidance: String(guidance), step: String(step), ...conditioned,
  });
}
