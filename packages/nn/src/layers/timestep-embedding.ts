/** Sinusoidal timestep embeddings (Vaswani et al. 2017, Sec. 3.5; Ho et al. 2020, Appendix B). */
import { cat, tensor, zeros, type Tensor } from '@diffusion-ts/tensor';

/**
 * The sinusoidal embedding of (possibly fractional) timesteps, exactly as guided-diffusion's
 * `timestep_embedding` (guided_diffusion/nn.py):
 *   half = ⌊dim/2⌋,  freqs_i = exp(−ln(maxPeriod) · i / half)  for i = 0 … half−1,
 *   emb = [cos(t·freqs), sin(t·freqs)]  (plus one zero column when dim is odd).
 *
 * Ho et al.'s TensorFlow code (`get_timestep_embedding` in diffusion_tf/nn.py) differs in two
 * details: it puts sin before cos and divides by half − 1 instead of half. Both encode t equally
 * well, and neither adds parameters, but a checkpoint trained with one needs the same one; this is
 * the guided-diffusion / iDDPM / ADM form.
 *
 * @param t timesteps [N] (float; int32 is converted to float32)
 * @returns [N, dim], of t's dtype
 */
export function timestepEmbedding(t: Tensor, dim: number, maxPeriod = 10000): Tensor {
  if (t.ndim !== 1) throw new RangeError(`timestepEmbedding: timesteps must be 1-D [N], got [${t.shape}]`);
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`timestepEmbedding: dim must be a positive integer, got ${dim}`);
  const x = t.dtype === 'int32' ? t.to('float32') : t;
  const half = Math.floor(dim / 2);
  const freqs = tensor(Array.from({ length: half }, (_, i) => Math.exp((-Math.log(maxPeriod) * i) / half)), { dtype: x.dtype }).to(x.backend);
  const args = x.unsqueeze(1).mul(freqs.unsqueeze(0)); // [N, half]
  const parts = [args.cos(), args.sin()];
  if (dim % 2 === 1) parts.push(zeros([x.shape[0]!, 1], { dtype: x.dtype }).to(x.backend));
  return cat(parts, 1);
}
