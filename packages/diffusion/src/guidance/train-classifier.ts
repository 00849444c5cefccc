/**
 * Training the noised-image classifier p_φ(y | x_t, t) of classifier guidance (Dhariwal & Nichol 2021,
 * Sec. 4: "we can train a classifier p_φ(y | x_t, t) on noisy images x_t"), as guided-diffusion's
 * scripts/classifier_train.py does it: draw t uniformly (its default `--schedule_sampler uniform`), noise
 * the clean batch with q(x_t | x₀), and minimise the cross-entropy of the labels.
 */
import { defaultGenerator, randn, tensor, tidy, type Generator, type Tensor } from '@diffusion-ts/tensor';
import type { Module } from '@diffusion-ts/nn';
import type { GaussianDiffusion } from '../gaussian/diffusion.ts';

/** A classifier as guidance and training call it: (x_t [B, …], timesteps [B] as the model sees them) → logits [B, K]. */
export type ClassifierLogits = (x: Tensor, t: Tensor) => Tensor;

/** What the training step needs of the diffusion: T, q(x_t | x₀), and the timesteps the model is shown. */
export type NoisingProcess = Pick<GaussianDiffusion, 'numTimesteps' | 'qSample' | 'modelTimesteps'>;

/** What it needs of an optimizer (`Adam`, `AdamW` and `SGD` from @diffusion-ts/nn fit). */
export interface ClassifierOptimizer {
  zeroGrad(): void;
  step(): void;
}

export interface ClassifierLossOptions {
  /** Draws the timesteps (first, B integers) and then the noise ε (x₀'s shape), in that order. Default: the default generator. */
  generator?: Generator;
  /**
   * Train on noised inputs (default true). false: t = 0 and the clean x₀, as classifier_train.py
   * with `--noised False`.
   */
  noised?: boolean;
}

export interface ClassifierLoss {
  /** Mean cross-entropy over the batch (a scalar that requires grad when the classifier does). */
  loss: Tensor;
  /** Per-sample cross-entropy [B], detached (the reference logs these per timestep quartile). */
  losses: Float64Array;
  /** Top-1 accuracy over the batch, in [0, 1] (the reference's `acc@1`). */
  accuracy: number;
  /** The timesteps drawn, one per sample. */
  t: Int32Array;
  /** The classifier's input x_t. */
  xT: Tensor;
  logits: Tensor;
}

const checkLabels = (op: string, labels: ArrayLike<number>, batch: number): void => {
  if (labels.length !== batch) throw new RangeError(`${op}: ${labels.length} labels for a batch of ${batch}`);
};

/** What {@link classifierLoss} computes before any read: the loss and the per-sample terms as tensors. */
interface ClassifierLossTensors {
  loss: Tensor;
  /** Per-sample cross-entropy [B], detached. */
  nll: Tensor;
  /** The argmax class of each row [B], int32. */
  predicted: Tensor;
  y: Int32Array;
  t: Int32Array;
  xT: Tensor;
  logits: Tensor;
}

function classifierLossTensors(classifier: ClassifierLogits, diffusion: NoisingProcess, x0: Tensor, labels: ArrayLike<number>, { generator = defaultGenerator, noised = true }: ClassifierLossOptions): ClassifierLossTensors {
  const batch = x0.shape[0] ?? 0;
  checkLabels('classifierLoss', labels, batch);
  const t = noised ? Int32Array.from({ length: batch }, () => generator.integer(0, diffusion.numTimesteps)) : new Int32Array(batch);
  const xT = noised ? diffusion.qSample(x0, t, randn(x0.shape, { dtype: x0.dtype, generator }).to(x0.backend)) : x0;
  const logits = classifier(xT, tensor(diffusion.modelTimesteps(t), { dtype: x0.dtype }).to(x0.backend)); // [B, K]
  if (logits.ndim !== 2 || logits.shape[0] !== batch) throw new RangeError(`classifierLoss: the classifier must return logits [${batch}, K], got [${logits.shape}]`);
  const classes = logits.shape[1]!;
  const y = Int32Array.from(labels, (v) => {
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw new RangeError(`classifierLoss: label ${v} is not in [0, ${classes})`);
    return v;
  });
  const nll = logits.logSoftmax(1).gather(1, tensor(y, { shape: [batch, 1], dtype: 'int32' }).to(x0.backend)).squeeze(1).neg(); // [B]
  return { loss: nll.mean(), nll: nll.detach(), predicted: logits.detach().argmax(1), y, t, xT, logits };
}

/** The fraction of `predicted` (read from the device) equal to the labels `y`. */
const accuracyOf = (predicted: ArrayLike<number>, y: Int32Array): number =>
  y.length === 0 ? 0 : y.reduce((n, label, b) => n + (predicted[b] === label ? 1 : 0), 0) / y.length;

/**
 * The classifier's loss on one batch, as classifier_train.py's `forward_backward_log`:
 *   t ~ U{0, …, T − 1},  x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε  (Eq. 4 of Ho et al. 2020, via `qSample`),
 *   loss = mean_b −log softmax(f_φ(x_t, t))_{y_b}   (F.cross_entropy).
 * The classifier is shown `diffusion.modelTimesteps(t)`: the reference passes the raw integer t, which
 * is the same unless the process rescales timesteps (then this matches what `condMeanShift` and
 * `condScoreShift` pass to the classifier at sampling). Asynchronous: the per-sample losses and the
 * accuracy are read with `await t.data()`, so it runs on every backend, the gpu one included.
 * @param x0 clean data [B, …]   @param labels B class indices
 */
export async function classifierLoss(classifier: ClassifierLogits, diffusion: NoisingProcess, x0: Tensor, labels: ArrayLike<number>, options: ClassifierLossOptions = {}): Promise<ClassifierLoss> {
  const { loss, nll, predicted, y, t, xT, logits } = classifierLossTensors(classifier, diffusion, x0, labels, options);
  const [losses, classes] = await Promise.all([nll.data(), predicted.data()]);
  nll.dispose();
  predicted.dispose();
  return { loss, losses: Float64Array.from(losses), accuracy: accuracyOf(classes, y), t, xT, logits };
}

export interface ClassifierStepResult {
  /** The batch's mean cross-entropy before the update. */
  loss: number;
  /** The batch's top-1 accuracy before the update. */
  accuracy: number;
  /** The timesteps drawn. */
  t: Int32Array;
}

/**
 * One training step of the noised-image classifier: zero the gradients, {@link classifierLoss} on the
 * batch, backpropagate, and take an optimizer step (classifier_train.py uses AdamW, lr 3e-4, weight
 * decay 0 by default, and optionally anneals the lr linearly to 0: the caller's loop sets `optimizer.lr`).
 * The step runs in a `tidy` scope (on gpu, nothing of it stays on the device) and its loss and accuracy
 * are read afterwards with `await t.data()`, so it runs on every backend.
 */
export async function trainClassifierStep(
  classifier: ClassifierLogits, diffusion: NoisingProcess, optimizer: ClassifierOptimizer, x0: Tensor, labels: ArrayLike<number>, options: ClassifierLossOptions = {},
): Promise<ClassifierStepResult> {
  const { loss, predicted, y, t } = tidy(() => {
    optimizer.zeroGrad();
    const r = classifierLossTensors(classifier, diffusion, x0, labels, options);
    r.loss.backward();
    optimizer.step();
    return { loss: r.loss.detach(), predicted: r.predicted, y: r.y, t: r.t };
  });
  const [value, classes] = await Promise.all([loss.data(), predicted.data()]);
  loss.dispose();
  predicted.dispose();
  return { loss: value[0]!, accuracy: accuracyOf(classes, y), t };
}

/**
 * A classifier module (e.g. nn's `EncoderUNet`) as the `(x_t, t) → logits` function that the training
 * step and `classifierLogProbGrad` take. Each call runs the module in the mode `mode` asks for
 * ('eval' by default, as classifier_sample.py calls `classifier.eval()`: no dropout while guiding;
 * 'train' for training; 'asIs' leaves the module's mode alone) and puts the module's previous mode back.
 */
export function classifierLogitsFn(classifier: Module & { forward(x: Tensor, t: Tensor): Tensor }, { mode = 'eval' }: { mode?: 'eval' | 'train' | 'asIs' } = {}): ClassifierLogits {
  return (x, t) => {
    if (mode === 'asIs') return classifier.forward(x, t);
    const was = classifier.training;
    classifier.train(mode === 'train');
    try {
      return classifier.forward(x, t);
    } finally {
      classifier.train(was);
    }
  };
}
