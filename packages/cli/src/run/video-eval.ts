/**
 * The video table of issue 12, computed by one function that `diffusion-ts eval --video` and
 * `bench/video-metrics.ts` share: per-frame quality (Fréchet distance of frame features against held-out
 * clips) and temporal coherence, for these rows:
 * - data against data (the floor): a second set of held-out clips;
 * - the video model unconditional;
 * - the video model continuing held-out clips from their first k frames, by replacement and by
 *   reconstruction guidance (Ho et al. 2022, Sec. 3.1);
 * - the same network sampling every frame independently (its temporal attention masked, as in joint
 *   image/video training, imageFrames = F): the flicker baseline.
 * Fréchet distances of conditional rows use the generated frames only (the known ones are real).
 * The frame features (`frameFeaturesFor`): the MNIST judge's on Moving MNIST (judge-frame-features.ts),
 * pixel statistics on other clips or when asked.
 */
import { tensor } from '@diffusion-ts/tensor';
import { VideoUNet } from '@diffusion-ts/nn';
import { frameCondition, frameMoments, frechetDistance, pixelStatistics, temporalCoherence, type ClipBatch, type FrameFeatures, type MeanCovariance, type TemporalCoherence } from '@diffusion-ts/diffusion';
import { UsageError } from '../args.ts';
import { heldOut, type DatasetName } from '../data/registry.ts';
import type { Dataset } from '../data/types.ts';
import { judgeFrameFeatures, judgeFramePools, judgeMeasures } from './judge-frame-features.ts';
import { loadJudge, shippedClassifier } from './quality.ts';
import { generate, type FrameMethod, type SamplerName } from './samplers.ts';
import type { Session } from './session.ts';

export interface VideoRow {
  name: string;
  frechet: number;
  coherence: TemporalCoherence;
}

export interface VideoEvalOptions {
  n: number;
  seed: number;
  sampler: SamplerName;
  steps: number;
  /** Frames known in the conditional rows. */
  framesKnown: number;
  guidanceWeight: number;
  /** The frame features of the Fréchet distances (`frameFeaturesFor`). */
  features: FrameFeatures;
  /** Called once a row is done (for progress). */
  onRow?: (row: VideoRow) => void;
}

/** The frame features `--features` chooses between: the MNIST judge's (Moving MNIST only) and pixel statistics. */
export const frameFeatureNames = ['judge', 'pixels'] as const;
export type FrameFeatureName = (typeof frameFeatureNames)[number];
export const frameFeatureHelp = `judge (the MNIST --judge's penultimate features of 16×16 crops at each frame's digits; the default on ${Object.keys(judgeFramePools).join(' and ')}) or pixels (22 pixel statistics per frame; the default elsewhere)`;

/**
 * The frame features for clips of `data`: `choice`, or by default the judge's on Moving MNIST and pixel
 * statistics elsewhere. The judge is loaded from `judgePath` (default the shipped MNIST classifier).
 */
export async function frameFeaturesFor(data: DatasetName, choice: FrameFeatureName | undefined, judgePath: string = shippedClassifier): Promise<FrameFeatures> {
  const name = choice ?? (judgeMeasures(data) ? 'judge' : 'pixels');
  switch (name) {
    case 'pixels':
      return pixelStatistics;
    case 'judge': {
      if (!judgeMeasures(data)) throw new UsageError(`--features judge: the MNIST judge measures Moving MNIST frames (${Object.keys(judgeFramePools).join(', ')}); '${data}' is not, so use --features pixels`);
      return judgeFrameFeatures(await loadJudge(judgePath, '--judge'), { pool: judgeFramePools[data] });
    }
    default: {
      const never: never = name;
      throw new UsageError(`--features ${String(never)} is not one of ${frameFeatureNames.join(', ')}`);
    }
  }
}

/** Frames [from, F) of every clip. */
function framesFrom(clips: ClipBatch, from: number): ClipBatch {
  const [N, C, F, H, W] = clips.shape as [number, number, number, number, number];
  const keep = F - from, plane = H * W;
  const data = new Float32Array(N * C * keep * plane);
  for (let i = 0; i < N * C; i++) for (let f = 0; f < keep; f++) for (let k = 0; k < plane; k++) data[(i * keep + f) * plane + k] = clips.data[(i * F + from + f) * plane + k]!;
  return { data, shape: [N, C, keep, H, W] };
}

const asBatch = (d: Dataset): ClipBatch => ({ data: d.data, shape: d.shape });

/**
 * The data-against-data row: `n` held-out clips (seed + 1) against the reference set (seed), and the
 * reference's feature moments, which every other row is compared with.
 */
export async function floorRow(data: DatasetName, n: number, seed: number, features: FrameFeatures): Promise<{ reference: MeanCovariance; row: VideoRow }> {
  const reference = await frameMoments(asBatch(heldOut(data, n, seed)), features), other = asBatch(heldOut(data, n, seed + 1));
  return { reference, row: { name: 'data against data (floor)', frechet: frechetDistance(await frameMoments(other, features), reference), coherence: temporalCoherence(other) } };
}

/** Every row of the table for a trained video run. */
export async function videoRows(session: Session, o: VideoEvalOptions): Promise<VideoRow[]> {
  const { features } = o;
  const { reference, row: floor } = await floorRow(session.config.data, o.n, o.seed, features);
  o.onRow?.(floor);
  const rows = [floor];
  const add = async (name: string, s: Session, frames: { clips: ClipBatch; k: number; method: FrameMethod } | undefined) => {
    const condition = frames === undefined ? undefined : frameCondition(tensor(Float32Array.from(frames.clips.data), { shape: [...frames.clips.shape] }), Array.from({ length: frames.k }, (_, f) => f));
    const x = generate(s, { sampler: o.sampler, steps: o.steps, n: o.n, seed: o.seed, ...(condition ? { frames: { condition, method: frames!.method } } : {}) });
    const clips: ClipBatch = { data: Float32Array.from(await x.data()), shape: x.shape };
    const row = { name, frechet: frechetDistance(await frameMoments(frames ? framesFrom(clips, frames.k) : clips, features), reference), coherence: temporalCoherence(clips) };
    o.onRow?.(row);
    rows.push(row);
  };
  await add('video model, unconditional', session, undefined);
  const toContinue = asBatch(heldOut(session.config.data, o.n, o.seed + 2));
  await add(`continuing held-out clips from ${o.framesKnown} frames: replacement`, session, { clips: toContinue, k: o.framesKnown, method: { kind: 'replacement' } });
  await add(`continuing held-out clips from ${o.framesKnown} frames: reconstruction guidance, w_r = ${o.guidanceWeight}`, session, { clips: toContinue, k: o.framesKnown, method: { kind: 'reconstruction', weight: o.guidanceWeight } });
  if (session.module instanceof VideoUNet) {
    const net = session.module, F = session.data.shape[2]!;
    await add('the same network, every frame independent (flicker baseline)', { ...session, forward: (x, t, y) => net.forward(x, t, y, { imageFrames: F }) }, undefined);
  }
  return rows;
}

/** The rows as a Markdown table, its Fréchet column headed by the features' name. */
export function videoTable(rows: readonly VideoRow[], features: FrameFeatures): string {
  const f = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
  return [
    `| | Fréchet distance (${features.name}) | warping error | centroid acceleration (px) | mass variation | size variation |`,
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${f(r.frechet)} | ${f(r.coherence.warpError, 5)} | ${f(r.coherence.centroidAcceleration, 3)} | ${f(r.coherence.massVariation, 3)} | ${f(r.coherence.sizeVariation, 3)} |`),
    '',
  ].join('\n');
}
