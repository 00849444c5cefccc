// Browser-safe: the byte formats. File I/O is in `@diffusion-ts/nn/node` (../node.ts).
export { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, MAX_RANK, SafetensorsError } from './safetensors.ts';
export { findDuplicateKey, type DuplicateKey } from './duplicate-keys.ts';
export { nonFiniteEntries, type NonFiniteEntry } from './non-finite.ts';
export type { DecodedSafetensors, EncodeOptions, StoredDType, StoredTensor } from './safetensors.ts';
export { bfloat16ToFloat32, float16ToFloat32, FLOAT16_MAX, toFloat16, toFloat16Bits } from './float16.ts';
export * from './module-checkpoint.ts';
export * from './pytorch-key.ts';
