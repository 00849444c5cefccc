/**
 * Helpers for the nn tests (not exported from the package): gradient checks of a whole module
 * with respect to its inputs and all its parameters, in float64.
 */
import { gradcheck, type GradcheckOptions } from '@diffusion-ts/tensor/testing';
import { noGrad, randn, type Generator, type Tensor } from '@diffusion-ts/tensor';
import type { Module } from '../module.ts';

/** Replace every parameter with N(0, scale²) values (so zero-initialised layers are exercised too). */
export function randomizeParameters(module: Module, generator: Generator, scale = 0.5): void {
  noGrad(() => {
    for (const p of module.parameters()) p.assign(randn(p.shape, { dtype: p.dtype, generator }).mul(scale));
  });
}

/**
 * Convert `module` to float64, randomise its parameters, and gradcheck `forward(...inputs)` with
 * respect to the inputs that require grad and every parameter (torch.autograd.gradcheck on a
 * module, with the parameters passed as extra inputs and swapped into their fields).
 */
export function gradcheckModule(
  module: Module, inputs: readonly Tensor[], forward: (...inputs: Tensor[]) => Tensor, generator: Generator, options: GradcheckOptions = {},
): true {
  module.to('float64');
  randomizeParameters(module, generator);
  const owners = new Map(module.namedModules());
  const params = module.namedParameters().map(([name, p]) => {
    const dot = name.lastIndexOf('.');
    const owner = owners.get(dot < 0 ? '' : name.slice(0, dot))! as unknown as Record<string, Tensor>;
    return { owner, key: dot < 0 ? name : name.slice(dot + 1), p };
  });
  const fn = (...args: Tensor[]): Tensor => {
    params.forEach(({ owner, key }, k) => { owner[key] = args[inputs.length + k]!; });
    try {
      return forward(...args.slice(0, inputs.length));
    } finally {
      for (const { owner, key, p } of params) owner[key] = p;
    }
  };
  return gradcheck(fn, [...inputs, ...params.map(({ p }) => p)], { generator, ...options });
}

/** Max |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
