/** The `js` reference backend: plain typed-array loops, written to be read; float32, float64 and int32. */
import type { Kernels, TypedArray } from '../kernels.ts';
import { conv2d, conv2dBiasGrad, conv2dInputGrad, conv2dWeightGrad } from './conv2d.ts';
import { binary, cast, fill, siluBackward, unary, where } from './elementwise.ts';
import { concat, gather, pad, scatterAdd, strided } from './layout.ts';
import { matmul } from './matmul.ts';
import { groupNorm, groupNormBackward } from './norm.ts';
import { argReduce, reduce } from './reduce.ts';
import { adamStep } from './optim.ts';
import { softmax, softmaxBackward } from './softmax.ts';

export const jsKernels: Kernels<TypedArray> = {
  name: 'js',
  synchronous: true,
  garbageCollected: true,
  upload: (data) => data.slice(),
  readSync: (x) => x.buf,
  read: async (x) => x.buf,
  dispose: () => {},
  share: (buf) => buf,
  fill, cast, unary, siluBackward, binary, where, reduce, argReduce,
  strided, concat, pad, gather, scatterAdd,
  matmul, conv2d, conv2dInputGrad, conv2dWeightGrad, conv2dBiasGrad,
  groupNorm, groupNormBackward,
  softmax, softmaxBackward,
  adamStep,
};
