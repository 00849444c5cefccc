/**
 * Releasing device memory in the library's own loops (optimizer state, EMA shadows, gradients, the
 * samplers' previous x) as soon as a tensor is replaced, so that gpu memory stays flat without
 * finalizers, which never run inside a synchronous loop.
 */
import { isRecycling } from '@diffusion-ts/tensor';
import type { Tensor } from '@diffusion-ts/tensor';

/**
 * Dispose each tensor whose backend memory must be released explicitly (gpu), and, inside a
 * recycling scope (`tidy(fn, { recycle: true })`), every tensor, so the wasm engine reuses its buffer.
 * Elsewhere on garbage-collected backends (js, wasm) it does nothing, so a tensor someone else still
 * holds (an earlier state dict's, an `onStep` callback's) stays usable there, as it always was.
 */
export function release(...tensors: readonly (Tensor | null | undefined)[]): void {
  const all = isRecycling();
  for (const t of tensors) if (t != null && (all || !t.backend.garbageCollected)) t.dispose();
}
