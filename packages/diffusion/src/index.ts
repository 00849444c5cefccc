export * from './schedules/betas.ts';
export * from './schedules/sigmas.ts';
export * from './gaussian/coefficients.ts';
export * from './gaussian/respace.ts';
export * from './gaussian/kl.ts';
export * from './edm/precondition-coefficients.ts';
export * from './gmm/gaussian-mixture.ts';
export * from './metrics/distances.ts';
