/** TODO(gpu): being written. */
import type { GpuEngine } from './engine.ts';

export function softmaxKernels(_e: GpuEngine) {
  const todo = (name: string) => (): never => { throw new Error(`gpu ${name}: not written yet`); };
  return {
    softmax: todo('softmax'),
    softmaxBackward: todo('softmaxBackward'),
  };
}
