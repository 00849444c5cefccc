/**
 * Standard errors for the video table (issue 12) by the nonparametric bootstrap over clips (Efron &
 * Tibshirani 1993; `bootstrapWeights`, `summarizeReplicates`). Each replicate draws one resample of the
 * n clip indices and gives it to every row, so the two continuations of the same held-out clips
 * (replacement, reconstruction guidance) stay paired, and an independent resample of the reference
 * clips; every measure of every row is then recomputed from its per-clip parts, without sampling again.
 * The same replicates of two rows give their paired difference: its standard error and percentile
 * interval say whether one method is ahead of the other beyond the resampling noise of n clips.
 */
import { bootstrapWeights, frechetDistance, pooledCoherence, summarizeReplicates, type BootstrapSummary, type ClipCoherence, type ClipFeatureMoments, type MeanCovariance } from '@diffusion-ts/diffusion';

/** The table's columns: per-frame quality, then the four coherence measures (lower is better in each). */
export const videoMeasureNames = ['frechet', 'warpError', 'centroidAcceleration', 'massVariation', 'sizeVariation'] as const;
export type VideoMeasureName = (typeof videoMeasureNames)[number];
export type VideoMeasures = Record<VideoMeasureName, number>;

/** A row's clips as per-clip parts: frame features for the Fréchet distance, coherence sums and counts. */
export interface ClipParts {
  features: ClipFeatureMoments;
  coherence: readonly ClipCoherence[];
}

/** The row's measures against `reference`, clip i counted `weights[i]` times (default once). */
export function measuresOf(parts: ClipParts, reference: MeanCovariance, weights?: ArrayLike<number>): VideoMeasures {
  return { frechet: frechetDistance(parts.features.moments(weights), reference), ...pooledCoherence(parts.coherence, weights) };
}

export interface BootstrapOptions {
  /** B, the number of resamples (≥ 2). */
  replicates: number;
  seed: number;
}

/**
 * B replicates of every row's measures, [row][b]. Every row must hold the same number of clips (they are
 * resampled together); the reference is resampled on its own.
 */
export function bootstrapRows(rows: readonly ClipParts[], reference: ClipFeatureMoments, { replicates, seed }: BootstrapOptions): VideoMeasures[][] {
  const n = rows[0]?.features.clips ?? 0;
  rows.forEach((r, i) => {
    if (r.features.clips !== n || r.coherence.length !== n) throw new RangeError(`bootstrapRows: row ${i} has ${r.features.clips} clips of features and ${r.coherence.length} of coherence; every row must have row 0's ${n}`);
  });
  const rowWeights = bootstrapWeights(n, replicates, seed), referenceWeights = bootstrapWeights(reference.clips, replicates, seed + 1);
  const out: VideoMeasures[][] = rows.map(() => []);
  for (let b = 0; b < replicates; b++) {
    const ref = reference.moments(referenceWeights[b]);
    rows.forEach((r, i) => out[i]!.push(measuresOf(r, ref, rowWeights[b])));
  }
  return out;
}

/** The summary of one measure's replicates, or NaN throughout where some replicate is not finite. */
function summaryOf(values: number[], level: number): BootstrapSummary {
  return values.every(Number.isFinite) ? summarizeReplicates(values, level) : { standardError: NaN, low: NaN, high: NaN };
}

/** The bootstrap standard error of each measure. */
export function standardErrors(replicates: readonly VideoMeasures[]): VideoMeasures {
  return Object.fromEntries(videoMeasureNames.map((m) => [m, summaryOf(replicates.map((r) => r[m]), 0.95).standardError])) as VideoMeasures;
}

/** A measure's paired difference a − b: the point estimate, its standard error and percentile interval. */
export type Difference = BootstrapSummary & { difference: number };

/** a − b for every measure, from the two rows' point estimates and their replicates on the same resamples. */
export function pairedDifference(a: { point: VideoMeasures; replicates: readonly VideoMeasures[] }, b: { point: VideoMeasures; replicates: readonly VideoMeasures[] }, level = 0.95): Record<VideoMeasureName, Difference> {
  if (a.replicates.length !== b.replicates.length) throw new RangeError(`pairedDifference: ${a.replicates.length} replicates against ${b.replicates.length}`);
  return Object.fromEntries(videoMeasureNames.map((m) => [m, { difference: a.point[m] - b.point[m], ...summaryOf(a.replicates.map((r, k) => r[m] - b.replicates[k]![m]), level) }])) as Record<VideoMeasureName, Difference>;
}
