/**
 * Adam (Kingma and Ba 2015, Algorithm 1) and AdamW (Loshchilov and Hutter 2019, Algorithm 2), with
 * the update exactly as torch.optim.Adam / torch.optim.AdamW compute it (`_single_tensor_adam`):
 *
 *   g ← ∇f(θ)                         (−∇f(θ) when maximizing)
 *   Adam:  g ← g + λ·θ                 (L2 penalty, coupled to the adaptive step)
 *   AdamW: θ ← θ·(1 − γ·λ)             (decoupled weight decay, applied before the step)
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   AMSGrad: v̂ ← max(v̂, v)            (the running max of the raw v, as torch keeps it)
 *   denom ← √v / √(1 − β₂ᵗ) + ε       (ε added after the bias-corrected square root)
 *   θ ← θ − (γ / (1 − β₁ᵗ)) · m / denom
 *
 * Note where ε sits: torch (and this code) add it to √v̂ₜ with v̂ₜ = v/(1 − β₂ᵗ), as in the paper's
 * Algorithm 1, not to √v as the paper's "efficient version" in Section 2 does.
 */
import { adamStep, zerosLike, type Tensor } from '@diffusion-ts/tensor';
import { Optimizer, OptimizerError, type ParamGroupInput, type ParamState } from './optimizer.ts';

export type AdamHyperparameters = {
  /** γ, the learning rate (default 1e-3). */
  lr: number;
  /** (β₁, β₂), decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** ε, added to the denominator (default 1e-8). */
  eps: number;
  /** λ: an L2 penalty for Adam (default 0), decoupled decay for AdamW (default 1e-2). */
  weightDecay: number;
  /** Use AMSGrad (Reddi et al. 2018): divide by the running maximum of v. */
  amsgrad: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
};

export type AdamOptions = Partial<AdamHyperparameters>;

const adamDefaults: AdamHyperparameters = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };

/**
 * One Adam step for one parameter; `decoupled` selects AdamW's weight decay. The fused `adamStep`
 * kernel does the whole update in one pass; AMSGrad, which keeps a third state tensor, is written
 * with ops.
 */
function adamUpdate(p: Tensor, grad: Tensor, state: ParamState, h: AdamHyperparameters, decoupled: boolean): Tensor {
  const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad, maximize } = h;
  const t = state.step;
  if (!amsgrad) {
    const next = adamStep(p, grad, state.tensors['expAvg'] ?? null, state.tensors['expAvgSq'] ?? null, { lr, beta1, beta2, eps, weightDecay, decoupled, maximize, step: t });
    state.tensors['expAvg'] = next.expAvg;
    state.tensors['expAvgSq'] = next.expAvgSq;
    return next.param;
  }
  let g = maximize ? grad.neg() : grad;
  if (weightDecay !== 0) {
    if (decoupled) p = p.mul(1 - lr * weightDecay);
    else g = g.add(p.mul(weightDecay));
  }
  const m = (state.tensors['expAvg'] ?? zerosLike(p)).mul(beta1).add(g.mul(1 - beta1));
  const v = (state.tensors['expAvgSq'] ?? zerosLike(p)).mul(beta2).add(g.mul(1 - beta2).mul(g));
  const vMax = state.tensors['maxExpAvgSq']?.maximum(v) ?? v;
  state.tensors['expAvg'] = m;
  state.tensors['expAvgSq'] = v;
  state.tensors['maxExpAvgSq'] = vMax;
  const denom = vMax.sqrt().div(Math.sqrt(1 - beta2 ** t)).add(eps);
  return p.add(m.mul(-lr / (1 - beta1 ** t)).div(denom));
}

function validateAdam(kind: string, { lr, betas, eps, weightDecay }: AdamHyperparameters): void {
  if (!(lr >= 0)) throw new OptimizerError(`${kind}: invalid learning rate ${lr}`);
  if (!(eps >= 0)) throw new OptimizerError(`${kind}: invalid eps ${eps}`);
  if (betas.length !== 2 || !betas.every((b) => b >= 0 && b < 1)) throw new OptimizerError(`${kind}: betas must be two numbers in [0, 1), got [${betas}]`);
  if (!(weightDecay >= 0)) throw new OptimizerError(`${kind}: invalid weightDecay ${weightDecay}`);
}

const adamStateNames = ({ amsgrad }: AdamHyperparameters): string[] => (amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq']);

/** torch.optim.Adam: weight decay is an L2 term added to the gradient. */
export class Adam extends Optimizer<AdamHyperparameters> {
  readonly kind = 'Adam';

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<AdamHyperparameters>[], options: AdamOptions = {}) {
    super(params, { ...adamDefaults, ...options });
  }

  protected validateHyperparameters(h: AdamHyperparameters): void {
    validateAdam('Adam', h);
  }

  protected stateNames(h: AdamHyperparameters): string[] {
    return adamStateNames(h);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, h: AdamHyperparameters): Tensor {
    return adamUpdate(p, grad, state, h, false);
  }
}

/** torch.optim.AdamW: decoupled weight decay θ ← θ·(1 − γλ), default λ = 1e-2. */
export class AdamW extends Optimizer<AdamHyperparameters> {
  readonly kind = 'AdamW';

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<AdamHyperparameters>[], options: AdamOptions = {}) {
    super(params, { ...adamDefaults, weightDecay: 1e-2, ...options });
  }

  protected validateHyperparameters(h: AdamHyperparameters): void {
    validateAdam('AdamW', h);
  }

  protected stateNames(h: AdamHyperparameters): string[] {
    return adamStateNames(h);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, h: AdamHyperparameters): Tensor {
    return adamUpdate(p, grad, state, h, true);
  }
}
