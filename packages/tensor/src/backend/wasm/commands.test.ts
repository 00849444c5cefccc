import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommandList, kernel, orderedArgs, type KernelArgs } from './commands.ts';
import { engineKernels } from './engine-module.ts';
import { getEngine } from './engine.ts';
import { gemmPackA } from './gemm-kernel.ts';
import { groupNormKernel } from './group-norm-kernel.ts';
import { peakEngine, peakKernel, runPeak } from './peak-kernel.ts';

describe('wasm kernel descriptors', () => {
  it('arguments go by name, in the descriptor’s order; missing, unknown or non-finite ones are named', () => {
    const args: KernelArgs<typeof gemmPackA> = { dst: 6, kc: 5, mc: 4, kStride: 3, rowStride: 2, src: 1 };
    assert.deepEqual(orderedArgs(gemmPackA, args), [1, 2, 3, 4, 5, 6]);
    assert.throws(() => orderedArgs(gemmPackA, { ...args, kc: undefined } as never), /wasm kernel gemm_pack_a: argument kc must be a finite number, got undefined/);
    assert.throws(() => orderedArgs(gemmPackA, { ...args, kc: Number.NaN }), /argument kc must be a finite number, got NaN/);
    assert.throws(() => orderedArgs(gemmPackA, { ...args, ldc: 4 } as never), /wasm kernel gemm_pack_a: unknown arguments ldc \(parameters: src, rowStride, kStride, mc, kc, dst\)/);
    assert.equal(groupNormKernel.params.length, 11);
  });

  it('a record holds exactly its kernel’s parameter count', () => {
    const memory = new Int32Array(64);
    const list = new CommandList(() => memory, 0, 4);
    list.push(3, [1, 2], 2);
    assert.deepEqual([...memory.subarray(0, 3)], [3, 1, 2]);
    assert.throws(() => list.push(3, [1, 2, 3], 2), /command 3: 3 arguments for a kernel of 2/);
  });

  it('a kernel has at most 15 parameters (a record is 64 bytes)', () => {
    assert.throws(() => kernel({ name: 'wide', params: Array.from({ length: 16 }, (_, i) => `p${i}`), emit: () => 0 }), /kernel wide: 16 parameters, at most 15/);
  });

  it('the engine users load numbers its list and holds no benchmark probe; a probe engine adds it', () => {
    const names = engineKernels.map((k) => k.name);
    assert.equal(new Set(names).size, names.length, 'each kernel once');
    assert.ok(!names.includes('peak') && !engineKernels.includes(peakKernel));
    const engine = getEngine();
    assert.throws(() => engine.push(0, peakKernel, { trips: 1, ptr: engine.scratch[0]!.tile }), /wasm engine: kernel peak is not in this engine's module/);
    runPeak(peakEngine({ threads: 1 }), 1000);
  });
});
