/** @diffusion-ts/tensor/testing: gradient checks and fast-check generators for property tests. */
export * from './gradcheck.ts';
export * from './arbitraries.ts';
export * from './properties.ts';
export * from './fused.ts';
