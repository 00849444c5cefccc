import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn } from '../../index.ts';
import { getEngine, startWasmEngine } from './engine.ts';
import { mayBlock, wasmMaxThreads } from './platform.ts';
import { getBackend, setBackend } from '../registry.ts';

describe('startWasmEngine', () => {
  it('swaps the process-wide engine; tensors keep their data and every thread count gives the same product', async () => {
    const previous = getBackend();
    setBackend('wasm');
    const g = new Generator(3);
    const a = randn([67, 45], { generator: g }), b = randn([45, 53], { generator: g });
    const before = getEngine();
    const want = a.matmul(b).dataSync();
    const results = [];
    for (const threads of [1, 2, wasmMaxThreads()]) {
      assert.deepEqual(await startWasmEngine({ threads }), { threads });
      assert.equal(getEngine().threads, threads);
      assert.notEqual(getEngine(), before);
      results.push(a.matmul(b).dataSync());
    }
    // Rows split across threads change no sum's order: the products are equal bit for bit.
    for (const got of results) assert.deepEqual(got, want);
    await startWasmEngine();
    setBackend(previous);
  });

  it('Node blocks in Atomics.wait and offers every processor (at most 8) to the engine', () => {
    assert.equal(mayBlock(), true);
    assert.ok(wasmMaxThreads() >= 1 && wasmMaxThreads() <= 8);
  });
});
