/**
 * The gpu backend runs matmul and the convolutions as tiled WGSL kernels (the parity suite tests
 * those); the gpu.js kernels beside them are the fallback for dispatches too large to tile and the
 * reference the tiled ones were written against. Both against js here, on the same engine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../../index.ts';
import { installNodeWebGPU } from '../../webgpu-node.ts';
import { gpuEngine, gpuKernels } from './index.ts';

describe('gpu matmul and conv2d: the gpu.js kernels and the tiled WGSL ones agree with js', () => {
  before(async () => {
    installNodeWebGPU();
    await T.initGpu();
  });
  after(() => T.shutdownGpu());

  /** Σ out·r and its gradients, on `backend`, read back. */
  async function run(backend: T.Kernels | 'js', inputs: readonly T.Tensor[], f: (...xs: T.Tensor[]) => T.Tensor): Promise<Float32Array[]> {
    const xs = inputs.map((x) => x.detach().to(backend).requiresGrad_());
    const out = f(...xs);
    T.sum(T.mul(out, T.randn(out.shape, { generator: new T.Generator(3) }).to(backend))).backward();
    return Promise.all([out, ...xs.map((x) => x.grad!)].map(async (t) => Float32Array.from(await t.data())));
  }
  async function agree(inputs: readonly T.Tensor[], f: (...xs: T.Tensor[]) => T.Tensor): Promise<void> {
    const want = await run('js', inputs, f);
    for (const tiled of [false, true]) {
      const got = await run(gpuKernels(gpuEngine()!, { tiled }) as T.Kernels, inputs, f);
      got.forEach((g, k) => {
        const w = want[k]!, scale = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        g.forEach((v, i) => assert.ok(Math.abs(v - w[i]!) <= 5e-4 * scale + 1e-30, `${tiled ? 'tiled' : 'gpu.js'} output ${k}[${i}] = ${v}, js says ${w[i]}`));
      });
    }
  }

  it('batched matmul with transposes', async () => {
    const dim = fc.integer({ min: 1, max: 33 });
    await fc.assert(fc.asyncProperty(dim, dim, dim, fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1000 }), async (m, n, k, tA, tB, b, seed) => {
      const g = new T.Generator(seed);
      const a = T.randn([b, ...(tA ? [k, m] : [m, k])], { generator: g }), c = T.randn([...(tB ? [n, k] : [k, n])], { generator: g });
      await agree([a, c], (u, v) => T.matmulTransposed(u!, v!, tA, tB));
    }), { numRuns: 6 });
  });

  it('batched matmul across several tiles (32×128 per workgroup), with vec4 and scalar panel loads', async () => {
    // Multiples of 4 take the vec4 panel loads (along k, i or j, by the transposes), others the
    // scalar ones; sizes past one tile and not a multiple of it exercise the edge tiles.
    const dim = (most: number) => fc.oneof(fc.integer({ min: 1, max: most }), fc.integer({ min: 1, max: most / 4 }).map((q) => 4 * q));
    await fc.assert(fc.asyncProperty(dim(72), dim(264), dim(40), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1000 }), async (m, n, k, tA, tB, b, seed) => {
      const g = new T.Generator(seed);
      const a = T.randn([b, ...(tA ? [k, m] : [m, k])], { generator: g }), c = T.randn([...(tB ? [n, k] : [k, n])], { generator: g });
      await agree([a, c], (u, v) => T.matmulTransposed(u!, v!, tA, tB));
    }), { numRuns: 8 });
  });

  it('conv2d with stride, padding, dilation and groups, with and without bias ([O] or [N, O]), and the gradients', async () => {
    const small = fc.integer({ min: 1, max: 3 });
    await fc.assert(fc.asyncProperty(small, small, small, small, small, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1000 }), async (groups, cg, og, k, stride, padding, seed) => {
      const g = new T.Generator(seed), H = k + 2 + (seed % 5), W = k + 1 + (seed % 3);
      const x = T.randn([2, groups * cg, H, W], { generator: g }), w = T.randn([groups * og, cg, k, k], { generator: g });
      await agree([x, w], (u, v) => T.conv2d(u!, v!, null, { stride, padding, dilation: 1 + (seed % 2), groups }));
      const bias = T.randn(seed % 2 === 0 ? [groups * og] : [2, groups * og], { generator: g });
      await agree([x, w, bias], (u, v, b) => T.conv2d(u!, v!, b, { stride, padding, dilation: 1 + (seed % 2), groups }));
    }), { numRuns: 6 });
  });

  it('conv2d and both gradients across several tiles (more than 32 output channels, 128 columns)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 30, max: 40 }), fc.integer({ min: 9, max: 13 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1000 }), async (c, o, size, stride, seed) => {
      const g = new T.Generator(seed);
      const x = T.randn([2, c, size, size + 1], { generator: g }), w = T.randn([o, c, 3, 3], { generator: g });
      await agree([x, w], (u, v) => T.conv2d(u!, v!, null, { stride, padding: 1 }));
    }), { numRuns: 4 });
  });
});
