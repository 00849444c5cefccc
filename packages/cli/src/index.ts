/**
 * @diffusion-ts/cli as a module (the `exports` entry of its package.json): the command itself, to run
 * it from a script (`main(argv)`), and the data sets and pictures it trains on and draws, for
 * benchmarks and examples that want the same data and plots without reaching into its sources; and
 * the sample-quality measures (the shipped MNIST classifier, its features, the Fréchet distance to
 * held-out data), e.g. for a per-frame Fréchet distance of video samples:
 *   const judge = await loadJudge(shippedClassifier, 'judge');
 *   const { features, featureDim } = await classifyImages(judge, { data: frames, shape: [n, 1, 16, 16] }, { withFeatures: true });
 *   frechetDistance(new RunningMoments(featureDim).add(features).moments(), reference);
 */
export { main, program } from './main.ts';
export { datasets, datasetNames, heldOut, heldOutSeed, isDatasetName, type DatasetEntry, type DatasetKind, type DatasetName } from './data/registry.ts';
export {
  epochsOf, MNIST_CLASS_COUNTS, MNIST_CLASSES, MNIST_HELD_OUT_PER_CLASS, MNIST_SIDE, MNIST_TOTAL, mnistDigits, mnistHeldOut, mnistImages, mnistSizes, mnistSplit, mnistTrain,
  type MnistDigits, type MnistSize, type MnistSplit,
} from './data/mnist.ts';
export { checkerboard, ring, swissRoll, swissRollStats, twoMoons } from './data/toy2d.ts';
export type { CheckerboardOptions, NoiseOptions, RingOptions, SwissRollOptions } from './data/toy2d.ts';
export type { Dataset } from './data/types.ts';
export * from './render/index.ts';
export { classifyImages, heldOutAccuracy, type Classified, type Images } from './run/classify.ts';
export { checkJudgeFits, classAccuracy, fid, generateSet, loadJudge, referenceSize, shippedClassifier, type ClassAccuracy, type FidResult, type GeneratedSet } from './run/quality.ts';
export { loadSession, type LoadedSession, type Session } from './run/session.ts';
// What the scripts and benchmarks that drive a run need: its checkpoint by run folder or file, the
// sampler table's names and default steps, and the video table of `eval --video`.
export { resolveCheckpoint } from './run/run-folder.ts';
export { defaultSampler, samplerNames, stepsFor, sweepableSamplers, type SampleOptions, type SamplerName } from './run/samplers.ts';
export { comparisonTable, floorRow, frameFeatureNames, frameFeaturesFor, videoEvaluation, videoTable, type FrameFeatureName, type VideoComparison, type VideoEvalOptions, type VideoEvaluation, type VideoRow } from './run/video-eval.ts';
export { bootstrapRows, pairedDifference, standardErrors, videoMeasureNames, type ClipParts, type VideoMeasures } from './run/video-bootstrap.ts';
