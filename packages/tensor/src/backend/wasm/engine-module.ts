/**
 * The engine's one WebAssembly module: the kernels of a list, plus `run`, the command-list
 * interpreter that dispatches on their opcodes. A kernel's opcode is its position in the list plus
 * one (0 ends a list); its record layout is its descriptor's `params`.
 */

import { addRunFunction, type EmitContext, type KernelDescriptor } from './commands.ts';
import { convBiasGradKernel } from './conv-bias-kernel.ts';
import { convCol2im, convIm2col } from './conv-kernel.ts';
import { convIm2colPacked, convPadImage } from './im2col-packed-kernel.ts';
import { ModuleBuilder } from './emit/module.ts';
import { gemmMacro, gemmMacroBias, gemmPackA, gemmPackB } from './gemm-kernel.ts';
import type { GemmShape } from './gemm-kernel.ts';
import { groupNormBackwardKernel, groupNormKernel } from './group-norm-kernel.ts';
import { softmaxBackwardKernel, softmaxKernel } from './softmax-kernel.ts';
import { winoFilterGrad, winoGradient } from './winograd-grad-kernel.ts';
import { winoFilter, winoInput, winoOutput } from './winograd-kernel.ts';
import { siluBackwardKernel, unaryKernels } from './unary-kernel.ts';
import { binaryKernels } from './binary-kernel.ts';

/** The kernels of the engine users load, in opcode order. To add one: export its descriptor from its `*-kernel.ts` and list it here. */
export const engineKernels: readonly KernelDescriptor[] = [
  gemmPackA, gemmPackB, gemmMacro, gemmMacroBias,
  convIm2col, convCol2im, convPadImage, convIm2colPacked, convBiasGradKernel,
  winoFilter, winoInput, winoOutput, winoGradient, winoFilterGrad,
  siluBackwardKernel, softmaxKernel, groupNormKernel, groupNormBackwardKernel,
  ...Object.values(unaryKernels),
  ...Object.values(binaryKernels), softmaxBackwardKernel,
];

/** The exports the engine calls directly: the interpreter (the kernels are reached through it). */
export interface EngineExports {
  run(list: number): void;
}

/** The module's bytes (generated, not loaded) for `kernels`, numbered from 1 in list order. */
export function engineModuleBytes(shape: GemmShape, memory: { initial: number; maximum: number }, kernels: readonly KernelDescriptor[] = engineKernels): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder({ module: 'env', name: 'memory', initial: memory.initial, maximum: memory.maximum, shared: true });
  const cache = new Map<string, unknown>();
  const ctx: EmitContext = {
    mod, shape,
    once: <T>(key: string, make: () => T): T => {
      if (!cache.has(key)) cache.set(key, make());
      return cache.get(key) as T;
    },
  };
  const names = new Set<string>();
  const table = kernels.map((k, i) => {
    if (names.has(k.name)) throw new Error(`wasm engine: kernel ${k.name} listed twice`);
    names.add(k.name);
    return { op: i + 1, func: k.emit(ctx), argc: k.params.length, returnsValue: k.returnsValue ?? false };
  });
  addRunFunction(mod, table);
  return mod.toBytes();
}

/** Compile the module for `memory` and return it with a function that instantiates it on this thread. */
export function buildEngineModule(shape: GemmShape, memory: WebAssembly.Memory, kernels: readonly KernelDescriptor[] = engineKernels): { module: WebAssembly.Module; instantiate: () => EngineExports } {
  const pages = memory.buffer.byteLength / 65536;
  // The import's limits must admit the memory: initial ≤ its current size; the maximum must match.
  const module = new WebAssembly.Module(engineModuleBytes(shape, { initial: pages, maximum: 65536 }, kernels));
  const instantiate = (): EngineExports =>
    new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as EngineExports;
  return { module, instantiate };
}
