/** TODO(gpu): being written. */
import type { GpuEngine } from './engine.ts';

export function convKernels(_e: GpuEngine) {
  const todo = (name: string) => (): never => { throw new Error(`gpu ${name}: not written yet`); };
  return {
    conv2d: todo('conv2d'),
    conv2dInputGrad: todo('conv2dInputGrad'),
    conv2dWeightGrad: todo('conv2dWeightGrad'),
  };
}
