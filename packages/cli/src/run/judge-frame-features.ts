/**
 * Frame features for Moving MNIST from the MNIST judge, the clean-image classifier that also measures
 * `eval --fid` (by default the shipped models/mnist-classifier): the "real-data feature network" of
 * issue 12's per-frame quality, where pixel statistics (`pixelStatistics`) stand in for other data.
 *
 * The judge was trained on `mnist16`: a 28×28 MNIST digit padded to 32×32 and averaged over 2×2 blocks,
 * so a 14×14 digit, centred by its centre of mass (as MNIST is), in a 16×16 image on background −1.
 * A Moving MNIST frame is brought to that: `moving-mnist64` frames (28×28 digits) are averaged over 2×2
 * blocks first, as `moving-mnist` (32×32, 14×14 digits) is made from them; then each frame is cropped to
 * the 16×16 window centred on its foreground centroid, −1 outside the frame (`centroidCrops`).
 *
 * For a one-digit frame (half of the clips) that window is what the judge was trained on, up to half a
 * pixel of centring and the digit's moving position within the pooling grid. For a two-digit frame it is
 * not: the window sits at the pair's joint centroid, so it holds parts of both digits (overlapping when
 * they are close, cut at the window's edges when they are apart, possibly little of either when they
 * are far apart), inputs unlike any the judge saw. Its features of such frames are still a fixed function
 * of the frame, so data and samples are compared like for like, and a model that draws two-digit frames
 * unlike the data's is still measured; but they are not "the digit's features" there.
 */
import { centroidCrops, type FrameFeatures } from '@diffusion-ts/diffusion';
import { UsageError } from '../args.ts';
import type { DatasetName } from '../data/registry.ts';
import { classifyImages } from './classify.ts';
import type { Session } from './session.ts';

/** The data the judge measures, each with the pooling that brings its digits to mnist16's 14 pixels. */
export const judgeFramePools = { 'moving-mnist': 1, 'moving-mnist64': 2 } as const satisfies Partial<Record<DatasetName, number>>;

/** Whether the judge's frame features apply to `data` (Moving MNIST). */
export const judgeMeasures = (data: DatasetName): data is keyof typeof judgeFramePools => Object.hasOwn(judgeFramePools, data);

/**
 * The judge's penultimate features (128 for the shipped ConvClassifier) of 16×16 windows centred on each
 * frame's foreground centroid, after averaging the frames over pool×pool blocks (pool 1 for `moving-mnist`,
 * 2 for `moving-mnist64`; `judgeFramePools`): all frames of a set go through the judge in its batches.
 * The judge must be a clean-image classifier of `mnist16` (the scale the windows are cut at). Async
 * because the judge's values are read with `await t.data()`, which every backend allows.
 */
export async function judgeFrameFeatures(judge: Session, { pool }: { pool: number }): Promise<FrameFeatures> {
  if (judge.config.data !== 'mnist16' || judge.features === undefined) {
    throw new UsageError(`the frame features take a --model classifier run on mnist16 (its 16×16 digits are the scale of the crops); the judge is a --model ${judge.config.model} run on ${judge.config.data}`);
  }
  const [, channels, side] = judge.data.shape as [number, number, number, number];
  const blank = { data: new Float32Array(channels * side * side).fill(-1), shape: [1, channels, side, side] };
  const dim = (await classifyImages(judge, blank, { withFeatures: true })).featureDim!;
  return {
    name: `MNIST judge, ${dim} penultimate features of ${side}×${side} centroid crops${pool > 1 ? ` of the ${pool}×${pool}-averaged frames` : ''}`,
    dim,
    async extract(frames, shape) {
      if (shape[1] !== channels) throw new RangeError(`judgeFrameFeatures: the judge takes ${channels}-channel frames, got frames [${shape}]`);
      const crops = centroidCrops(frames, shape, { side, pool, fill: -1 });
      return (await classifyImages(judge, crops, { withFeatures: true })).features!;
    },
  };
}
