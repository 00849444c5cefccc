/**
 * The engine's one WebAssembly module: every generated kernel, plus `run`, the command-list
 * interpreter that dispatches on the opcodes below.
 */

import { addRunFunction } from './commands.ts';
import { addConvFunctions } from './conv-kernel.ts';
import { ModuleBuilder } from './emit/module.ts';
import { addGemmFunctions } from './gemm-kernel.ts';
import type { GemmShape } from './gemm-kernel.ts';
import { addGroupNormFunctions } from './group-norm-kernel.ts';
import { addPeakFunction } from './peak-kernel.ts';
import { addSoftmaxFunction } from './softmax-kernel.ts';
import { addSiluBackwardFunction, addUnaryFunctions, nativeUnaryCodes } from './unary-kernel.ts';

/** Command opcodes (0 ends a list). Arguments are those of the kernel named. */
export const Op = {
  packA: 1, // gemm_pack_a(src, rowStride, kStride, mc, kc, dst)
  packB: 2, // gemm_pack_b(src, colStride, kStride, nc, kc, dst)
  macro: 3, // gemm_macro(mc, nc, kc, ap, bp, c, ldc, accumulate, scratch)
  im2col: 4, // conv_im2col(geometry, x, col)
  col2im: 5, // conv_col2im(geometry, col, x)
  peak: 6, // peak(trips, ptr): the ceiling probe, to run it on every thread at once
  siluBackward: 7, // silu_backward(x, dy, dst, n)
  softmax: 8, // softmax_rows(src, dst, rows, n)
  groupNorm: 9, // group_norm(x, w, b, dst, b0, b1, perGroup, S, groups, epsBits, silu)
  groupNormBackward: 10, // group_norm_backward(x, w, b, dy, dst, sums, b0, b1, perGroup, S, groups, epsBits, silu)
  unary: 16, // unary_<code>(src, dst, n): opcode 16 + the code's index in `nativeUnaryCodes`
} as const;

export interface EngineExports {
  run(list: number): void;
  peak(trips: number, ptr: number): number;
  conv_im2col(geometry: number, x: number, col: number): void;
  conv_col2im(geometry: number, col: number, x: number): void;
  gemm_tile(kc: number, ap: number, bp: number, c: number, ldc: number, accumulate: number): void;
  gemm_macro(mc: number, nc: number, kc: number, ap: number, bp: number, c: number, ldc: number, accumulate: number, scratch: number): void;
  gemm_pack_a(src: number, rowStride: number, kStride: number, mc: number, kc: number, dst: number): void;
  gemm_pack_b(src: number, colStride: number, kStride: number, nc: number, kc: number, dst: number): void;
}

/** The module's bytes (generated, not loaded). */
export function engineModuleBytes(shape: GemmShape, memory: { initial: number; maximum: number }): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder({ module: 'env', name: 'memory', initial: memory.initial, maximum: memory.maximum, shared: true });
  const gemm = addGemmFunctions(mod, shape);
  const conv = addConvFunctions(mod);
  const peak = addPeakFunction(mod);
  const unary = addUnaryFunctions(mod);
  const siluBackward = addSiluBackwardFunction(mod);
  const softmax = addSoftmaxFunction(mod);
  const groupNorm = addGroupNormFunctions(mod);
  addRunFunction(mod, [
    ...nativeUnaryCodes.map((code, i) => ({ op: Op.unary + i, func: unary[code], argc: 3 })),
    { op: Op.siluBackward, func: siluBackward, argc: 4 },
    { op: Op.softmax, func: softmax, argc: 4 },
    { op: Op.groupNorm, func: groupNorm.forward, argc: 11 },
    { op: Op.groupNormBackward, func: groupNorm.backward, argc: 13 },
    { op: Op.peak, func: peak, argc: 2, returnsValue: true },
    { op: Op.im2col, func: conv.im2col, argc: 3 },
    { op: Op.col2im, func: conv.col2im, argc: 3 },
    { op: Op.packA, func: gemm.packA, argc: 6 },
    { op: Op.packB, func: gemm.packB, argc: 6 },
    { op: Op.macro, func: gemm.macro, argc: 9 },
  ]);
  return mod.toBytes();
}

/** Compile the module for `memory` and return it with a function that instantiates it on this thread. */
export function buildEngineModule(shape: GemmShape, memory: WebAssembly.Memory): { module: WebAssembly.Module; instantiate: () => EngineExports } {
  const pages = memory.buffer.byteLength / 65536;
  // The import's limits must admit the memory: initial ≤ its current size; the maximum must match.
  const module = new WebAssembly.Module(engineModuleBytes(shape, { initial: pages, maximum: 65536 }));
  const instantiate = (): EngineExports =>
    new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as EngineExports;
  return { module, instantiate };
}
