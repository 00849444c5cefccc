/** TODO(gpu): being written. */
import type { GpuEngine } from './engine.ts';

export function normKernels(_e: GpuEngine) {
  const todo = (name: string) => (): never => { throw new Error(`gpu ${name}: not written yet`); };
  return {
    groupNorm: todo('groupNorm'),
    groupNormBackward: todo('groupNormBackward'),
  };
}
