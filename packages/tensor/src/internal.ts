/**
 * @diffusion-ts/tensor/internal: what a backend or a new op needs that users do not: the tape's
 * un-broadcasting (`sumToShape`), conv2d's output-size arithmetic, and the shape helpers every op
 * validates with. Not a contract for users.
 */
export { sumToShape } from './ops/reduce.ts';
export { conv2dGeometry } from './ops/conv2d.ts';
export { checkShape, fmt, normalizeDim, normalizeDims, sizeOf, stridesOf } from './shape.ts';
