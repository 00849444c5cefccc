/** Video: sampling conditioned on known frames, and longer or denser clips from it (Ho et al. 2022, Sec. 3.1). */
export { frameCondition, mergeFrames, type FrameCondition } from './frame-condition.ts';
export { replacementDenoiser } from './replacement.ts';
export { reconstructionGuidedDenoiser, reconstructionGradient } from './reconstruction-guidance.ts';
export { replacementPrediction, reconstructionGuidedPrediction, type ReversePrediction, type ConditionedPredictionOptions } from './discrete.ts';
export { extendAutoregressive, interpolateFrames, type BlockSampler, type ExtendOptions, type InterpolateOptions } from './extend.ts';
