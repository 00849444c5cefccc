export { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, SafetensorsError } from './safetensors.ts';
export type { DecodedSafetensors, StoredDType, StoredTensor } from './safetensors.ts';
export { loadSafetensors, saveSafetensors, writeFileAtomic, writeFileAtomicSync } from './file.ts';
export * from './module-checkpoint.ts';
export * from './pytorch-key.ts';
