/**
 * @diffusion-ts/diffusion/internal: building blocks for extending the library (a new process method,
 * a new sampler, a new bound term), kept out of the public surface of index.ts. Stable enough to
 * build on inside this repository; not a contract for users.
 */
export { checkTimesteps, gatherPerSample, meanFlat } from './gaussian/gather.ts';
export { SQRT_2_OVER_PI, CDF_CUBIC, DECODER_HALF_BIN, DECODER_EDGE, DECODER_MIN_PROB } from './gaussian/likelihood.ts';
export { checkSigmas } from './samplers/check-sigmas.ts';
export { linspace, roundHalfEven, checkPositiveInteger, checkInRange } from './schedules/numeric.ts';
