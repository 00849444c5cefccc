import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matmul, matmulTransposed, tensor, Generator, type Tensor } from '../index.ts';
import { check, expectOpError, gradcheck, leaf, seedArb } from '../testing/index.ts';

/** The textbook triple loop, on plain arrays: the oracle. */
function naive(a: Tensor, b: Tensor): number[] {
  const [M, K] = a.shape as [number, number], N = b.shape[1]!;
  const A = a.dataSync(), B = b.dataSync(), C: number[] = [];
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += A[i * K + k]! * B[k * N + j]!;
    C.push(s);
  }
  return C;
}

const dims = fc.integer({ min: 1, max: 5 });
const batchPair = fc.tuple(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }));

describe('matmul', () => {
  it('gradient: matmul (batch broadcasting, 1-D operands)', () => {
    check(fc.tuple(dims, dims, dims, batchPair, seedArb), ([M, K, N, [batch, onesA, onesB], seed]) => {
      const g = new Generator(seed);
      const ba = batch.map((d, k) => (onesA[k] ? 1 : d)), bb = batch.slice(1).map((d, k) => (onesB[k] ? 1 : d));
      gradcheck(matmul, [leaf([...ba, M, K], g), leaf([...bb, K, N], g)], { generator: g });
      gradcheck(matmul, [leaf([K], g), leaf([...bb, K, N], g)], { generator: g });
      gradcheck(matmul, [leaf([...ba, M, K], g), leaf([K], g)], { generator: g });
    });
  });

  it('gradient: matmulTransposed (all four flag combinations)', () => {
    check(fc.tuple(dims, dims, dims, fc.boolean(), fc.boolean(), seedArb), ([M, K, N, transA, transB, seed]) => {
      const g = new Generator(seed);
      const a = leaf(transA ? [2, K, M] : [2, M, K], g), b = leaf(transB ? [N, K] : [K, N], g);
      gradcheck((x, y) => matmulTransposed(x, y, transA, transB), [a, b], { generator: g });
    });
  });

  it('agrees with the naive triple loop, and transposed flags agree with explicit transposes', () => {
    check(fc.tuple(dims, dims, dims, seedArb), ([M, K, N, seed]) => {
      const g = new Generator(seed);
      const a = leaf([M, K], g).detach(), b = leaf([K, N], g).detach();
      const got = matmul(a, b).dataSync(), want = naive(a, b);
      want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) < 1e-12));
      const viaFlags = matmulTransposed(a.transpose(0, 1).clone(), b.transpose(0, 1).clone(), true, true).dataSync();
      assert.deepEqual([...viaFlags].map((v) => v.toFixed(10)), [...got].map((v) => v.toFixed(10)));
    });
  });

  it('1-D rules of torch.matmul: vector·vector is a scalar, matrix·vector a vector', () => {
    const v = tensor([1, 2, 3]), m = tensor([[1, 0, 0], [0, 1, 0]]);
    assert.deepEqual(matmul(v, v).shape, []);
    assert.equal(matmul(v, v).item(), 14);
    assert.deepEqual(matmul(m, v).toArray(), [1, 2]);
    assert.deepEqual(matmul(v, m.transpose(0, 1)).toArray(), [1, 2]);
  });

  it('mismatched inner dimensions throw, naming both shapes', () => {
    check(fc.tuple(dims, dims, dims, fc.integer({ min: 1, max: 3 })), ([M, K, N, extra]) => {
      expectOpError(() => matmul(tensor(new Float32Array(M * K), { shape: [M, K] }), tensor(new Float32Array((K + extra) * N), { shape: [K + extra, N] })),
        'matmul', new RegExp(`\\[${M},${K}\\] @ \\[${K + extra},${N}\\]: inner dimensions ${K} and ${K + extra} differ`));
    });
    expectOpError(() => matmul(tensor(new Float32Array(12), { shape: [2, 2, 3] }), tensor(new Float32Array(27), { shape: [3, 3, 3] })), 'matmul', /broadcast/);
    expectOpError(() => matmul(tensor(1), tensor([1])), 'matmul', /at least 1 dim/);
  });
});
