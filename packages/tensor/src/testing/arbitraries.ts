/** fast-check generators shared by the property suites: shapes, broadcastable shapes, tensors. */
import fc from 'fast-check';
import type { Shape } from '../backend/kernels.ts';
import type { Tensor } from '../tensor-core.ts';
import { randn } from '../creation.ts';
import { Generator } from '../random.ts';

/** A shape of `minDims`…`maxDims` dims, each of size `minSize`…`maxSize`. */
export const shapeArb = ({ minDims = 0, maxDims = 3, minSize = 1, maxSize = 4 } = {}): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: minSize, max: maxSize }), { minLength: minDims, maxLength: maxDims });

/**
 * `count` shapes that broadcast together: a common shape, each operand dropping some leading dims
 * and setting some dims to 1.
 */
export const broadcastableShapes = (count: number, { maxDims = 3, maxSize = 4 } = {}): fc.Arbitrary<number[][]> =>
  shapeArb({ maxDims, maxSize }).chain((full) =>
    fc.tuple(...Array.from({ length: count }, () =>
      fc.tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
        .map(([drop, ones]) => full.map((d, k) => (ones[k] ? 1 : d)).slice(drop)))));

/** A seed for `new Generator(seed)`. */
export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** A float64 tensor of normals that requires grad (what gradient checks take). */
export const leaf = (shape: Shape, g: Generator, scale = 1): Tensor => {
  const t = randn(shape, { dtype: 'float64', generator: g }).mul(scale).detach();
  return t.requiresGrad_();
};

export { Generator };
