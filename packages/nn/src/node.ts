/** @diffusion-ts/nn/node: checkpoints and safetensors files on disk (Node only; the rest of the package is browser-safe). */
export { appendFileSynced, loadSafetensors, removeStaleTempFiles, saveSafetensors, writeFileAtomic, writeFileAtomicSync } from './checkpoint/file.ts';
export * from './checkpoint/checkpoint-file.ts';
