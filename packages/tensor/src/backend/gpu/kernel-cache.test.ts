/**
 * The gpu engine's compiled-kernel cache is bounded: least recently used kernels are evicted and
 * destroyed, but never under a launch that still waits to call them. Runs on a fake gpu.js (kernels
 * as JavaScript functions over arrays), so it needs no device.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledKernel, DeviceIo, DeviceResult, GpuJs } from './device-io.ts';
import { GpuBuffer, GpuEngine, KERNEL_CACHE_SIZE, type KernelSpec } from './engine.ts';

class FakeResult implements DeviceResult {
  deleted = false;
  constructor(readonly values: Float32Array) {}
  delete(): void { this.deleted = true; }
}

/** A gpu.js stand-in: each kernel maps its first input elementwise with its `fn` (a JS function of one value). */
function fakeGpu(): GpuJs & { created: string[]; destroyed: string[] } {
  const created: string[] = [], destroyed: string[] = [];
  return {
    created, destroyed,
    createKernel(fn, settings) {
      const { output: [length], constants } = settings as { output: [number]; constants: Record<string, number> };
      const id = `${fn.name}+${constants.add}x${length}`;
      created.push(id);
      const run = (input: FakeResult) => new FakeResult(Float32Array.from({ length }, (_, i) => input.values[i]! + constants.add!));
      return Object.assign(async (...args: unknown[]) => run(args[0] as FakeResult), { kernel: { destroy: () => void destroyed.push(id) } }) as CompiledKernel;
    },
    destroy() {},
  };
}
const io: DeviceIo = { kind: 'webgpu', kernelSettings: {}, upload: (v) => new FakeResult(v.slice()), read: async (r, n) => (r as FakeResult).values.slice(0, n) };
const addSpec = (add: number): KernelSpec => ({ name: 'add', fn: function add() { return 0; }, constants: { add } });
const read = (e: GpuEngine, b: GpuBuffer) => e.read(b).then((v) => [...v]);

describe('gpu engine: the compiled-kernel cache', () => {
  it('is bounded by KERNEL_CACHE_SIZE by default and refuses a bad size', () => {
    assert.equal(KERNEL_CACHE_SIZE, 1024);
    assert.throws(() => new GpuEngine(fakeGpu(), io, 'fake', null, 0), /GpuEngine: cacheSize must be a positive integer, got 0/);
  });

  it('evicts the least recently used kernel and destroys it; a hit refreshes it', async () => {
    const gpu = fakeGpu(), e = new GpuEngine(gpu, io, 'fake', null, 2);
    const x = e.upload(Float32Array.of(1, 2));
    assert.deepEqual(await read(e, e.launch(addSpec(1), 2, [x])), [2, 3]);
    assert.deepEqual(await read(e, e.launch(addSpec(2), 2, [x])), [3, 4]);
    assert.deepEqual(await read(e, e.launch(addSpec(1), 2, [x])), [2, 3]); // a hit: +1 is now the most recent
    assert.deepEqual(await read(e, e.launch(addSpec(3), 2, [x])), [4, 5]); // evicts +2
    assert.equal(e.compiledKernels, 2);
    assert.deepEqual(gpu.destroyed, ['add+2x2']);
    assert.deepEqual(await read(e, e.launch(addSpec(2), 2, [x])), [3, 4]); // compiled again, evicting +1
    assert.deepEqual(gpu.created, ['add+1x2', 'add+2x2', 'add+3x2', 'add+2x2']);
    assert.deepEqual(gpu.destroyed, ['add+2x2', 'add+1x2']);
    assert.equal(e.kernelsCompiled, 4);
  });

  it('destroys an evicted kernel only after the launches queued on it have called it', async () => {
    const gpu = fakeGpu(), e = new GpuEngine(gpu, io, 'fake', null, 1);
    let open!: () => void;
    const gate = new GpuBuffer(e, new Promise<DeviceResult>((resolve) => { open = () => resolve(new FakeResult(Float32Array.of(10, 20))); }), 2);
    const waiting = e.launch(addSpec(1), 2, [gate]); // queued: its input is not ready
    const other = e.launch(addSpec(5), 2, [e.upload(Float32Array.of(0, 0))]); // evicts +1 while the launch waits
    assert.deepEqual(await read(e, other), [5, 5]);
    assert.deepEqual(gpu.destroyed, []);
    open();
    assert.deepEqual(await read(e, waiting), [11, 21]);
    assert.deepEqual(gpu.destroyed, ['add+1x2']);
  });
});
