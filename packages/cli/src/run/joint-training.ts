/**
 * Joint image/video training (Ho et al. 2022, Sec. 3: "concatenating random independent image frames to
 * the end of each video sampled from the dataset, and we mask the attention in the temporal attention
 * blocks to prevent mixing information across video frames and each individual image frame"). Each
 * training clip keeps all its F frames and gains k more at its end, each drawn independently from another
 * training clip; the network is called on the F + k frames with `imageFrames: k`, so it still learns
 * whole F-frame videos, at (F + k)/F the cost of a step.
 */
import { tensor, type Generator, type Tensor } from '@diffusion-ts/tensor';
import type { Dataset } from '../data/types.ts';

/**
 * The clips at `indices` with `imageFrames` = k frames appended: [B, C, F + k, H, W], frame F + i of clip b
 * being frame f of clip j, j ≠ the clip's own index and f drawn uniformly from `g` (j first, then f, frame
 * by frame). Labels are the clips' own (the video data sets have none; a labelled one keeps the video's).
 */
export function jointBatch(data: Dataset, indices: Int32Array, imageFrames: number, g: Generator): { x: Tensor; labels?: Int32Array } {
  const [n, C, F, H, W] = data.shape as [number, number, number, number, number];
  if (data.shape.length !== 5) throw new RangeError(`jointBatch: clips are [N, C, F, H, W], got [${data.shape}]`);
  if (!Number.isInteger(imageFrames) || imageFrames < 1 || imageFrames >= F) throw new RangeError(`jointBatch: imageFrames must be an integer in [1, ${F - 1}] (clips of ${F} frames), got ${imageFrames}`);
  if (n < 2) throw new RangeError(`jointBatch: image frames come from other clips; the data set has ${n}`);
  const frame = H * W, G = F + imageFrames;
  const x = new Float32Array(indices.length * C * G * frame);
  indices.forEach((own, b) => {
    for (let c = 0; c < C; c++) {
      const from = (own * C + c) * F * frame;
      x.set(data.data.subarray(from, from + F * frame), (b * C + c) * G * frame);
    }
    for (let slot = F; slot < G; slot++) {
      let j = g.integer(0, n - 1);
      if (j >= own) j++;
      const f = g.integer(0, F);
      for (let c = 0; c < C; c++) {
        const from = ((j * C + c) * F + f) * frame, to = ((b * C + c) * G + slot) * frame;
        x.set(data.data.subarray(from, from + frame), to);
      }
    }
  });
  return { x: tensor(x, { shape: [indices.length, C, G, H, W] }), labels: data.labels ? Int32Array.from(indices, (i) => data.labels![i]!) : undefined };
}
