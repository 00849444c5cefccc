/**
 * Group norm in one kernel each way. A (sample, group) block of x [N, C, …] is contiguous: its
 * C/groups channels × S positions. Per block, μ and the biased σ² in float64 (two passes, so no
 * cancellation), rstd = (σ² + eps)^−½ and x̂ = (x − μ)·rstd; the forward writes x̂·w_c + b_c.
 * With `silu` the output is SiLU(x̂·w_c + b_c) instead (the normalisation → SiLU pair of a U-Net
 * block, fused), and dy below stands for ∂L/∂y = dy · SiLU'(y) at the pre-activation y.
 * The backward with g = dy·w_c (Wu & He 2018, as PyTorch computes it):
 *   ∂x = rstd · (g − mean(g) − x̂ · mean(g · x̂))     (means over the block)
 *   ∂w_c = Σ dy · x̂,   ∂b_c = Σ dy                    (sums over samples and positions)
 */
import type { TypedArray, View } from '../kernels.ts';
import { sigmoid } from './elementwise.ts';
import { alloc } from './util.ts';

/** Blocks, block length, channels per group and positions per channel of x [N, C, …]. */
function geometry(shape: readonly number[], groups: number) {
  const n = shape[0]!, c = shape[1]!, s = shape.slice(2).reduce((p, d) => p * d, 1), perGroup = c / groups;
  return { blocks: n * groups, size: perGroup * s, perGroup, s, c };
}

/** μ and rstd of X[o, o + size). */
function moments(X: TypedArray, o: number, size: number, eps: number): [number, number] {
  let sum = 0;
  for (let j = 0; j < size; j++) sum += X[o + j]!;
  const mu = sum / size;
  let sq = 0;
  for (let j = 0; j < size; j++) { const d = X[o + j]! - mu; sq += d * d; }
  return [mu, 1 / Math.sqrt(sq / size + eps)];
}

export function groupNorm(x: View<TypedArray>, weight: View<TypedArray> | null, bias: View<TypedArray> | null, groups: number, eps: number, silu: boolean): TypedArray {
  const { blocks, size, perGroup, s } = geometry(x.shape, groups);
  const X = x.buf, Wt = weight?.buf, Bs = bias?.buf, out = alloc(x.dtype, X.length);
  for (let blk = 0; blk < blocks; blk++) {
    const o = blk * size, [mu, rstd] = moments(X, o, size, eps), c0 = (blk % groups) * perGroup;
    for (let ci = 0; ci < perGroup; ci++) {
      const c = c0 + ci, w = Wt === undefined ? 1 : Wt[c]!, b = Bs === undefined ? 0 : Bs[c]!, r = o + ci * s;
      for (let j = r; j < r + s; j++) {
        const y = (X[j]! - mu) * rstd * w + b;
        out[j] = silu ? y * sigmoid(y) : y;
      }
    }
  }
  return out;
}

export function groupNormBackward(dy: View<TypedArray>, x: View<TypedArray>, weight: View<TypedArray> | null, bias: View<TypedArray> | null, groups: number, eps: number, silu: boolean): [TypedArray, TypedArray, TypedArray] {
  const { blocks, size, perGroup, s, c } = geometry(x.shape, groups);
  const X = x.buf, D = dy.buf, Wt = weight?.buf, Bs = bias?.buf, dx = alloc(x.dtype, X.length);
  const dw = new Float64Array(c), db = new Float64Array(c);
  const g = new Float64Array(size); // ∂L/∂y of one block, y the normalised output before the activation
  for (let blk = 0; blk < blocks; blk++) {
    const o = blk * size, [mu, rstd] = moments(X, o, size, eps), c0 = (blk % groups) * perGroup;
    let sumG = 0, sumGxhat = 0;
    for (let ci = 0; ci < perGroup; ci++) {
      const ch = c0 + ci, w = Wt === undefined ? 1 : Wt[ch]!, b = Bs === undefined ? 0 : Bs[ch]!, r = o + ci * s;
      let sumDy = 0, sumDyXhat = 0;
      for (let j = r; j < r + s; j++) {
        const xhat = (X[j]! - mu) * rstd;
        let d = D[j]!;
        if (silu) { const y = xhat * w + b, sg = sigmoid(y); d *= sg * (1 + y * (1 - sg)); }
        g[j - o] = d;
        sumDy += d;
        sumDyXhat += d * xhat;
      }
      dw[ch]! += sumDyXhat;
      db[ch]! += sumDy;
      sumG += w * sumDy;
      sumGxhat += w * sumDyXhat;
    }
    const meanG = sumG / size, meanGxhat = sumGxhat / size;
    for (let ci = 0; ci < perGroup; ci++) {
      const w = Wt === undefined ? 1 : Wt[c0 + ci]!, r = o + ci * s;
      for (let j = r; j < r + s; j++) dx[j] = rstd * (g[j - o]! * w - meanG - (X[j]! - mu) * rstd * meanGxhat);
    }
  }
  const dWeight = alloc(x.dtype, c), dBias = alloc(x.dtype, c);
  dWeight.set(dw);
  dBias.set(db);
  return [dx, dWeight, dBias];
}
