// Browser-safe: the byte formats. File I/O is in `@diffusion-ts/nn/node` (../node.ts).
export { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, SafetensorsError } from './safetensors.ts';
export type { DecodedSafetensors, StoredDType, StoredTensor } from './safetensors.ts';
export * from './module-checkpoint.ts';
export * from './pytorch-key.ts';
