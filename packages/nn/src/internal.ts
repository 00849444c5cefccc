/**
 * @diffusion-ts/nn/internal: what the library's own packages share and users do not need. Not a
 * contract for users: the command's error messages and the samplers' loops use these.
 */

// Bounded, one-line text of untrusted values for error messages (a checkpoint's keys, a config's values).
export { clip, excerpt, keyList, problemList, EXCERPT_CHARS, LISTED_PROBLEMS } from './bounded-text.ts';
// A caught value's message, bounded, keeping the class name of built-in errors.
export { describeFailure } from './checkpoint/module-checkpoint.ts';
// The first key repeated in one object of JSON text (the safetensors header check).
export { findDuplicateKey, type DuplicateKey } from './checkpoint/duplicate-keys.ts';
// Dispose what a loop replaces, where the backend needs it (gpu) or inside a recycling scope.
export { release } from './release.ts';
