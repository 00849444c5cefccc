/**
 * Shared by the optimizer tests: the quadratic f(θ) = ½ Σᵢ aᵢ (θᵢ − cᵢ)², whose gradient
 * a ⊙ (θ − c) the optimizers get from autodiff and the scalar references compute directly, and the
 * trajectory of an optimizer on it.
 */
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '@diffusion-ts/tensor';
import { parameter } from '../module.ts';

export function quadratic(a: readonly number[], c: readonly number[]) {
  return {
    gradOf: (theta: readonly number[]): number[] => theta.map((t, i) => a[i]! * (t - c[i]!)),
    lossBackward: (p: Tensor): void => p.sub(tensor([...c], { dtype: p.dtype })).square().mul(tensor([...a], { dtype: p.dtype })).sum().mul(0.5).backward(),
  };
}

/** θ after each of `steps` optimizer steps from θ₀ on the loss of `lossBackward`. */
export function trajectory(
  makeOptimizer: (params: Tensor[]) => { zeroGrad(): void; step(): void },
  lossBackward: (p: Tensor) => void,
  theta0: readonly number[], steps: number, dtype: 'float32' | 'float64' = 'float64',
): number[][] {
  const p = parameter(tensor([...theta0], { dtype }));
  const opt = makeOptimizer([p]);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    opt.zeroGrad();
    lossBackward(p);
    opt.step();
    out.push([...p.dataSync()]);
  }
  return out;
}

/** Every entry within `tol` relative to max(1, |expected|). */
export function assertTrajectoryClose(actual: number[][], expected: number[][], tol: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, t) =>
    row.forEach((v, i) => {
      const e = expected[t]![i]!;
      assert.ok(Math.abs(v - e) <= tol * Math.max(1, Math.abs(e)), `step ${t + 1}, element ${i}: got ${v}, expected ${e}`);
    }),
  );
}
