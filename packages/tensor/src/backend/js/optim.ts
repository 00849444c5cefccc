/** Optimizer steps as one pass over the parameter: what would otherwise be ~12 elementwise kernels. */
import type { AdamStepParams, DType, TypedArray, View } from '../kernels.ts';
import { alloc } from './util.ts';

/** Adam / AdamW, element by element in float64 (torch's `_single_tensor_adam`; see ops/optim.ts). */
export function adamStep(param: View<TypedArray>, grad: View<TypedArray>, expAvg: View<TypedArray> | null, expAvgSq: View<TypedArray> | null, h: AdamStepParams,
  /** Where the three outputs come from (the wasm engine passes its pool; every element is written). */
  allocate: (dtype: DType, n: number) => TypedArray = alloc): [TypedArray, TypedArray, TypedArray] {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, maximize, step } = h;
  const P = param.buf, G = grad.buf, M = expAvg?.buf, V = expAvgSq?.buf, n = P.length;
  const p1 = allocate(param.dtype, n), m1 = allocate(param.dtype, n), v1 = allocate(param.dtype, n);
  const stepSize = lr / (1 - beta1 ** step), rootBias2 = Math.sqrt(1 - beta2 ** step);
  const shrink = decoupled ? 1 - lr * weightDecay : 1, l2 = decoupled ? 0 : weightDecay;
  for (let i = 0; i < n; i++) {
    const p = P[i]! * shrink, g = (maximize ? -G[i]! : G[i]!) + l2 * P[i]!;
    const m = beta1 * (M === undefined ? 0 : M[i]!) + (1 - beta1) * g;
    const v = beta2 * (V === undefined ? 0 : V[i]!) + (1 - beta2) * g * g;
    m1[i] = m;
    v1[i] = v;
    p1[i] = p - (stepSize * m) / (Math.sqrt(v) / rootBias2 + eps);
  }
  return [p1, m1, v1];
}
