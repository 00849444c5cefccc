/**
 * Reconstruction guidance (Ho et al. 2022, "Video Diffusion Models", Sec. 3.1, Eq. 7): the model's
 * estimate of the unknown frames, corrected towards frames that reconstruct the known ones,
 *
 *   x̃ᵇ_θ(z_t) = x̂ᵇ_θ(z_t) − (w_r α_t / 2) ∇_{zᵇ_t} ‖xᵃ − x̂ᵃ_θ(z_t)‖²,
 *
 * for z_t = α_t x + σ_t ε. It comes from E[xᵇ | z_t, xᵃ] = E[xᵇ | z_t] + (σ_t²/α_t) ∇_{zᵇ_t} ln q(xᵃ | z_t)
 * with q(xᵃ | z_t) ≈ N(x̂ᵃ_θ(z_t), (σ_t²/α_t²) I); w_r = 1 is that approximation, w_r > 1 trusts it more.
 *
 * σ-space form (for the EDM samplers). There x = z_t/α_t and σ = σ_t/α_t (Karras et al. 2022, Sec. 2 and
 * Eq. 2 with s(t) = α_t), D(x; σ) = x̂_θ(z_t), and ∇_{z_t} = (1/α_t) ∇_x by the chain rule. So
 *
 *   D̃ᵇ(x; σ) = Dᵇ(x; σ) − (w_r α_t / 2)(1/α_t) ∇_{xᵇ} ‖xᵃ − Dᵃ(x; σ)‖² = Dᵇ(x; σ) − (w_r / 2) ∇_{xᵇ} ‖xᵃ − Dᵃ(x; σ)‖²:
 *
 * α_t cancels, and the weight no longer depends on the noise level. The same follows directly in σ space:
 * E[x₀ | x, xᵃ] = D(x; σ) + σ² ∇_x ln q(xᵃ | x) (Tweedie's formula for x = x₀ + σ n) with
 * q(xᵃ | x) ≈ N(Dᵃ(x; σ), σ² I) gives −(1/2)∇_x‖xᵃ − Dᵃ‖², times w_r.
 */
import { enableGrad, type Tensor } from '@diffusion-ts/tensor';
import type { Denoiser } from '../types.ts';
import { checkClip, mergeFrames, type FrameCondition } from './frame-condition.ts';

/**
 * Δ = ∇_{xᵇ} Σ_batch ‖xᵃ − x̂ᵃ(x)‖² by reverse-mode autodiff through `predict` (zero on the known frames),
 * and the prediction x̂(x) itself from the same evaluation. Runs with gradients on even inside a
 * sampler's noGrad. The sum over the batch keeps samples apart: sample b's loss depends on x_b alone.
 */
export function reconstructionGradient(predict: (x: Tensor) => Tensor, x: Tensor, c: FrameCondition): { predicted: Tensor; gradient: Tensor } {
  return enableGrad(() => {
    const xIn = x.detach().requiresGrad_();
    const predicted = predict(xIn);
    if (!predicted.requiresGrad) {
      throw new Error('reconstructionGradient: the denoiser recorded no gradient with respect to its input (does it run under noGrad or detach its input?)');
    }
    const residual = c.known.sub(predicted).mul(c.mask); // xᵃ − x̂ᵃ on the known frames, 0 elsewhere
    // Into xIn.grad only: the model's weights keep their .grad (a training loop's, or none).
    residual.square().sum().backward(undefined, { inputs: [xIn] });
    const gradient = xIn.grad!.detach().mul(c.unknownMask); // ∇ with respect to zᵇ only
    return { predicted: predicted.detach(), gradient };
  });
}

/**
 * Reconstruction guidance in σ space as a denoiser wrapper (derivation above):
 * D̃(x; σ) = m·xᵃ + (1 − m)·(D(x; σ) − (w_r/2)·∇_{xᵇ}‖xᵃ − Dᵃ(x; σ)‖²). One evaluation of D per call,
 * with its gradient. The known frames of D̃ are xᵃ itself, so a sampler ending at σ = 0 returns them.
 * @param weight w_r ≥ 0 (0: the plain model on the unknown frames, with the known ones pinned)
 */
export function reconstructionGuidedDenoiser(denoise: Denoiser, c: FrameCondition, weight: number): Denoiser {
  if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`reconstructionGuidedDenoiser: weight w_r must be a finite number >= 0, got ${weight}`);
  return (x: Tensor, sigma: number): Tensor => {
    checkClip('reconstructionGuidedDenoiser', x, c);
    const { predicted, gradient } = reconstructionGradient((xIn) => denoise(xIn, sigma), x, c);
    return mergeFrames(c, c.known, predicted.sub(gradient.mul(weight / 2)));
  };
}
