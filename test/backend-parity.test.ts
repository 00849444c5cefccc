/**
 * Every backend present against `js`, the oracle (as tfjs's ALL_ENVS runs one spec everywhere): each
 * primitive op and the composites the networks lean on, on shapes drawn by fast-check, in float32,
 * forward values and the gradients that `backward` produces through them.
 *
 * Tolerance. The backends may reassociate sums (SIMD lanes, GEMM blocking in k, im2col order, float32
 * instead of float64 accumulators) and use polynomial exp/sigmoid (~1e-7 relative). A sum of K
 * float32 terms then differs by about K·2⁻²⁴ times the magnitude of its terms, not of its result,
 * which can cancel to near 0; so each element is compared against the scale of the whole tensor:
 * |got − want| ≤ tol · (max |want| + |want|) + 1e-35, tol = 1e-4 for forward values (K up to ~1000
 * here) and 5e-4 for gradients, which chain a few such products; the 1e-35 lets results that are
 * all subnormal (below float32's 1.2e-38, e.g. sigmoid far below −88, where the polynomial exp
 * saturates) differ in digits no float32 network can use. int32 results (comparisons' masks are
 * float, but argmax/argmin and casts are int32) must agree exactly.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '@diffusion-ts/tensor';
import type { Tensor } from '@diffusion-ts/tensor';
import { broadcastableShapes, seedArb, shapeArb } from '@diffusion-ts/tensor/testing';
import { installNodeWebGPU } from '@diffusion-ts/tensor/webgpu-node';
import { mismatch, parityMismatches, type ParityOptions } from './parity-core.ts';

// The gpu backend joins when a WebGPU adapter starts (`scripts/with-gpu-env` provides a software
// one); when none starts, a failing test says why instead of the gpu suite quietly not running.
installNodeWebGPU();
const gpuFailure = await T.initGpu().then(() => null, (error: unknown) => String(error));
after(() => T.shutdownGpu());
it('the gpu backend starts (WebGPU through gpu.js)', () => assert.equal(gpuFailure, null));

const others = T.availableBackends().filter((b) => b !== 'js');
const RUNS = { numRuns: 12 };

describe('backend parity: the engines that must be present', () => {
  // Without this, a Node where the wasm engine failed to register would run zero parity cases and pass.
  it("Node has the 'wasm' engine beside 'js'", () => {
    assert.ok(others.includes('wasm'), `availableBackends() is [${T.availableBackends()}]: the wasm engine did not register, so nothing would be compared against js`);
  });
});

function assertClose(a: T.TypedArray, b: T.TypedArray, shape: readonly number[], tol: number, what: string): void {
  const found = mismatch(a, b, shape, tol, what);
  if (found !== null) assert.fail(found);
}

/** `parityMismatches` (test/parity-core.ts), failing with every mismatch it found. */
async function parity(backend: T.BackendName, name: string, inputs: readonly Tensor[], f: (...xs: Tensor[]) => Tensor, options: ParityOptions = {}): Promise<void> {
  const found = await parityMismatches(backend, name, inputs, f, options);
  if (found.length > 0) assert.fail(found.join('\n'));
}

const randnF32 = (shape: readonly number[], g: T.Generator, scale = 1): Tensor => T.randn(shape, { generator: g }).mul(scale).detach();
const dimsOf = (ndim: number) => fc.subarray(Array.from({ length: ndim }, (_, i) => i), { minLength: 1 });

for (const backend of others) {
  describe(`backend parity: ${backend} against js (float32)`, () => {
    it('unary ops', async () => {
      // Every kernel code, from the list the kernel contract derives its type from; each is the op's name.
      const positive = new Set<T.UnaryCode>(['log', 'log1p', 'sqrt', 'rsqrt']);
      const stepwise = new Set<T.UnaryCode>(['floor', 'sign']); // gradient 0 almost everywhere: nothing to compare
      await fc.assert(fc.asyncProperty(shapeArb({ maxDims: 3, maxSize: 40 }), seedArb, async (shape, seed) => {
        const g = new T.Generator(seed);
        for (const code of T.UNARY_CODES) {
          const x = positive.has(code) ? randnF32(shape, g).abs().add(0.1) : randnF32(shape, g, 4);
          const op: (t: Tensor) => Tensor = T[code];
          await parity(backend, code, [x], op, { grad: !stepwise.has(code) });
        }
        // exp and sigmoid far out: underflow to 0, overflow to ∞, saturation at 0 and 1.
        const wide = randnF32(shape, g, 60);
        await parity(backend, 'exp (wide)', [wide], T.exp, { grad: false });
        // Its gradient y·(1 − y) takes 1 − y of a y within an ulp of 1 (2⁻²⁴ ≈ 6e-8) on every
        // backend, so when all of x saturates only an absolute bound of a few such ulps is meaningful.
        await parity(backend, 'sigmoid (wide)', [wide], T.sigmoid, { atol: 1e-6 });
      }), RUNS);
    });

    it('binary ops and where, with broadcasting (rows, channels, scalars)', async () => {
      const patterns = fc.oneof(
        broadcastableShapes(2, { maxDims: 4, maxSize: 9 }),
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }))
          .map(([b, c, hw]) => [[b, c, hw, 1], [1, c, 1, 1]]),   // per-channel
        fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 70 })).map(([m, n]) => [[m, n], [n]]), // per-row
        shapeArb({ maxDims: 3, maxSize: 30 }).map((s) => [s, []]), // scalar
      );
      await fc.assert(fc.asyncProperty(patterns, fc.boolean(), seedArb, async ([sa, sb], swap, seed) => {
        const g = new T.Generator(seed);
        const [s0, s1] = swap ? [sb!, sa!] : [sa!, sb!];
        const a = randnF32(s0, g), b = randnF32(s1, g);
        for (const code of T.ARITHMETIC_CODES) {
          const [x, y] = code === 'pow' ? [a.abs().add(0.5), b] : code === 'div' ? [a, b.abs().add(0.5)] : [a, b];
          await parity(backend, code, [x, y], (u, v) => T[code](u!, v!));
        }
        for (const code of T.COMPARISON_CODES) await parity(backend, code, [T.floor(a), T.floor(b)], (u, v) => T[code](u!, v!), { grad: false });
        await parity(backend, 'where', [a.gt(0), a, b], (c, u, v) => T.where(c!, u!, v!));
      }), RUNS);
    });

    it('reductions over any dims, and the statistics built on them', async () => {
      await fc.assert(fc.asyncProperty(shapeArb({ minDims: 1, maxDims: 4, maxSize: 12 }).chain((s) => fc.tuple(fc.constant(s), dimsOf(s.length))), fc.boolean(), seedArb, async ([shape, dims], keepdim, seed) => {
        const x = randnF32(shape, new T.Generator(seed));
        await parity(backend, 'sum', [x], (t) => T.sum(t, dims, keepdim));
        await parity(backend, 'max', [x], (t) => T.max(t, dims, keepdim));
        await parity(backend, 'min', [x], (t) => T.min(t, dims, keepdim));
        await parity(backend, 'mean', [x], (t) => T.mean(t, dims, keepdim));
        await parity(backend, 'variance', [x], (t) => T.variance(t, dims, { keepdim, correction: 0 }));
        await parity(backend, 'logsumexp', [x], (t) => T.logsumexp(t, dims, keepdim));
        await parity(backend, 'argmax', [x], (t) => T.argmax(t, dims[0], keepdim), { grad: false });
        await parity(backend, 'argmin', [x], (t) => T.argmin(t, dims[0], keepdim), { grad: false });
        await parity(backend, 'softmax', [x], (t) => T.softmax(t, dims[0]!));
        await parity(backend, 'logSoftmax', [x], (t) => T.logSoftmax(t, dims[0]!));
      }), RUNS);
    });

    it('layout ops: reshape, permute, transpose, expand, narrow, flip, cat, pad, repeat, gather, scatterAdd', async () => {
      await fc.assert(fc.asyncProperty(shapeArb({ minDims: 1, maxDims: 4, maxSize: 7 }), seedArb, async (shape, seed) => {
        const g = new T.Generator(seed), nd = shape.length, x = randnF32(shape, g);
        const order = [...shape.keys()].sort((i, j) => Math.sin(seed + i) - Math.sin(seed + j));
        await parity(backend, 'reshape', [x], (t) => T.reshape(t, [-1]));
        await parity(backend, 'permute', [x], (t) => T.permute(t, order));
        await parity(backend, 'transpose', [x], (t) => T.transpose(t, 0, nd - 1));
        await parity(backend, 'expand', [x], (t) => T.expand(t, [2, ...shape.map((d, k) => (k % 2 === 0 ? d : d))]));
        const one = shape.map((d, k) => (k === 0 ? 1 : d));
        await parity(backend, 'expand from 1', [randnF32(one, g)], (t) => T.expand(t, shape));
        const d = nd - 1, n = shape[d]!, start = seed % n;
        await parity(backend, 'narrow', [x], (t) => T.narrow(t, d, start, n - start));
        await parity(backend, 'flip', [x], (t) => T.flip(t, d === 0 ? [0] : [0, d]));
        await parity(backend, 'cat', [x, randnF32(shape, g)], (u, v) => T.cat([u!, v!], seed % nd));
        await parity(backend, 'pad', [x], (t) => T.pad(t, [1, 2, ...(nd > 1 ? [0, 1] : [])], 0.5));
        await parity(backend, 'repeat', [x], (t) => T.repeat(t, shape.map((_, k) => (k === 0 ? 2 : 1))));
        const index = T.randint(0, shape[d]!, [...shape.slice(0, d), 3], { generator: g });
        await parity(backend, 'gather', [x, index], (t, i) => T.gather(t, d, i!));
        await parity(backend, 'scatterAdd', [x, index, randnF32(index.shape, g)], (t, i, s) => T.scatterAdd(t, d, i!, s!));
      }), RUNS);
    });

    it('matmul with transposes and broadcast batch dims', async () => {
      const dim = fc.integer({ min: 1, max: 40 });
      await fc.assert(fc.asyncProperty(dim, dim, dim, fc.boolean(), fc.boolean(), broadcastableShapes(2, { maxDims: 2, maxSize: 3 }), seedArb, async (m, n, k, tA, tB, [ba, bb], seed) => {
        const g = new T.Generator(seed);
        const a = randnF32([...ba!, ...(tA ? [k, m] : [m, k])], g), b = randnF32([...bb!, ...(tB ? [n, k] : [k, n])], g);
        await parity(backend, `matmul${tA ? ' Aᵀ' : ''}${tB ? ' Bᵀ' : ''}`, [a, b], (u, v) => T.matmulTransposed(u!, v!, tA, tB));
        await parity(backend, 'matmul (torch rules)', [randnF32([m, k], g), randnF32([k], g)], (u, v) => T.matmul(u!, v!));
      }), RUNS);
    });

    it('conv2d with stride, padding, dilation and groups, bias [O] or [N, O], and all gradients', async () => {
      const small = fc.integer({ min: 1, max: 3 });
      await fc.assert(fc.asyncProperty(small, small, small, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), small, small, fc.integer({ min: 0, max: 2 }), small, seedArb,
        async (n, groups, cg, og, kH, stride, dilation, padding, kW, seed) => {
          const g = new T.Generator(seed), C = groups * cg, O = groups * og;
          const H = dilation * (kH - 1) + 1 + (seed % 7), W = dilation * (kW - 1) + 1 + (seed % 5);
          const x = randnF32([n, C, H, W], g), w = randnF32([O, cg, kH, kW], g), bias = randnF32([O], g);
          await parity(backend, 'conv2d', [x, w, bias], (u, v, b) => T.conv2d(u!, v!, b, { stride: [stride, 1], padding: [padding, 1], dilation, groups }));
          await parity(backend, 'conv2d, bias [N, O]', [x, w, randnF32([n, O], g)], (u, v, b) => T.conv2d(u!, v!, b, { stride: [stride, 1], padding: [padding, 1], dilation, groups }));
        }), RUNS);
    });

    it('group norm, layer norm and attention', async () => {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), seedArb, async (n, groups, cg, hw, seed) => {
        const g = new T.Generator(seed), c = groups * cg;
        const x = randnF32([n, c, hw, hw + 1], g, 3), w = randnF32([c], g), b = randnF32([c], g);
        await parity(backend, 'groupNorm', [x, w, b], (u, v, bb) => T.groupNorm(u!, groups, v, bb));
        await parity(backend, 'groupNorm + silu', [x, w, b], (u, v, bb) => T.silu(T.groupNorm(u!, groups, v, bb)));
        await parity(backend, 'groupNormSilu', [x, w, b], (u, v, bb) => T.groupNormSilu(u!, groups, v, bb));
        await parity(backend, 'layerNorm', [x, randnF32([hw + 1], g), randnF32([hw + 1], g)], (u, v, bb) => T.layerNorm(u!, [hw + 1], v, bb));
        const L = hw * 3, d = 2 * cg;
        const [q, k, v] = [0, 1, 2].map(() => randnF32([n, groups, L, d], g));
        await parity(backend, 'attention', [q!, k!, v!], (qq, kk, vv) => T.scaledDotProductAttention(qq!, kk!, vv!));
      }), RUNS);
    });

    it('cast and moving between backends keep values and gradients', async () => {
      await fc.assert(fc.asyncProperty(shapeArb({ maxDims: 3, maxSize: 9 }), seedArb, async (shape, seed) => {
        const x = randnF32(shape, new T.Generator(seed), 5);
        await parity(backend, 'cast to int32', [x], (t) => t.to('int32'), { grad: false });
        if (backend === 'gpu') assert.throws(() => x.to('gpu').to('float64'), /float64.*\.to\('js'\)/);
        else await parity(backend, 'cast to float64 and back', [x], (t) => t.to('float64').mul(2).to('float32'));
      }), RUNS);
    });

    it('adamStep: Adam and AdamW (decay, maximize), three steps from null moments', async () => {
      await fc.assert(fc.asyncProperty(shapeArb({ maxDims: 3, maxSize: 40 }), fc.boolean(), fc.boolean(), fc.constantFrom(0, 1e-2, 0.3), fc.constantFrom(1e-2, 0.1), seedArb,
        async (shape, decoupled, maximize, weightDecay, lr, seed) => {
          const g = new T.Generator(seed), h = { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, maximize };
          type State = { param: Tensor; expAvg: Tensor | null; expAvgSq: Tensor | null };
          const start = randnF32(shape, g);
          let want: State = { param: start, expAvg: null, expAvgSq: null }, got: State = { param: start.to(backend), expAvg: null, expAvgSq: null };
          for (let step = 1; step <= 3; step++) {
            const grad = randnF32(shape, g), what = `adamStep on ${backend}, step ${step}`;
            const nextWant = T.adamStep(want.param, grad, want.expAvg, want.expAvgSq, { ...h, step });
            const nextGot = T.adamStep(got.param, grad.to(backend), got.expAvg, got.expAvgSq, { ...h, step });
            // The update θ' − θ (of order lr), not θ' alone, so that an error in the step cannot hide in θ's scale.
            const pairs = [[T.sub(nextGot.param, got.param), T.sub(nextWant.param, want.param)], [nextGot.expAvg, nextWant.expAvg], [nextGot.expAvgSq, nextWant.expAvgSq]];
            const values = await Promise.all(pairs.flat().map((t) => t.data()));
            ["θ' − θ", 'm', 'v'].forEach((name, i) => assertClose(values[2 * i]!, values[2 * i + 1]!, shape, 1e-4, `${what}: ${name}`));
            [want, got] = [nextWant, nextGot];
          }
        }), RUNS);
    });
  });
}
