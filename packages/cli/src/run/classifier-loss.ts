/**
 * The training losses of the two classifier models: cross-entropy of the labels, on clean images
 * shifted at random by up to 1/16 of their side (the translation augmentation of LeCun et al. 1998's
 * distorted training sets, here as integer shifts filled with the background), or on x_t for ADM's
 * noised-image classifier (Dhariwal & Nichol 2021, Sec. 4: t uniform, x_t ~ q(x_t | x₀)).
 */
import { tensor, type Generator, type Tensor } from '@diffusion-ts/tensor';
import { randnFrom, type GaussianDiffusion } from '@diffusion-ts/diffusion';
import type { Dataset } from '../data/types.ts';
import type { Network } from './objectives.ts';

/** Mean over the batch of −log softmax(logits)_y. logits [B, K], labels B integers in [0, K). */
export function crossEntropy(logits: Tensor, labels: Int32Array): Tensor {
  const index = tensor(labels, { shape: [labels.length, 1], dtype: 'int32' }).to(logits.backend);
  return logits.logSoftmax(1).gather(1, index).neg().mean();
}

/**
 * Rows `indices` of an image set [n, C, H, W], each shifted by (dy, dx) drawn uniformly from
 * {−m, …, m}², m = round(H / 16), with `background` filling what moves in. Draws 2 integers per row from `g`.
 */
export function shiftedBatch(data: Dataset, indices: Int32Array, g: Generator, background = -1): { x: Tensor; labels: Int32Array } {
  const [, c, h, w] = data.shape as [number, number, number, number];
  const m = Math.round(h / 16), plane = h * w, row = c * plane;
  const out = new Float32Array(indices.length * row).fill(background);
  indices.forEach((i, b) => {
    const dy = g.integer(-m, m + 1), dx = g.integer(-m, m + 1);
    for (let ch = 0; ch < c; ch++) {
      const src = i * row + ch * plane, dst = b * row + ch * plane;
      for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
        for (let x = Math.max(0, dx); x < Math.min(w, w + dx); x++) out[dst + y * w + x] = data.data[src + (y - dy) * w + (x - dx)]!;
      }
    }
  });
  return { x: tensor(out, { shape: [indices.length, c, h, w] }), labels: Int32Array.from(indices, (i) => data.labels![i]!) };
}

/** The clean-image classifier's loss on rows `indices` (shifted as `shiftedBatch`). */
export function cleanClassifierLoss(net: Network, data: Dataset, indices: Int32Array, g: Generator): Tensor {
  const { x, labels } = shiftedBatch(data, indices, g);
  return crossEntropy(net(x, tensor(new Float32Array(indices.length))), labels);
}

/**
 * The noised-image classifier's loss on a clean batch x₀: t ~ U{0, …, T − 1}, x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε
 * (Eq. 4 of Ho et al. 2020), cross-entropy of the labels from f(x_t, t), as guided-diffusion's
 * classifier_train.py (and `classifierLoss` in @diffusion-ts/diffusion, which this equals on the same draws).
 */
export function noisedClassifierLoss(net: Network, diffusion: GaussianDiffusion, x0: Tensor, labels: Int32Array, g: Generator): Tensor {
  const t = Int32Array.from({ length: labels.length }, () => g.integer(0, diffusion.numTimesteps));
  const xT = diffusion.qSample(x0, t, randnFrom(g, x0.shape, x0.dtype));
  return crossEntropy(net(xT, tensor(diffusion.modelTimesteps(t), { dtype: x0.dtype })), labels);
}
