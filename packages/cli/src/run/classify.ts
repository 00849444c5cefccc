/**
 * Running a trained classifier over many images, in batches: its predictions (class accuracy of
 * samples, held-out accuracy) and its penultimate features (the Fréchet distance's embedding).
 */
import { avgPool2d, noGrad, tensor, type Tensor } from '@diffusion-ts/tensor';
import { release } from '@diffusion-ts/nn/internal';
import { heldOut } from '../data/registry.ts';
import { CliError } from '../errors.ts';
import type { Session } from './session.ts';

/** Images [n, C, H, W] as a flat array and its shape. */
export interface Images {
  data: Float32Array;
  shape: readonly number[];
}

export interface Classified {
  /** The argmax class of each image. */
  predicted: Int32Array;
  /** The penultimate features [n · F] (a clean-image classifier only). */
  features?: Float64Array;
  featureDim?: number;
}

const BATCH = 250;

/**
 * The classifier's input side S: images of side k·S (k an integer) are averaged over k×k blocks first,
 * which is exactly how `mnist16` is made from `mnist`, so one 16×16 classifier measures both.
 */
function inputFor(session: Session, x: Tensor): Tensor {
  const side = session.data.shape[2]!, channels = session.data.shape[1]!;
  const [, c, h, w] = x.shape as [number, number, number, number];
  if (x.ndim !== 4 || c !== channels || h !== w || h % side !== 0) {
    throw new CliError(`the classifier takes images [n, ${channels}, ${side}·k, ${side}·k] (k = 1, 2, …), got [${x.shape}]`);
  }
  return h === side ? x : avgPool2d(x, h / side);
}

/** Classify `images` (in the data's range) with a classifier run; its features too when `withFeatures`. */
export async function classifyImages(session: Session, images: Images, { withFeatures = false } = {}): Promise<Classified> {
  const [n, ...rest] = images.shape as [number, ...number[]];
  const row = rest.reduce((a, b) => a * b, 1);
  if (withFeatures && session.features === undefined) throw new CliError(`--model ${session.config.model} has no feature layer; the Fréchet distance needs a --model classifier run`);
  const predicted = new Int32Array(n);
  let features: Float64Array | undefined, featureDim: number | undefined;
  for (let at = 0; at < n; at += BATCH) {
    const b = Math.min(BATCH, n - at);
    const { logits, feats } = noGrad(() => {
      const x = inputFor(session, tensor(images.data.subarray(at * row, (at + b) * row), { shape: [b, ...rest] }));
      const t = tensor(new Float32Array(b));
      if (!withFeatures) return { logits: session.forward(x, t).argmax(1), feats: undefined };
      const f = session.features!(x);
      return { logits: session.forward(x, t).argmax(1), feats: f };
    });
    predicted.set(Int32Array.from(await logits.data()), at);
    if (feats !== undefined) {
      const values = await feats.data();
      featureDim = feats.shape[1]!;
      features ??= new Float64Array(n * featureDim);
      features.set(values, at * featureDim);
    }
    release(logits, ...(feats ? [feats] : []));
  }
  return { predicted, ...(features ? { features, featureDim } : {}) };
}

/** Accuracy of a classifier run on n of its data set's held-out examples (drawn with `seed`). */
export async function heldOutAccuracy(session: Session, n: number, seed: number): Promise<{ correct: number; n: number }> {
  const data = heldOut(session.config.data, n, seed);
  const { predicted } = await classifyImages(session, data);
  return { correct: predicted.reduce((s, p, i) => s + (p === data.labels![i] ? 1 : 0), 0), n };
}
