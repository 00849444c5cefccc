/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
 * exactly as torch.optim.SGD (the algorithm box of its documentation, and `_single_tensor_sgd`):
 *
 *   g ← ∇f(θ)                  (−∇f(θ) when maximizing)
 *   g ← g + λ·θ                 if λ ≠ 0
 *   b ← g                       on the first step, else b ← μ·b + (1 − τ)·g      if μ ≠ 0
 *   g ← g + μ·b  (Nesterov)     or g ← b                                        if μ ≠ 0
 *   θ ← θ − γ·g
 *
 * Like torch (and unlike Sutskever et al. 2013), the learning rate multiplies the velocity, not the
 * gradient inside it, and the first buffer is the undampened gradient.
 */
import type { Tensor } from '@diffusion-ts/tensor';
import { Optimizer, OptimizerError, type ParamGroupInput, type ParamState } from './optimizer.ts';

export type SGDHyperparameters = {
  /** γ, the learning rate. */
  lr: number;
  /** μ, the momentum factor (default 0: plain SGD). */
  momentum: number;
  /** τ, dampening of the gradient added to the momentum buffer (default 0). */
  dampening: number;
  /** λ, L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (Sutskever et al. 2013, as torch formulates it); needs μ > 0 and τ = 0. */
  nesterov: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
};

export class SGD extends Optimizer<SGDHyperparameters> {
  readonly kind = 'SGD';

  /** Defaults as torch.optim.SGD (PyTorch ≥ 2.2): lr 1e-3, no momentum, dampening or weight decay. */
  constructor(params: readonly Tensor[] | readonly ParamGroupInput<SGDHyperparameters>[], options: Partial<SGDHyperparameters> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected validateHyperparameters({ lr, momentum, dampening, weightDecay, nesterov }: SGDHyperparameters): void {
    if (!(lr >= 0)) throw new OptimizerError(`SGD: invalid learning rate ${lr}`);
    if (!(momentum >= 0)) throw new OptimizerError(`SGD: invalid momentum ${momentum}`);
    if (!(weightDecay >= 0)) throw new OptimizerError(`SGD: invalid weightDecay ${weightDecay}`);
    if (!Number.isFinite(dampening)) throw new OptimizerError(`SGD: invalid dampening ${dampening}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new OptimizerError('SGD: Nesterov momentum requires a momentum and zero dampening');
  }

  protected stateNames({ momentum }: SGDHyperparameters): string[] {
    return momentum !== 0 ? ['momentumBuffer'] : [];
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, h: SGDHyperparameters): Tensor {
    let g = h.maximize ? grad.neg() : grad;
    if (h.weightDecay !== 0) g = g.add(p.mul(h.weightDecay));
    if (h.momentum !== 0) {
      const previous = state.tensors['momentumBuffer'];
      const buf = previous === undefined ? g.clone() : previous.mul(h.momentum).add(g.mul(1 - h.dampening));
      state.tensors['momentumBuffer'] = buf;
      g = h.nesterov ? g.add(buf.mul(h.momentum)) : buf;
    }
    return p.sub(g.mul(h.lr));
  }
}
