export { temporalBasis, temporalWeights, temporalReadout, perturbedBetas, type TemporalBasis, type PerturbedBetasOptions } from './temporal-basis.ts';
export {
  forwardDiffusionSample, reverseMeanStd, gaussianKl, negLBoundBits, sampleAncestral, SohlDicksteinDiffusion,
  type GaussianStep, type ReverseKernel, type ReverseStepInfo, type SohlDicksteinNetwork, type ForwardSample,
  type AncestralOptions, type SohlDicksteinConfig, type SohlDicksteinLossOptions,
} from './gaussian.ts';
export {
  bernoulliKl, binomialBoundBits, sampleBinomialChain, BinomialDiffusion,
  type BinomialNetwork, type BinomialKernel, type BinomialStepInfo, type BinomialConfig,
} from './binomial.ts';
export { multiplyGaussian, clampKnown, multiplyFactor, samplePosterior, type GaussianFactor, type InpaintFactor, type KnownFactor, type PosteriorOptions } from './posterior.ts';
export { trainOnBound, type BoundModel, type StepOptimizer, type TrainOnBoundOptions } from './train.ts';
