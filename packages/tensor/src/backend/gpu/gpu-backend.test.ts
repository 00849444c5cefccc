/** The gpu backend's own contract: what it refuses, how it reads, and what it says (kernels: test/backend-parity.test.ts). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../index.ts';
import { installNodeWebGPU } from '../../webgpu-node.ts';
import { gpuEngine } from './index.ts';

describe('gpu backend', () => {
  before(async () => {
    installNodeWebGPU();
    await T.initGpu();
  });
  after(() => T.shutdownGpu());

  it('says what runs it, and is one more backend to setBackend', () => {
    const gpu = T.availableBackends().includes('gpu');
    assert.ok(gpu, 'registered by initGpu');
    T.setBackend('gpu');
    try {
      assert.equal(T.getBackend().name, 'gpu');
      assert.match(T.getBackend().device!, /^webgpu: ./);
      assert.equal(T.zeros([2]).backend.name, 'gpu');
    } finally {
      T.setBackend('js');
    }
  });

  it('reads asynchronously; the synchronous reads name await t.data()', async () => {
    const x = T.tensor([[1.5, -2], [3, 4]]).to('gpu');
    assert.deepEqual([...await x.data()], [1.5, -2, 3, 4]);
    for (const read of [() => x.dataSync(), () => x.sum().item(), () => x.toArray()]) assert.throws(read, /await t\.data\(\)/);
    assert.match(String(x), /await t\.data\(\).*shape=\[2,2\]/);
  });

  it('keeps int32 exact below 2^24 and refuses what float32 storage cannot hold', async () => {
    const i = T.tensor([0, -7, 2 ** 24], { dtype: 'int32' }).to('gpu');
    const got = await i.data();
    assert.ok(got instanceof Int32Array);
    assert.deepEqual([...got], [0, -7, 2 ** 24]);
    assert.deepEqual([...await T.tensor([2.7, -2.7]).to('gpu').to('int32').data()], [2, -2]);
    assert.throws(() => T.tensor([2 ** 24 + 1], { dtype: 'int32' }).to('gpu'), /int32 value 16777217 is beyond 2\^24/);
    assert.throws(() => T.tensor([1], { dtype: 'float64' }).to('gpu'), /float64 is not supported on the gpu backend.*\.to\('js'\)/);
    assert.throws(() => T.zeros([2 ** 24 + 1]).to('gpu'), /16777217 elements exceed the gpu backend's limit of 2\^24/);
  });

  it('initGpu names a bad option; in Node, WebGL2 is refused with the reason (no canvas)', async () => {
    await assert.rejects(() => T.initGpu({ engine: 'webgl' as 'webgl2' }), /initGpu: engine must be 'webgpu' or 'webgl2', got webgl/);
    await assert.rejects(() => T.initGpu({ kernelCacheSize: 0 }), /initGpu: kernelCacheSize must be a positive integer, got 0/);
    await T.shutdownGpu();
    await assert.rejects(() => T.initGpu({ engine: 'webgl2' }), /initGpu: no WebGL2 here \(no canvas/);
    assert.equal(T.availableBackends().includes('gpu'), false);
    assert.equal((await T.initGpu()).engine, 'webgpu'); // by default: WebGPU, where an adapter starts
  });

  it('setBackend names the missing step before initGpu', async () => {
    await T.shutdownGpu();
    assert.throws(() => T.setBackend('gpu'), /await initGpu\(\)/);
    await T.initGpu();
  });

  it('sums are compensated: 1 plus a thousand 2^-24 is not 1 (the shader compiler must not fold the carry away)', async () => {
    const x = T.cat([T.ones([1]), T.full([1000], 2 ** -24)]).to('gpu');
    const [sum] = await x.sum().data();
    assert.ok(Math.abs(sum! - (1 + 1000 * 2 ** -24)) < 2 ** -23, `got ${sum}`);
  });

  it('empty tensors pass through kernels', async () => {
    const e = T.zeros([0, 3]).to('gpu');
    assert.deepEqual([...await e.add(1).sum(0).data()], [0, 0, 0]);
    assert.equal((await T.cat([e, T.ones([1, 3]).to('gpu')], 0).data()).length, 3);
  });

  it('the internal profiler (bench/profile-gpu.ts) names every launch and changes no result', async () => {
    const g = new T.Generator(5), a = T.randn([40, 36], { generator: g }), b = T.randn([36, 20], { generator: g });
    const run = async () => Float32Array.from(await T.relu(T.matmul(a.to('gpu'), b.to('gpu')).add(1)).data());
    const want = await run();
    const seen: [string, number][] = [];
    gpuEngine()!.profiler = (name, ms) => { seen.push([name, ms]); };
    try {
      assert.deepEqual(await run(), want);
    } finally {
      gpuEngine()!.profiler = null;
    }
    assert.deepEqual(seen.map(([name]) => name), ['matmul (tiled WGSL, A vec4-k, B vec4-outer)', 'binary add', 'unary relu']);
    for (const [name, ms] of seen) assert.ok(ms >= 0, `${name}: ${ms} ms`);
  });
});
