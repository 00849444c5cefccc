/** Standard normal noise from a NoiseSource: per-sample generators, or one generator for the batch. */
import { randn, tensor, type DType, type Tensor } from '@diffusion-ts/tensor';
import type { NoiseSource } from '../types.ts';

/**
 * N(0, I) of `shape` = [B, …]. With an array of B generators, sample b's entries come from
 * generator b alone, so they do not depend on the batch they are drawn in.
 */
export function randnFrom(source: NoiseSource, shape: readonly number[], dtype: DType = 'float32'): Tensor {
  if (!Array.isArray(source)) return randn(shape, { dtype, generator: source as Exclude<NoiseSource, readonly unknown[]> });
  const [batch = 0, ...rest] = shape;
  if (source.length !== batch) {
    throw new RangeError(`randnFrom: ${source.length} generators for a batch of ${batch} (shape [${shape}])`);
  }
  const perSample = rest.reduce((n, d) => n * d, 1);
  const values = new Float64Array(batch * perSample);
  source.forEach((g, b) => {
    for (let i = 0; i < perSample; i++) values[b * perSample + i] = g.normal();
  });
  return tensor(values, { shape, dtype });
}

/**
 * One N(0, 1) number per sample, in JavaScript (for scalars drawn per sample, like EDM's ln σ): the
 * same numbers as `randnFrom(source, [batch], 'float64')` holds, with no tensor and so no device read.
 */
export function normalsFrom(source: NoiseSource, batch: number): Float64Array {
  if (!Array.isArray(source)) {
    const g = source as Exclude<NoiseSource, readonly unknown[]>;
    return Float64Array.from({ length: batch }, () => g.normal());
  }
  if (source.length !== batch) throw new RangeError(`normalsFrom: ${source.length} generators for a batch of ${batch}`);
  return Float64Array.from(source, (g) => g.normal());
}
