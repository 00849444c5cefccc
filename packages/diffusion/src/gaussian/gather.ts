/**
 * Per-sample reads of the float64 schedule arrays: the reference's `_extract_into_tensor`, which
 * gathers one value per sample from a NumPy array and broadcasts it over the rest of the sample.
 */
import { Tensor, tensor } from '@diffusion-ts/tensor';

/**
 * Check that `t` holds one integer timestep in [0, T) per sample of a batch of `batch`.
 * @throws TypeError naming `op` when `t` is not an Int32Array (a Tensor or a plain array, say);
 *   RangeError naming `op`, the offending entry and the bounds
 */
export function checkTimesteps(op: string, t: Int32Array, batch: number, T: number): void {
  const given: unknown = t;
  if (!(given instanceof Int32Array)) {
    const got = given instanceof Tensor ? `a ${given.dtype} Tensor [${given.shape}]` : Array.isArray(given) ? `an array of ${given.length}` : typeof given;
    throw new TypeError(`${op}: timesteps t must be an Int32Array of ${batch} integers in [0, ${T}), got ${got} (wrap an array as Int32Array.from(t))`);
  }
  if (t.length !== batch) throw new RangeError(`${op}: ${t.length} timesteps for a batch of ${batch}`);
  t.forEach((v, b) => {
    if (v < 0 || v >= T) throw new RangeError(`${op}: timestep t[${b}] = ${v} is outside [0, ${T})`);
  });
}

/**
 * values[t_b] for each sample b, as a tensor of shape [B, 1, …, 1] in `like`'s dtype, so that it
 * broadcasts against `like` ([B, …]). The values are read in float64 and rounded once, to the dtype.
 */
export function gatherPerSample(values: ArrayLike<number>, t: Int32Array, like: Tensor): Tensor {
  const shape = [t.length, ...like.shape.slice(1).map(() => 1)];
  return tensor(Float64Array.from(t, (step) => values[step]!), { shape, dtype: like.dtype });
}

/** The mean over every dim but the first: [B, …] → [B] (the reference's `mean_flat`). */
export function meanFlat(x: Tensor): Tensor {
  if (x.ndim <= 1) return x;
  return x.mean(Array.from({ length: x.ndim - 1 }, (_, k) => k + 1));
}
