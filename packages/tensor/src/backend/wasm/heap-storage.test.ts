// Tensors in the engine's heap (heap-storage.ts): kernels read and write pooled buffers in place, a
// call keeps no block of its own, a buffer's block returns when the pool lets it go or when the
// collector takes a dropped tensor, and past the storage's bound outputs are plain arrays again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { View } from '../kernels.ts';
import { jsKernels } from '../js/index.ts';
import { getEngine, startWasmEngine } from './engine.ts';
import { outputPool } from './buffer-pool.ts';
import { wasmKernels } from './wasm-kernels.ts';
import { Tensor } from '../../tensor.ts';

const storage = outputPool.storage!;
const heap = () => getEngine().heap;
const f32 = (buf: Float32Array, shape: number[]): View<Float32Array> => ({ buf, shape, dtype: 'float32' });
const p = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } as const;
const data = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 0.37));

/** Bytes the heap holds beyond the storage's blocks: the engine's own scratch and any call's leftovers. */
const beyondStorage = (): number => heap().liveBytes - storage.bytesOut;

describe('wasm tensors in the engine heap', () => {
  it('reads and writes pooled buffers in place, and a call keeps no block of its own', () => {
    const X = data(4 * 8 * 25, 1), W = data(6 * 8 * 9, 2);
    const x = f32(wasmKernels.upload(X) as Float32Array, [4, 8, 5, 5]), w = f32(wasmKernels.upload(W) as Float32Array, [6, 8, 3, 3]);
    wasmKernels.dispose(wasmKernels.conv2d(x, w, p, [4, 6, 5, 5], null)); // the engine's scratch, made once
    const scratch = beyondStorage();
    const y = wasmKernels.conv2d(x, w, p, [4, 6, 5, 5], null) as Float32Array;
    const s = wasmKernels.unary('sigmoid', f32(y, [4, 6, 5, 5])) as Float32Array;
    for (const buf of [x.buf, w.buf, y, s]) assert.notEqual(storage.addressIn(buf, heap()), undefined, 'a pooled buffer lives in the heap');
    assert.equal(beyondStorage(), scratch, 'every block a call allocated is released');
    const want = jsKernels.unary('sigmoid', f32(jsKernels.conv2d(f32(X, x.shape as number[]), f32(W, w.shape as number[]), p, [4, 6, 5, 5], null) as Float32Array, [4, 6, 5, 5]));
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(s[i]! - want[i]!) < 1e-5, `element ${i}: ${s[i]} against ${want[i]}`);

    // Disposed, the buffers wait in the pool (their blocks still out); emptied, the pool returns the blocks.
    const before = storage.bytesOut, bytes = 4 * (X.length + W.length + 2 * y.length);
    for (const buf of [x.buf, w.buf, y, s]) wasmKernels.dispose(buf);
    assert.equal(storage.bytesOut, before);
    const bound = outputPool.maxBytes;
    outputPool.setMaxBytes(0);
    outputPool.setMaxBytes(bound);
    assert.ok(storage.bytesOut <= before - bytes, `${storage.bytesOut} bytes out, expected at most ${before - bytes}`);
    assert.equal(beyondStorage(), scratch);
  });

  it('reads values out into arrays of their own (not views of the shared heap)', async () => {
    const buf = wasmKernels.upload(data(300, 7)) as Float32Array;
    assert.ok(buf.buffer instanceof SharedArrayBuffer, 'the tensor lives in the heap');
    const t = new Tensor(buf, [300], 'float32', wasmKernels);
    for (const values of [t.dataSync(), await t.data()]) {
      assert.ok(!(values.buffer instanceof SharedArrayBuffer), 'a copy of its own');
      assert.deepEqual([...values], [...buf]);
    }
    t.dispose();
  });

  it('past its bound makes plain arrays, which kernels copy in and out with the same results', () => {
    const bound = storage.maxBytes;
    storage.maxBytes = storage.bytesOut; // full
    try {
      const X = data(2 * 3 * 36, 3), W = data(4 * 3 * 9, 4);
      const x = f32(wasmKernels.upload(X) as Float32Array, [2, 3, 6, 6]), w = f32(wasmKernels.upload(W) as Float32Array, [4, 3, 3, 3]);
      const y = wasmKernels.conv2d(x, w, p, [2, 4, 6, 6], null) as Float32Array;
      for (const buf of [x.buf, w.buf, y]) assert.equal(storage.addressIn(buf, heap()), undefined, 'a plain array');
      const want = jsKernels.conv2d(f32(X, [2, 3, 6, 6]), f32(W, [4, 3, 3, 3]), p, [2, 4, 6, 6], null);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(y[i]! - want[i]!) < 1e-5);
      for (const buf of [x.buf, w.buf, y]) wasmKernels.dispose(buf);
    } finally {
      storage.maxBytes = bound;
    }
  });

  it("returns a dropped tensor's block once the collector has taken its buffer", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const collect = async (): Promise<void> => {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    };
    // First collect what other tests dropped, so that only this test's buffer can move the count.
    for (let i = 0; i < 5; i++) await collect();
    const before = storage.bytesOut;
    (() => { wasmKernels.upload(new Float32Array(1 << 16)); })(); // one owner, never disposed
    assert.equal(storage.bytesOut, before + 4 * (1 << 16));
    for (let i = 0; i < 20 && storage.bytesOut !== before; i++) await collect();
    assert.equal(storage.bytesOut, before);
  });

  it("keeps a replaced engine's buffers readable, and the new engine copies them in", async () => {
    // Sizes no other test makes, so the pool has no free buffer of them (it might be a plain array).
    const X = data(2 * 3 * 49, 5), W = data(5 * 3 * 9, 6);
    const x = f32(wasmKernels.upload(X) as Float32Array, [2, 3, 7, 7]), w = f32(wasmKernels.upload(W) as Float32Array, [5, 3, 3, 3]);
    const old = heap();
    assert.notEqual(storage.addressIn(x.buf, old), undefined);
    await startWasmEngine({ threads: 1 });
    try {
      assert.notEqual(heap(), old);
      assert.equal(storage.addressIn(x.buf, heap()), undefined, 'not a block of the new heap');
      assert.deepEqual([...x.buf], [...X], 'still readable');
      const y = wasmKernels.conv2d(x, w, p, [2, 5, 7, 7], null) as Float32Array;
      assert.notEqual(storage.addressIn(y, heap()), undefined, 'the output is in the new heap');
      const want = jsKernels.conv2d(f32(X, [2, 3, 7, 7]), f32(W, [5, 3, 3, 3]), p, [2, 5, 7, 7], null);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(y[i]! - want[i]!) < 1e-5);
    } finally {
      await startWasmEngine();
    }
  });
});
