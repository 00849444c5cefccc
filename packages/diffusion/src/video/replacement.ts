/**
 * The replacement method of conditional sampling (Song et al. 2021, used as the baseline in Ho et al.
 * 2022, Sec. 3.1): sample the joint model, but at every step overwrite the latents of the known frames,
 * zᵃ, with a fresh draw from the forward process q(zᵃ | xᵃ). The unknown frames then only see xᵃ
 * through its noisy version, which is why Ho et al. find their x̂ᵇ ≈ E[xᵇ | z_t] rather than the
 * wanted E[xᵇ | z_t, xᵃ]: the method is a baseline, kept for the comparison.
 */
import { defaultGenerator, type Tensor } from '@diffusion-ts/tensor';
import { randnFrom } from '../samplers/noise.ts';
import type { Denoiser, NoiseSource } from '../types.ts';
import { checkClip, mergeFrames, type FrameCondition } from './frame-condition.ts';

/**
 * The replacement method in σ space, as a denoiser wrapper so every σ-space sampler takes it:
 * D̃(x; σ) = m·xᵃ + (1 − m)·D(m·(xᵃ + σ n) + (1 − m)·x; σ), n ~ N(0, I) drawn afresh at each call
 * from `noise` (one generator per sample keeps sample k batch-independent). In σ space the forward
 * process is x = x₀ + σ n (Karras et al. 2022, Eq. 2 with s(t) = 1), so xᵃ + σ n is exactly a draw of
 * q(zᵃ | xᵃ). The known frames of D̃ are xᵃ itself, so every sampler that ends at σ = 0 returns them,
 * up to the rounding of its last step (Euler's x + (0 − σ)·(x − D̃)/σ is D̃ only in exact arithmetic:
 * one float32 ulp here and there), and the state of those frames never matters.
 */
export function replacementDenoiser(denoise: Denoiser, c: FrameCondition, noise: NoiseSource = defaultGenerator): Denoiser {
  return (x: Tensor, sigma: number): Tensor => {
    checkClip('replacementDenoiser', x, c);
    const za = c.known.add(randnFrom(noise, x.shape, x.dtype).mul(sigma));
    return mergeFrames(c, c.known, denoise(mergeFrames(c, za, x), sigma));
  };
}
