/**
 * Learning-rate schedules as plain functions of the step, and global-norm gradient clipping.
 * A training loop sets `optimizer.lr = schedule(step)` before each `optimizer.step()`.
 */
import { noGrad, stack, tensor, tidy, zeros, type Tensor } from '@diffusion-ts/tensor';
import { release } from '../release.ts';

/** The learning rate to use at a step (0-based: the number of optimizer steps taken so far). */
export type LrSchedule = (step: number) => number;

const checkSteps = (name: string, steps: number): void => {
  if (!(Number.isFinite(steps) && steps >= 0)) throw new RangeError(`${name}: steps must be a non-negative number, got ${steps}`);
};

/** The same learning rate at every step. */
export const constantLr = (lr: number): LrSchedule => () => lr;

/**
 * Linear warm-up, as DDPM's `get_warmed_up_lr` (diffusion_tf/utils.py, Ho et al. 2020; warmup = 5000):
 * lr · min(step / warmupSteps, 1), so step 0 has lr 0. With `warmupSteps = 0` the rate is `lr` throughout.
 * `lr` may itself be a schedule, which the ramp then multiplies (e.g. warm-up followed by cosine decay).
 * EDM's `lr_rampup_kimg` is the same ramp counted in images: lr · min(cur_nimg / (lr_rampup_kimg·1000), 1).
 */
export function linearWarmup(lr: number | LrSchedule, warmupSteps: number): LrSchedule {
  checkSteps('linearWarmup', warmupSteps);
  const base = typeof lr === 'number' ? constantLr(lr) : lr;
  return (step) => (warmupSteps === 0 ? base(step) : base(step) * Math.min(step / warmupSteps, 1));
}

/**
 * Cosine decay from `lr` to `minLr` over `totalSteps` (torch.optim.lr_scheduler.CosineAnnealingLR's
 * closed form, SGDR of Loshchilov and Hutter 2017 without restarts):
 * minLr + (lr − minLr) · (1 + cos(π · step / totalSteps)) / 2, and `minLr` after `totalSteps`.
 */
export function cosineDecay(lr: number, totalSteps: number, minLr = 0): LrSchedule {
  checkSteps('cosineDecay', totalSteps);
  return (step) => (step >= totalSteps ? minLr : minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * step) / totalSteps))) / 2);
}

/**
 * Linear decay to 0 over `totalSteps`, as guided-diffusion's `_anneal_lr` (train_util.py, `lr_anneal_steps`):
 * lr · (1 − step / totalSteps), and 0 after `totalSteps`.
 */
export function linearDecay(lr: number, totalSteps: number): LrSchedule {
  checkSteps('linearDecay', totalSteps);
  return (step) => (totalSteps === 0 ? lr : lr * Math.max(1 - step / totalSteps, 0));
}

/**
 * Clip gradients by their global L2 norm, as torch.nn.utils.clip_grad_norm_: the norm of all
 * gradients together, ‖(g₁, g₂, …)‖₂, is computed, and every gradient is multiplied by the clip
 * coefficient min(maxNorm / (norm + 1e-6), 1) (torch's `clip_coef_clamped`), which leaves them
 * unchanged when the norm is within `maxNorm`. Parameters without a gradient are skipped. (Used by
 * DDPM with maxNorm 1.0.)
 *
 * Returns the total norm before clipping as a 0-d tensor in the gradients' dtype, as torch does:
 * norm and coefficient are tensor ops, so nothing is read back and a gpu training step never waits
 * for the device here. Read it when you need the number (`norm.item()` on js and wasm,
 * `await norm.data()` anywhere). With no gradients the norm is a float32 zero. A non-finite norm
 * (like torch with `error_if_nonfinite=False`) scales the gradients by NaN or 0, so check the
 * returned value if that matters.
 */
export function clipGradNorm(parameters: Iterable<Tensor>, maxNorm: number): Tensor {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be non-negative, got ${maxNorm}`);
  const withGrad = [...parameters].filter((p) => p.grad !== null);
  if (withGrad.length === 0) return zeros([]);
  const dtype = withGrad[0]!.grad!.dtype;
  const { totalNorm, clipped } = noGrad(() => tidy(() => {
    const totalNorm = stack(withGrad.map((p) => p.grad!.square().sum().to(dtype))).sum().sqrt();
    const clipCoef = tensor(maxNorm, { dtype }).div(totalNorm.add(1e-6)).clamp(null, 1);
    return { totalNorm, clipped: withGrad.map((p) => p.grad!.mul(clipCoef.to(p.grad!.dtype))) };
  }));
  const replaced = withGrad.map((p) => p.grad);
  withGrad.forEach((p, i) => { p.grad = clipped[i]!; });
  release(...replaced);
  return totalNorm;
}
