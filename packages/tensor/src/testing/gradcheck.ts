/**
 * Gradient checks in float64, like torch.autograd.gradcheck: analytic gradients from `backward`
 * against central finite differences. Two modes:
 * - `elementwise`: every input entry's derivative along a random output direction u,
 *   (⟨u, f(x + εeᵢ)⟩ − ⟨u, f(x − εeᵢ)⟩) / 2ε against (Jᵀu)ᵢ;
 * - `direction`: JAX's check_vjp, one random input direction v per input, ⟨u, Jv⟩ against ⟨v, Jᵀu⟩,
 *   which costs two evaluations at any size.
 */
import type { Tensor } from '../tensor-core.ts';
import { tensor } from '../creation.ts';
import { Generator } from '../random.ts';
import { noGrad } from '../autograd.ts';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  generator?: Generator;
  /** Default: elementwise when the inputs hold at most 64 entries in all, else direction. */
  mode?: 'elementwise' | 'direction';
}

export class GradcheckError extends Error {
  override name = 'GradcheckError';
}

const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
const values = (t: Tensor): Float64Array => Float64Array.from(t.dataSync());
const randomLike = (t: Tensor, g: Generator): Float64Array => Float64Array.from({ length: t.numel() }, () => g.normal());

/**
 * Check `fn`'s gradients with respect to every input that requires grad. Inputs must be float64.
 * Returns true, or throws a GradcheckError naming the input, the entry and both values.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): true {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, generator = new Generator(0) } = options;
  for (const [i, x] of inputs.entries()) {
    if (x.requiresGrad && x.dtype !== 'float64') throw new GradcheckError(`gradcheck: input ${i} is ${x.dtype}; finite differences need float64`);
  }
  const checked = inputs.map((x, i) => [x, i] as const).filter(([x]) => x.requiresGrad);
  if (checked.length === 0) throw new GradcheckError('gradcheck: no input requires grad');
  const mode = options.mode ?? (checked.reduce((n, [x]) => n + x.numel(), 0) <= 64 ? 'elementwise' : 'direction');

  const out = fn(...inputs);
  const u = randomLike(out, generator);
  for (const x of inputs) x.grad = null;
  if (out.requiresGrad) out.backward(tensor(u, { shape: out.shape, dtype: out.dtype }));
  const analytic = new Map(checked.map(([x]) => [x, x.grad === null ? new Float64Array(x.numel()) : values(x.grad)]));

  // ⟨u, f(inputs with `x` replaced by `shifted`)⟩, evaluated without recording.
  const project = (x: Tensor, shifted: Float64Array): number => noGrad(() => {
    const args = inputs.map((t) => (t === x ? tensor(shifted, { shape: x.shape, dtype: 'float64' }) : t));
    return dot(u, values(fn(...args)));
  });
  const close = (a: number, n: number) => Math.abs(a - n) <= atol + rtol * Math.abs(n);

  for (const [x, index] of checked) {
    const base = values(x), grad = analytic.get(x)!;
    if (mode === 'elementwise') {
      for (let j = 0; j < base.length; j++) {
        const plus = base.slice(), minus = base.slice();
        plus[j]! += eps; minus[j]! -= eps;
        const numeric = (project(x, plus) - project(x, minus)) / (2 * eps);
        if (!close(grad[j]!, numeric)) {
          throw new GradcheckError(`gradcheck: input ${index} ${JSON.stringify(x.shape)}, entry ${j}: analytic ${grad[j]} vs numeric ${numeric}`);
        }
      }
    } else {
      const v = randomLike(x, generator);
      const numeric = (project(x, base.map((b, j) => b + eps * v[j]!)) - project(x, base.map((b, j) => b - eps * v[j]!))) / (2 * eps);
      const analyticDot = dot(v, grad);
      if (!close(analyticDot, numeric)) {
        throw new GradcheckError(`gradcheck: input ${index} ${JSON.stringify(x.shape)}: <v, Jᵀu> = ${analyticDot} vs <u, Jv> ≈ ${numeric}`);
      }
    }
  }
  return true;
}
