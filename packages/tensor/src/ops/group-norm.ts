/**
 * Group normalisation (Wu & He 2018) as one primitive, alone or followed by SiLU: one kernel forward
 * and one backward, instead of the ~10 forward and ~25 backward passes of its composite form. The backward written with ops
 * below, the same formula as the kernel's, runs when the backward itself is recorded
 * (`createGraph`), so the op stays differentiable again.
 */
import type { Tensor } from '../tensor-core.ts';
import { isGradEnabled, record } from '../autograd.ts';
import { add, mul, sub } from './arithmetic.ts';
import { checkCompatible, wrap } from './internal.ts';
import { fmt, OpError } from '../shape.ts';
import { reshape } from './layout.ts';
import { sum } from './reduce.ts';
import { rsqrt, sigmoid } from './unary.ts';

/**
 * Group normalisation of x [N, C, …]: channels split into `numGroups` groups, each normalised over
 * its channels and all spatial positions with the biased variance (as torch.nn.GroupNorm), then a
 * per-channel affine transform: y = (x − μ)/√(σ² + eps) · weight + bias, weight and bias [C].
 */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  validate('groupNorm', x, numGroups, weight, bias);
  return groupNormOp(x, numGroups, weight ?? null, bias ?? null, eps, false);
}

/**
 * SiLU(groupNorm(x, …)) as one op, one kernel each way: the normalisation → SiLU pair that opens
 * both halves of every U-Net residual block (Ho et al. 2020, Appendix B; guided-diffusion's
 * `in_layers` and `out_layers`) and its output head, without the activation's extra passes.
 */
export function groupNormSilu(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  validate('groupNormSilu', x, numGroups, weight, bias);
  return groupNormOp(x, numGroups, weight ?? null, bias ?? null, eps, true);
}

function validate(op: string, x: Tensor, numGroups: number, weight: Tensor | null | undefined, bias: Tensor | null | undefined): void {
  if (x.ndim < 2) throw new OpError(op, `expects [N, C, ...], got ${fmt(x.shape)}`);
  if (x.dtype === 'int32') throw new OpError(op, `expects a floating tensor, got int32${fmt(x.shape)}`);
  const c = x.shape[1]!;
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new OpError(op, `${c} channels cannot be split into ${numGroups} groups`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t == null) continue;
    if (t.ndim !== 1 || t.shape[0] !== c) throw new OpError(op, `${name} ${fmt(t.shape)} must be [${c}], one per channel`);
    checkCompatible(op, x, t);
  }
}

/** The recorded op, on validated arguments. */
function groupNormOp(x: Tensor, numGroups: number, weight: Tensor | null, bias: Tensor | null, eps: number, silu: boolean): Tensor {
  const out = wrap(x, x.backend.groupNorm(x, weight, bias, numGroups, eps, silu), x.shape);
  const inputs = [x, ...(weight === null ? [] : [weight]), ...(bias === null ? [] : [bias])];
  return record(silu ? 'groupNormSilu' : 'groupNorm', inputs, out, (dy) => {
    const [dx, dw, db] = isGradEnabled() ? backwardWithOps(dy, x, numGroups, weight, bias, eps, silu) : backwardKernel(dy, x, numGroups, weight, bias, eps, silu);
    return [dx, ...(weight === null ? [] : [dw]), ...(bias === null ? [] : [db])];
  });
}

function backwardKernel(dy: Tensor, x: Tensor, numGroups: number, weight: Tensor | null, bias: Tensor | null, eps: number, silu: boolean): [Tensor, Tensor, Tensor] {
  const [dx, dw, db] = x.backend.groupNormBackward(dy, x, weight, bias, numGroups, eps, silu);
  const c = [x.shape[1]!];
  return [wrap(x, dx, x.shape), wrap(x, dw, c), wrap(x, db, c)];
}

/**
 * ∂x = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w; ∂w = Σ dy·x̂, ∂b = Σ dy: all differentiable
 * ops. With `silu`, dy is first taken through SiLU' at the pre-activation y = groupNorm(x) (itself
 * recomputed by the recorded op, so the second derivative flows through y too).
 */
function backwardWithOps(dy: Tensor, x: Tensor, numGroups: number, weight: Tensor | null, bias: Tensor | null, eps: number, silu: boolean): [Tensor, Tensor, Tensor] {
  if (silu) {
    const y = groupNormOp(x, numGroups, weight, bias, eps, false), s = sigmoid(y);
    dy = mul(dy, mul(s, add(mul(y, sub(1, s)), 1)));
  }
  const [n, c] = x.shape as [number, number];
  const blocks = [n, numGroups, -1], perChannel = [1, c, ...Array(x.ndim - 2).fill(1)] as number[];
  const xg = reshape(x, blocks), size = xg.shape[2]!;
  const mean = (t: Tensor): Tensor => mul(sum(t, 2, true), 1 / size);
  const centered = sub(xg, mean(xg));
  const rstd = rsqrt(add(mean(mul(centered, centered)), eps));
  const xhat = mul(centered, rstd);
  const g = reshape(weight === null ? dy : mul(dy, reshape(weight, perChannel)), blocks);
  const dx = mul(rstd, sub(sub(g, mean(g)), mul(xhat, mean(mul(g, xhat)))));
  const notChannel = [0, ...Array.from({ length: x.ndim - 2 }, (_, k) => k + 2)];
  return [reshape(dx, x.shape), sum(mul(dy, reshape(xhat, x.shape)), notChannel), sum(dy, notChannel)];
}
