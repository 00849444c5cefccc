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
import { ClipFeatureMoments, clipCoherences, frameCondition, pixelStatistics, type ClipBatch, type FrameFeatures, type MeanCovariance, type TemporalCoherence } from '@diffusion-ts/diffusion';
import { UsageError } from '../args.ts';
import { heldOut, type DatasetName } from '../data/registry.ts';
import type { Dataset } from '../data/types.ts';
import { judgeFrameFeatures, judgeFramePools, judgeMeasures } from './judge-frame-features.ts';
import { generateSet, loadJudge, shippedClassifier } from './quality.ts';
import type { FrameMethod, SamplerName } from './samplers.ts';
import type { Session } from './session.ts';
import { bootstrapRows, measuresOf, pairedDifference, standardErrors, videoMeasureNames, type ClipParts, type Difference, type VideoMeasureName, type VideoMeasures } from './video-bootstrap.ts';

export interface VideoRow {
  name: string;
  frechet: number;
  coherence: TemporalCoherence;
  /** The bootstrap standard error of each measure, when the evaluation resampled. */
  standardError?: VideoMeasures;
}

/** Reconstruction guidance minus replacement on the same held-out clips, by the paired bootstrap. */
export interface VideoComparison {
  replicates: number;
  level: number;
  differences: Record<VideoMeasureName, Difference>;
}

export interface VideoEvaluation {
  rows: VideoRow[];
  /** Absent when the evaluation did not resample (`bootstrap` 0). */
  comparison?: VideoComparison;
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
  /** Bootstrap resamples of the clips for the standard errors and the comparison (0: none; else ≥ 2). */
  bootstrap: number;
  /** Called once a row is done, and once more when the resampling is (for progress). */
  onRow?: (row: VideoRow | undefined) => void;
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

/** A set of clips as per-clip parts; the Fréchet distance sees frames [from, F) only. */
async function partsOf(clips: ClipBatch, features: FrameFeatures, from = 0): Promise<ClipParts> {
  return { features: await ClipFeatureMoments.of(from === 0 ? clips : framesFrom(clips, from), features), coherence: clipCoherences(clips) };
}

function rowOf(name: string, parts: ClipParts, reference: MeanCovariance): VideoRow {
  const { frechet, ...coherence } = measuresOf(parts, reference);
  return { name, frechet, coherence };
}

/**
 * The data-against-data row: `n` held-out clips (seed + 1) against the reference set (seed), the
 * reference's per-clip feature moments, which every other row is compared with, and the row's parts.
 */
export async function floorRow(data: DatasetName, n: number, seed: number, features: FrameFeatures): Promise<{ reference: ClipFeatureMoments; row: VideoRow; parts: ClipParts }> {
  const reference = await ClipFeatureMoments.of(asBatch(heldOut(data, n, seed)), features), parts = await partsOf(asBatch(heldOut(data, n, seed + 1)), features);
  return { reference, parts, row: rowOf('data against data (floor)', parts, reference.moments()) };
}

/**
 * Clips sampled in one call. Clip i uses seed + i whatever the chunk, so the rows do not depend on it;
 * memory does: 128 clips of Moving MNIST at once took a peak RSS of 14.3 GiB on wasm.
 */
const CLIPS_PER_CALL = 16;

/**
 * Every row of the table for a trained video run, with bootstrap standard errors and the paired comparison
 * of reconstruction guidance against replacement when `bootstrap` ≥ 2.
 */
export async function videoEvaluation(session: Session, o: VideoEvalOptions): Promise<VideoEvaluation> {
  if (o.bootstrap !== 0 && !(Number.isSafeInteger(o.bootstrap) && o.bootstrap >= 2)) throw new RangeError(`videoEvaluation: bootstrap must be 0 or an integer ≥ 2, got ${o.bootstrap}`);
  const { features } = o;
  const { reference, row: floor, parts: floorParts } = await floorRow(session.config.data, o.n, o.seed, features);
  o.onRow?.(floor);
  const rows = [floor], parts = [floorParts], referenceMoments = reference.moments();
  /** Sample and measure one row; returns its index. */
  const add = async (name: string, s: Session, frames: { clips: ClipBatch; k: number; method: FrameMethod } | undefined): Promise<number> => {
    const condition = frames === undefined ? undefined : frameCondition(tensor(Float32Array.from(frames.clips.data), { shape: [...frames.clips.shape] }), Array.from({ length: frames.k }, (_, f) => f));
    const clips = await generateSet(s, { sampler: o.sampler, steps: o.steps, n: o.n, seed: o.seed, ...(condition ? { frames: { condition, method: frames!.method } } : {}) }, { chunk: CLIPS_PER_CALL });
    const p = await partsOf(clips, features, frames?.k ?? 0);
    const row = rowOf(name, p, referenceMoments);
    o.onRow?.(row);
    parts.push(p);
    return rows.push(row) - 1;
  };
  await add('video model, unconditional', session, undefined);
  const toContinue = asBatch(heldOut(session.config.data, o.n, o.seed + 2));
  const replacement = await add(`continuing held-out clips from ${o.framesKnown} frames: replacement`, session, { clips: toContinue, k: o.framesKnown, method: { kind: 'replacement' } });
  const reconstruction = await add(`continuing held-out clips from ${o.framesKnown} frames: reconstruction guidance, w_r = ${o.guidanceWeight}`, session, { clips: toContinue, k: o.framesKnown, method: { kind: 'reconstruction', weight: o.guidanceWeight } });
  if (session.module instanceof VideoUNet) {
    const net = session.module, F = session.data.shape[2]!;
    await add('the same network, every frame independent (flicker baseline)', { ...session, forward: (x, t, y) => net.forward(x, t, y, { imageFrames: F }) }, undefined);
  }
  if (o.bootstrap === 0) return { rows };
  const replicates = bootstrapRows(parts, reference, { replicates: o.bootstrap, seed: o.seed });
  rows.forEach((r, i) => { r.standardError = standardErrors(replicates[i]!); });
  const point = (r: VideoRow): VideoMeasures => ({ frechet: r.frechet, ...r.coherence });
  const level = 0.95;
  const differences = pairedDifference({ point: point(rows[reconstruction]!), replicates: replicates[reconstruction]! }, { point: point(rows[replacement]!), replicates: replicates[replacement]! }, level);
  o.onRow?.(undefined);
  return { rows, comparison: { replicates: o.bootstrap, level, differences } };
}

const columnHeads: Record<VideoMeasureName, string> = { frechet: 'Fréchet distance', warpError: 'warping error', centroidAcceleration: 'centroid acceleration (px)', massVariation: 'mass variation', sizeVariation: 'size variation' };
const digits: Record<VideoMeasureName, number> = { frechet: 4, warpError: 5, centroidAcceleration: 3, massVariation: 3, sizeVariation: 3 };
const format = (v: number, m: VideoMeasureName, extra = 0) => (Number.isFinite(v) ? v.toFixed(digits[m] + extra) : 'n/a');
const header = [`| | ${videoMeasureNames.map((m) => columnHeads[m]).join(' | ')} |`, `|---|${videoMeasureNames.map(() => '---:').join('|')}|`] as const;

/**
 * The rows as a Markdown table, its Fréchet column headed by the features' name; a cell reads
 * "value ± standard error" where the evaluation resampled.
 */
export function videoTable(rows: readonly VideoRow[], features: FrameFeatures): string {
  return [
    header[0].replace('Fréchet distance', `Fréchet distance (${features.name})`),
    header[1],
    ...rows.map((r) => {
      const values: VideoMeasures = { frechet: r.frechet, ...r.coherence };
      return `| ${r.name} | ${videoMeasureNames.map((m) => format(values[m], m) + (r.standardError ? ` ± ${format(r.standardError[m], m)}` : '')).join(' | ')} |`;
    }),
    '',
  ].join('\n');
}

/**
 * The paired comparison as a Markdown table: difference, standard error, percentile interval, and which
 * method the interval puts ahead (lower is better in every column; "neither" when it holds 0).
 */
export function comparisonTable(c: VideoComparison): string {
  const cells = (f: (d: Difference, m: VideoMeasureName) => string) => videoMeasureNames.map((m) => f(c.differences[m], m)).join(' | ');
  const verdict = (d: Difference) => (d.high < 0 ? 'reconstruction guidance' : d.low > 0 ? 'replacement' : Number.isFinite(d.low) ? 'neither (holds 0)' : 'n/a');
  return [
    `Reconstruction guidance minus replacement, on the same held-out clips (paired bootstrap over clips, B = ${c.replicates}; lower is better in every column):`,
    '',
    ...header,
    `| difference | ${cells((d, m) => format(d.difference, m, 1))} |`,
    `| standard error | ${cells((d, m) => format(d.standardError, m, 1))} |`,
    `| ${Math.round(c.level * 100)}% percentile interval | ${cells((d, m) => `[${format(d.low, m, 1)}, ${format(d.high, m, 1)}]`)} |`,
    `| ahead by the interval | ${cells(verdict)} |`,
    '',
  ].join('\n');
}
