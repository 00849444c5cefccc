/**
 * Sample quality on labelled images, measured by a trained clean-image classifier (the "judge",
 * by default the shipped models/mnist-classifier): the Fréchet distance between the Gaussian
 * statistics of its penultimate features on samples and on held-out data (FID's recipe, Heusel et
 * al. 2017, with this classifier in place of Inception-v3), with its floor (as many training examples
 * against the same held-out data), and the class accuracy of class-conditional samples.
 */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { frameCondition, frechetDistance, RunningMoments } from '@diffusion-ts/diffusion';
import { release } from '@diffusion-ts/nn/internal';
import { UsageError } from '../args.ts';
import { datasets, heldOut, type DatasetEntry, type DatasetName } from '../data/registry.ts';
import { Generator } from '@diffusion-ts/tensor';
import { classifyImages, type Images } from './classify.ts';
import { resolveCheckpoint } from './run-folder.ts';
import { readBatch } from './render-samples.ts';
import { generate, type SampleOptions } from './samplers.ts';
import { loadSession, streams, type LoadedSession, type Session } from './session.ts';

/** The shipped 16×16 MNIST classifier (float16 safetensors; see models/mnist-classifier/README.md). */
export const shippedClassifier = fileURLToPath(new URL('../../../../models/mnist-classifier/classifier.safetensors', import.meta.url));

/** Load a clean-image classifier (a `--model classifier` run or its exported file) for `flag`, refusing anything else. */
export async function loadJudge(path: string, flag: string): Promise<LoadedSession> {
  const { checkpoint } = resolveCheckpoint(path);
  if (!existsSync(checkpoint)) throw new UsageError(`${flag} ${path}: no classifier there (a --model classifier run folder or its exported .safetensors)`);
  const judge = await loadSession(checkpoint);
  if (judge.config.model !== 'classifier') throw new UsageError(`${flag} ${path} is a --model ${judge.config.model} run; it must be a --model classifier run (the clean-image classifier)`);
  return judge;
}

/** Throw a UsageError unless `judge` can classify images of `data` (same channels, side a multiple of its own). */
export function checkJudgeFits(judge: Session, data: DatasetName, flag: string): void {
  const probe = datasets[data].make(1, new Generator(0));
  const [, c, h] = probe.shape as [number, number, number, number];
  const [, jc, jh] = judge.data.shape as [number, number, number, number];
  if (datasets[data].kind !== 'image' || probe.labels === undefined || c !== jc || h % jh !== 0) {
    throw new UsageError(`${flag}: the classifier takes ${jc}-channel ${jh}×${jh} images (or k·${jh} sides, averaged down); '${data}' is ${datasets[data].kind} data [${probe.shape.slice(1).join(', ')}]${probe.labels === undefined ? ' without labels' : ''}`);
  }
}

/** Mean and covariance of the judge's features on `images`. */
async function featureMoments(judge: Session, images: Images): Promise<{ mean: Float64Array; covariance: Float64Array }> {
  const { features, featureDim } = await classifyImages(judge, images, { withFeatures: true });
  return new RunningMoments(featureDim!).add(features!).moments();
}

export interface GeneratedSet extends Images {
  /** The class requested for each sample (a class-conditional or classifier-guided run), else undefined. */
  requested?: Int32Array;
}

/**
 * n samples of the run, in chunks of `chunk`: sample i uses seed + i (as `sample` does), so the set is
 * the same whatever the chunk, and memory is bounded by one chunk's sampling. A run that takes a class
 * gets classes in equal blocks: sample i is of class ⌊i·K/n⌋ (or all `classLabel` if given). Known
 * frames (`o.frames`, one clip per sample) are cut into the same chunks: sample i continues clip i.
 */
export async function generateSet(session: Session, o: Omit<SampleOptions, 'onStep'>, { chunk = 100, onProgress }: { chunk?: number; onProgress?: (done: number) => void } = {}): Promise<GeneratedSet> {
  const K = session.config.numClasses;
  const takesClass = session.config.cond || o.classifier !== undefined;
  const classOf = (i: number): number => o.classLabel ?? Math.floor((i * K) / o.n);
  const requested = takesClass ? Int32Array.from({ length: o.n }, (_, i) => classOf(i)) : undefined;
  let data: Float32Array | undefined, shape: readonly number[] = [];
  for (let at = 0; at < o.n;) {
    let end = Math.min(o.n, at + chunk);
    if (requested) while (end > at + 1 && requested[end - 1] !== requested[at]) end--; // one class per call
    const known = o.frames?.condition.known.narrow(0, at, end - at);
    const frames = o.frames && { ...o.frames, condition: frameCondition(known!, o.frames.condition.frames) };
    const x = generate(session, { ...o, n: end - at, seed: o.seed + at, ...(requested ? { classLabel: requested[at] } : {}), ...(frames ? { frames } : {}) });
    const batch = await readBatch(x);
    release(x);
    if (known) release(known);
    const row = batch.data.length / (end - at);
    data ??= new Float32Array(o.n * row);
    data.set(batch.data, at * row);
    shape = [o.n, ...batch.shape.slice(1)];
    at = end;
    onProgress?.(at);
  }
  return { data: data!, shape, ...(requested ? { requested } : {}) };
}

export interface FidResult {
  /** d² of the samples' features to the held-out data's. */
  samples: number;
  /** d² of as many training examples to the same held-out data: what a perfect model would score at this n. */
  floor: number;
  n: number;
  reference: number;
}

/**
 * The Fréchet distance of `samples` to held-out data of `data`, and the floor beside it. The reference
 * is `reference` held-out examples (MNIST: all 2,000), the floor `n` training examples drawn with the seed's data stream.
 */
export async function fid(judge: Session, data: DatasetName, samples: Images, { reference, seed }: { reference: number; seed: number }): Promise<FidResult> {
  const n = samples.shape[0]!;
  const held = await featureMoments(judge, heldOut(data, reference, seed));
  const train = await featureMoments(judge, datasets[data].make(n, streams.data(seed)));
  return { samples: frechetDistance(await featureMoments(judge, samples), held), floor: frechetDistance(train, held), n, reference };
}

/** How many held-out examples the reference statistics use: a fixed held-out part whole (MNIST's 2,000), else n. */
export const referenceSize = (data: DatasetName, n: number): number => (datasets[data] as DatasetEntry).heldOutSize ?? n;

export interface ClassAccuracy {
  /** Per class: [correct, total]. */
  perClass: [number, number][];
  correct: number;
  n: number;
}

/** How often the judge classifies each sample as its requested class. */
export async function classAccuracy(judge: Session, samples: GeneratedSet): Promise<ClassAccuracy> {
  const { predicted } = await classifyImages(judge, samples);
  const K = judge.config.numClasses;
  const perClass = Array.from({ length: K }, (): [number, number] => [0, 0]);
  samples.requested!.forEach((c, i) => { perClass[c]![1]++; if (predicted[i] === c) perClass[c]![0]++; });
  const correct = perClass.reduce((s, [k]) => s + k, 0);
  return { perClass, correct, n: predicted.length };
}
