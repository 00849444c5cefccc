/**
 * `expectSameAsComposed`: a fused primitive (one kernel each way) against the composed ops it
 * replaces, on values, first derivatives (the fused backward kernel) and second derivatives (the
 * op-written backward the fused op records under `createGraph`).
 */
import assert from 'node:assert/strict';
import type { Tensor } from '../tensor-core.ts';
import { add, mul, sum } from '../ops/index.ts';
import { Generator } from '../random.ts';
import { randn } from '../creation.ts';

type Fn = (...inputs: Tensor[]) => Tensor;

/** Gradients of ⟨u, f(inputs)⟩, and (createGraph) of ⟨v, those gradients⟩, for fresh copies of `inputs`. */
function firstAndSecondGradients(f: Fn, inputs: readonly Tensor[], u: Tensor, vs: readonly Tensor[]): [number[][], number[][]] {
  const leaves = inputs.map((t) => t.detach().requiresGrad_());
  sum(mul(f(...leaves), u)).backward(undefined, { createGraph: true });
  const first = leaves.map((t) => t.grad!);
  for (const t of leaves) t.grad = null;
  first.map((g, i) => sum(mul(g, vs[i]!))).reduce((a, b) => add(a, b)).backward();
  return [first.map((g) => [...g.dataSync()]), leaves.map((t) => [...(t.grad?.dataSync() ?? new Float64Array(t.numel()))])];
}

function assertClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    assert.ok(a === e || Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}, entry ${i}: fused ${a} vs composed ${e}`);
  }
}

/**
 * Assert that `fused` and `composed` agree on `inputs` (float64 tensors): values to `tol`, gradients
 * along a random output direction to 100·tol, and second derivatives along random input directions
 * to 1000·tol (relative to 1 + |value|).
 */
export function expectSameAsComposed(fused: Fn, composed: Fn, inputs: readonly Tensor[], generator: Generator, tol = 1e-12): void {
  const y = fused(...inputs);
  assertClose('values', y.dataSync(), composed(...inputs).dataSync(), tol);
  const u = randn(y.shape, { dtype: y.dtype, generator }), vs = inputs.map((t) => randn(t.shape, { dtype: t.dtype, generator }));
  const [first, second] = firstAndSecondGradients(fused, inputs, u, vs);
  const [first0, second0] = firstAndSecondGradients(composed, inputs, u, vs);
  first.forEach((g, i) => assertClose(`first derivatives of input ${i}`, g, first0[i]!, 100 * tol));
  second.forEach((g, i) => assertClose(`second derivatives of input ${i}`, g, second0[i]!, 1000 * tol));
}
