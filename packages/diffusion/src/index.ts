/**
 * @diffusion-ts/diffusion: the public surface, named one by one and grouped by paper and layer.
 * Building blocks for extending the library (per-sample gathers, timestep checks, the decoder's
 * constants) are in `./internal.ts` (the `@diffusion-ts/diffusion/internal` entry), not here.
 */

// ---- The shared vocabulary of samplers -----------------------------------------------------
export type { Denoiser, StepInfo, SamplerOptions, NoiseSource } from './types.ts';
export { randnFrom, normalsFrom } from './samplers/noise.ts';
// Each step in a `tidy` scope, so samplers release device memory as they go (gpu backend).
export { runSteps, type StepState } from './samplers/step-loop.ts';
export { countEvaluations, type CountedDenoiser } from './samplers/count-evaluations.ts';

// ---- Schedules -------------------------------------------------------------------------------
// β schedules: Ho et al. 2020 (linear), Nichol & Dhariwal 2021 (cosine), Sohl-Dickstein et al. 2015, and the reference's others.
export {
  linearBetas, cosineBetas, quadBetas, warmupBetas, constBetas, jsdBetas, sohlDicksteinBetas,
  type CosineBetasOptions, type BetaRangeOptions, type WarmupBetasOptions, type SohlDicksteinBetasOptions,
} from './schedules/betas.ts';
// σ schedules for sampling: Karras et al. 2022, Table 1 and Eq. 5.
export {
  karrasSigmas, vpSigma, vpSigmaDeriv, vpSigmaInv, vpSigmas, veSigmas, iddpmUGrid, iddpmSigmas,
  type KarrasSigmasOptions, type VpScheduleOptions, type VpSigmasOptions, type VeSigmasOptions, type IddpmGridOptions, type IddpmSigmasOptions,
} from './schedules/sigmas.ts';
// σ(t) and s(t) of the ODE (Karras et al. 2022, Table 1), for the ablation sampler.
export { linearSchedule, veSchedule, vpSchedule, type NoiseSchedule, type VpScheduleRange } from './schedules/noise-schedule.ts';

// ---- Discrete-time Gaussian diffusion: DDPM (Ho et al. 2020), iDDPM (Nichol & Dhariwal 2021), ADM -----
export { diffusionCoefficients, type DiffusionCoefficients } from './gaussian/coefficients.ts';
export {
  GaussianDiffusion,
  type ModelMeanType, type ModelVarType, type LossType, type GaussianDiffusionOptions, type DiffusionModel,
  type GaussianMoments, type PMeanVariance, type PMeanVarianceOptions,
} from './gaussian/diffusion.ts';
export { trainingLosses, type TrainingLosses, type TrainingLossesOptions } from './gaussian/losses.ts';
export {
  sampleTimesteps, UniformSampler, LossSecondMomentResampler,
  type TimestepBatch, type ScheduleSampler, type LossSecondMomentOptions,
} from './gaussian/timestep-samplers.ts';
// The variational bound in bits/dim, and the likelihood terms it is made of.
export { calcBpd, priorBpd, vbTermsBpd, vbTermsFromPMeanVariance, type VbTerms, type BpdResult, type CalcBpdOptions } from './gaussian/vlb.ts';
export { normalKl, approxStandardNormalCdf, discretizedGaussianLogLikelihood } from './gaussian/likelihood.ts';
// Respaced (strided) sampling: iDDPM Section 4, DDIM's strides.
export { spaceTimesteps, ddimTimesteps, respaceBetas, type RespacedBetas } from './gaussian/space-timesteps.ts';
export { SpacedDiffusion, spacedDiffusion } from './gaussian/spaced-diffusion.ts';
// Discrete samplers: DDPM ancestral (Ho et al. 2020, Algorithm 2), DDIM (Song et al. 2021).
export { sampleDdpm, type DdpmOptions } from './samplers/ddpm.ts';
export { sampleDdim, ddimReverse, type DdimOptions } from './samplers/ddim.ts';
// A discrete model in σ space, so the continuous samplers run on it.
export { discreteSigmas, discreteSigmaSchedule, discreteDenoiser, type DiscreteDenoiserOptions, type DiscreteSigmaScheduleOptions } from './gaussian/sigma-denoiser.ts';

// ---- Continuous σ space: EDM (Karras et al. 2022) --------------------------------------------
export {
  edmConstants, vpConstants, veConstants, iddpmConstants,
  edmPrecondCoefficients, vpPrecondCoefficients, vePrecondCoefficients, iddpmPrecondCoefficients, iddpmRoundSigma,
  edmLossWeight, inverseSquareLossWeight, edmTrainingSigma, vpTrainingSigma, veTrainingSigma, iddpmTrainingSigma,
  type PrecondCoefficients,
} from './edm/precondition-coefficients.ts';
export {
  precondition, edmPrecond, vpPrecond, vePrecond, iddpmPrecond,
  type RawNetwork, type BatchDenoiser, type PreconditionedDenoiser, type Preconditioning, type PreconditionOptions, type EdmPrecondOptions,
} from './edm/precondition.ts';
export { edmLoss, vpLoss, veLoss, type DenoisingLoss, type DenoisingLossOptions, type EdmLossOptions, type VpLossOptions, type VeLossOptions } from './edm/loss.ts';
// σ-space samplers: Euler and Heun (Algorithms 1–2, churn shared), the stochastic sampler, the ablation sampler,
// ancestral Euler (k-diffusion), DPM-Solver++(2M) (Lu et al. 2022).
export { churn, churnGamma, addChurnNoise, type ChurnOptions } from './samplers/churn.ts';
export { sampleEuler, type EulerOptions } from './samplers/euler.ts';
export { sampleHeun, type HeunOptions } from './samplers/heun.ts';
export { sampleEdmStochastic, edmStochasticDefaults, type EdmStochasticOptions } from './samplers/edm-stochastic.ts';
export { sampleAblation, type AblationOptions, type Scaling } from './samplers/ablation.ts';
export { sampleEulerAncestral, ancestralStep, type EulerAncestralOptions } from './samplers/euler-ancestral.ts';
export { sampleDpmSolver2M } from './samplers/dpm-solver.ts';

// ---- Guidance: a denoiser in, a denoiser out ----------------------------------------------------
// Classifier-free (Ho & Salimans 2022); classifier guidance in σ space and, for discrete processes,
// Algorithms 1 and 2 of Dhariwal & Nichol 2021; training the noised-image classifier.
export { classifierFree } from './guidance/classifier-free.ts';
export { classifierGuidedDenoiser, logitsGradient, type SigmaClassifierGradient } from './guidance/classifier-sigma.ts';
export { condMeanShift, condScoreShift, classifierLogProbGrad, type ClassifierGrad } from './guidance/classifier.ts';
export {
  classifierLoss, trainClassifierStep, classifierLogitsFn,
  type ClassifierLogits, type NoisingProcess, type ClassifierOptimizer, type ClassifierLossOptions, type ClassifierLoss, type ClassifierStepResult,
} from './guidance/train-classifier.ts';

// ---- Sohl-Dickstein et al. 2015: the Gaussian and binomial diffusions of the first paper -----------
export * from './sohl-dickstein/index.ts';

// ---- Gaussian mixtures with exact denoisers, and distances between samples ---------------------
export { GaussianMixture, circleMixture, gmm2d8, gmm1d2, type RandomSource, type GaussianMixtureParams } from './gmm/gaussian-mixture.ts';
export { gmmDenoiser, gmmClassifierGradient } from './gmm/denoiser.ts';
export { momentsOf, slicedWasserstein, gaussianMmd, type SlicedWassersteinOptions, type GaussianMmdOptions } from './metrics/distances.ts';
export { frechetDistance, RunningMoments, type MeanCovariance } from './metrics/frechet.ts';
export { symmetricEigen, symmetricSqrt, type SymmetricEigen } from './metrics/symmetric-eigen.ts';

// ---- Video: conditioning on known frames (Ho et al. 2022, Sec. 3.1) ------------------------------
// Replacement and reconstruction guidance (Eq. 7; its σ-space form in video/reconstruction-guidance.ts) as
// denoiser wrappers for the σ-space samplers and as `predict` for the discrete ones; autoregressive
// extension and temporal super-resolution on top.
export * from './video/index.ts';
// Video metrics: Fréchet distance of frame features (frechetDistance above) and temporal coherence.
export { frameFrechet, frameMoments, centroidCrops, temporalCoherence, pixelStatistics, type CentroidCropOptions, type ClipBatch, type FrameFeatures, type TemporalCoherence } from './metrics/video.ts';
// Their per-clip parts, so that a bootstrap resample of the clips pools without recomputing.
export { ClipFeatureMoments, clipCoherences, pooledCoherence, type ClipCoherence } from './metrics/video.ts';
export { bootstrapWeights, summarizeReplicates, type BootstrapSummary } from './metrics/bootstrap.ts';
