/**
 * @diffusion-ts/nn: the public surface, named one by one and grouped by layer. File I/O is in
 * `./node.ts` (the `@diffusion-ts/nn/node` entry); the helpers the library's own code shares (bounded
 * text for error messages, releasing device memory in loops) are in `./internal.ts`
 * (`@diffusion-ts/nn/internal`), not here.
 */

// ---- Modules and initialisation -------------------------------------------------------------
export { Module, ModuleList, Sequential, parameter, buffer, StateDictError, type LoadStateDictOptions, type UnaryModule } from './module.ts';
export { metaInit, uniform, normal, fanInUniform, xavierUniform, constant, zeroInit, zeroModule, type InitOptions } from './init.ts';

// ---- Layers (PyTorch's names, positional forms and defaults) -------------------------------
export { Linear, type LinearOptions } from './layers/linear.ts';
export { Conv1d, type Conv1dOptions } from './layers/conv1d.ts';
export { Conv2d, type Conv2dOptions } from './layers/conv2d.ts';
export { GroupNorm, type GroupNormOptions } from './layers/group-norm.ts';
export { LayerNorm, type LayerNormOptions } from './layers/layer-norm.ts';
export { SiLU } from './layers/silu.ts';
export { Dropout, type DropoutOptions } from './layers/dropout.ts';
export { Embedding, type EmbeddingOptions } from './layers/embedding.ts';
export { timestepEmbedding } from './layers/timestep-embedding.ts';
export { FourierFeatures, type FourierFeaturesOptions } from './layers/fourier-features.ts';
export { Upsample, type UpsampleOptions } from './layers/upsample.ts';
export { Downsample, type DownsampleOptions } from './layers/downsample.ts';
export { AttentionBlock, type AttentionBlockOptions } from './layers/attention-block.ts';

// ---- The diffusion U-Net: DDPM (Ho et al. 2020), iDDPM, ADM (Dhariwal & Nichol 2021) ----------
export { unetDefaults, resolveUNetConfig, UNetConfigError, type UNetConfig, type UNetConfigInput } from './unet/config.ts';
export { ResBlock, TimestepBlock, TimestepEmbedSequential, type ResBlockOptions } from './unet/blocks.ts';
export { UNet, type UNetOptions } from './unet/unet.ts';
export type { TimestepsInput, LabelsInput } from './unet/inputs.ts';
export { presets, type PresetName } from './unet/presets.ts';
// Video: the space-time U-Net (Ho et al. 2022, Sec. 3).
export { TemporalAttentionBlock, type TemporalAttentionBlockOptions } from './unet/temporal-attention.ts';
export {
  VideoUNet, SpaceTimeSequential, videoUNetDefaults, resolveVideoUNetConfig, jointTrainingMask,
  type VideoUNetConfig, type VideoUNetConfigInput, type VideoUNetOptions, type VideoForwardOptions, type FrameLayout,
} from './unet/video-unet.ts';
export { videoPresets, type VideoPresetName } from './unet/video-presets.ts';
// ADM's noised-image classifier (the U-Net's encoder half with an attention pool).
export { AttentionPool2d, type AttentionPool2dOptions } from './unet/attention-pool-2d.ts';
export {
  EncoderUNet, GlobalAvgPool2d, Flatten, resolveEncoderUNetConfig,
  type EncoderUNetConfig, type EncoderUNetConfigInput, type EncoderUNetOptions, type ClassifierPool,
} from './unet/encoder-unet.ts';
export { classifierPresets, type ClassifierPresetName } from './unet/classifier-presets.ts';

// ---- Small networks: a 2-D denoiser, a clean-image classifier ------------------------------------
export { MLP, type MLPOptions } from './mlp.ts';
export { ConvClassifier, mnist16Classifier, type ConvClassifierConfig } from './conv-classifier.ts';

// ---- Optimizers, learning-rate schedules, gradient clipping, EMA ---------------------------------
export {
  Optimizer, OptimizerError,
  type Hyperparameter, type BaseHyperparameters, type ParamGroup, type ParamGroupInput, type ParamState, type SavedParamGroup, type OptimizerStateDict,
} from './optim/optimizer.ts';
export { SGD, type SGDHyperparameters } from './optim/sgd.ts';
export { Adam, AdamW, type AdamHyperparameters, type AdamOptions } from './optim/adam.ts';
export { constantLr, linearWarmup, cosineDecay, linearDecay, clipGradNorm, type LrSchedule } from './optim/schedules.ts';
export { EMA, EmaError, fixedDecay, edmEmaBeta, edmHalflife, initialShare, withoutInitialShare, type EmaSchedule, type EdmEmaOptions, type EmaStateDict } from './ema.ts';

// ---- Checkpoints and safetensors (browser-safe byte formats; files in @diffusion-ts/nn/node) ------
export {
  decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, MAX_RANK, SafetensorsError,
  type DecodedSafetensors, type EncodeOptions, type StoredDType, type StoredTensor,
} from './checkpoint/safetensors.ts';
export { bfloat16ToFloat32, float16ToFloat32, FLOAT16_MAX, toFloat16, toFloat16Bits } from './checkpoint/float16.ts';
export { nonFiniteEntries, type NonFiniteEntry } from './checkpoint/non-finite.ts';
export {
  CHECKPOINT_FORMAT, CheckpointError, stateDictToRecords, recordsToStateDict, encodeCheckpoint, decodeCheckpoint, checkpointFromSafetensors, applyCheckpoint,
  type Checkpoint, type CheckpointInput, type CheckpointableOptimizer, type RestoreTargets,
} from './checkpoint/module-checkpoint.ts';
// PyTorch's state-dict keys (guided-diffusion's module tree, snake_case) ↔ ours.
export { fromPyTorchKey, fromPyTorchStateDict, snakeToCamel, toPyTorchKey, toPyTorchStateDict, camelToSnake } from './checkpoint/pytorch-key.ts';
