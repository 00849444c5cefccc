import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { indexSelect, narrow, ones, scaledDotProductAttention, tensor, zeros, Generator, type Tensor } from '../index.ts';
import { check, expectOpError, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `entry ${i}: ${a} vs ${e}`);
  }
};
const int32 = (xs: readonly number[]): Tensor => tensor(Int32Array.from(xs));
const permutation = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

/** Sizes of q [...batch, Lq, d], k [...batch, Lk, d], v [...batch, Lk, dv]. */
const sizesArb = fc.record({
  batch: shapeArb({ maxDims: 2, maxSize: 2 }),
  lq: fc.integer({ min: 1, max: 4 }),
  lk: fc.integer({ min: 1, max: 4 }),
  d: fc.integer({ min: 1, max: 3 }),
  dv: fc.integer({ min: 1, max: 3 }),
});
type Sizes = { batch: number[]; lq: number; lk: number; d: number; dv: number };

/** q, k, v as float64 leaves. */
const qkv = ({ batch, lq, lk, d, dv }: Sizes, g: Generator): [Tensor, Tensor, Tensor] =>
  [leaf([...batch, lq, d], g), leaf([...batch, lk, d], g), leaf([...batch, lk, dv], g)];

/** A 1/0 keep-mask of `shape` [..., Lq, Lk] that keeps at least one key in every row (a fully blocked row is NaN, as in PyTorch). */
function keepMask(shape: number[], g: Generator): Tensor {
  const lk = shape.at(-1)!, data = Float64Array.from({ length: shape.reduce((p, m) => p * m, 1) }, () => (g.random() < 0.6 ? 1 : 0));
  for (let row = 0; row < data.length; row += lk) data[row + g.integer(0, lk)] = 1;
  return tensor(data, { shape });
}

/** The mask's shape: the full scores shape, [Lq, Lk], or [1, Lk] (one mask for all queries). */
const maskShapeArb = fc.constantFrom('full', 'matrix', 'keys');
const maskShape = (kind: string, { batch, lq, lk }: Sizes): number[] =>
  kind === 'full' ? [...batch, lq, lk] : kind === 'matrix' ? [lq, lk] : [1, lk];

/** Direct float64 loops: out[b, i] = Σⱼ softmaxⱼ(scale·qᵢ·kⱼ + mask) vⱼ, per batch entry (no broadcasting of q/k/v). */
function attentionDirect(q: Tensor, k: Tensor, v: Tensor, { lq, lk, d, dv }: Sizes, scale: number, mask?: (b: number, i: number, j: number) => number): number[] {
  const [Q, K, V] = [q.dataSync(), k.dataSync(), v.dataSync()], out: number[] = [];
  for (let b = 0; b < Q.length / (lq * d); b++) {
    for (let i = 0; i < lq; i++) {
      const s = Array.from({ length: lk }, (_, j) => {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += Q[(b * lq + i) * d + t]! * K[(b * lk + j) * d + t]!;
        return dot * scale + (mask?.(b, i, j) ?? 0);
      });
      const m = Math.max(...s), e = s.map((x) => Math.exp(x - m)), z = e.reduce((a, x) => a + x, 0);
      for (let c = 0; c < dv; c++) out.push(e.reduce((acc, w, j) => acc + (w / z) * V[(b * lk + j) * dv + c]!, 0));
    }
  }
  return out;
}

describe('attention', () => {
  it('gradient: scaledDotProductAttention (batch dims, keep and additive masks, scale)', () => {
    const arb = fc.tuple(sizesArb, fc.constantFrom('none', 'keep', 'additive'), maskShapeArb, fc.option(fc.double({ noNaN: true, min: -2, max: 2 }), { nil: undefined }), seedArb);
    check(arb, ([sizes, kind, shapeKind, scale, seed]) => {
      const g = new Generator(seed);
      const inputs = qkv(sizes, g), shape = maskShape(shapeKind, sizes);
      const mask = kind === 'keep' ? keepMask(shape, g) : kind === 'additive' ? leaf(shape, g).detach() : undefined;
      const options = { mask, maskKind: kind === 'additive' ? 'additive' as const : 'keep' as const, scale };
      gradcheck((q, k, v) => scaledDotProductAttention(q!, k!, v!, options), inputs, { generator: g });
    });
  });

  it('agrees with direct float64 loops, with the default scale 1/√d and with masks', () => {
    check(fc.tuple(sizesArb, maskShapeArb, seedArb), ([sizes, shapeKind, seed]) => {
      const g = new Generator(seed), [q, k, v] = qkv(sizes, g).map((t) => t.detach()) as [Tensor, Tensor, Tensor];
      const { batch, lq, lk, d, dv } = sizes;
      const y = scaledDotProductAttention(q, k, v);
      assert.deepEqual(y.shape, [...batch, lq, dv]);
      assertClose(y.dataSync(), attentionDirect(q, k, v, sizes, 1 / Math.sqrt(d)), 1e-13, 1e-12);
      assertClose(scaledDotProductAttention(q, k, v, { scale: 0.7 }).dataSync(), attentionDirect(q, k, v, sizes, 0.7), 1e-13, 1e-12);
      // Masks: shape [..., Lq, Lk] or broadcast from [Lq, Lk] / [1, Lk].
      const shape = maskShape(shapeKind, sizes);
      const keep = keepMask(shape, g), add = leaf(shape, g).detach(), K = keep.dataSync(), A = add.dataSync();
      const at = (b: number, i: number, j: number) => (shapeKind === 'full' ? (b * lq + i) * lk + j : shapeKind === 'matrix' ? i * lk + j : j);
      assertClose(scaledDotProductAttention(q, k, v, { mask: keep }).dataSync(),
        attentionDirect(q, k, v, sizes, 1 / Math.sqrt(d), (b, i, j) => (K[at(b, i, j)] ? 0 : -Infinity)), 1e-13, 1e-12);
      assertClose(scaledDotProductAttention(q, k, v, { mask: add, maskKind: 'additive' }).dataSync(),
        attentionDirect(q, k, v, sizes, 1 / Math.sqrt(d), (b, i, j) => A[at(b, i, j)]!), 1e-13, 1e-12);
    });
  });

  it('is permutation-equivariant over query tokens (mask rows permuted along)', () => {
    check(fc.tuple(sizesArb, seedArb).chain(([s, seed]) => fc.tuple(fc.constant(s), fc.constant(seed), permutation(s.lq))), ([sizes, seed, perm]) => {
      const g = new Generator(seed), [q, k, v] = qkv(sizes, g).map((t) => t.detach()) as [Tensor, Tensor, Tensor];
      const mask = keepMask([...sizes.batch, sizes.lq, sizes.lk], g), p = int32(perm);
      const permuted = scaledDotProductAttention(indexSelect(q, -2, p), k, v, { mask: indexSelect(mask, -2, p) });
      assertClose(permuted.dataSync(), indexSelect(scaledDotProductAttention(q, k, v, { mask }), -2, p).dataSync(), 1e-14, 1e-13);
    });
  });

  it('is invariant to jointly permuting keys and values (mask columns permuted along)', () => {
    check(fc.tuple(sizesArb, seedArb).chain(([s, seed]) => fc.tuple(fc.constant(s), fc.constant(seed), permutation(s.lk))), ([sizes, seed, perm]) => {
      const g = new Generator(seed), [q, k, v] = qkv(sizes, g).map((t) => t.detach()) as [Tensor, Tensor, Tensor];
      const mask = keepMask([...sizes.batch, sizes.lq, sizes.lk], g), p = int32(perm);
      const permuted = scaledDotProductAttention(q, indexSelect(k, -2, p), indexSelect(v, -2, p), { mask: indexSelect(mask, -1, p) });
      assertClose(permuted.dataSync(), scaledDotProductAttention(q, k, v, { mask }).dataSync(), 1e-13, 1e-12);
    });
  });

  it('an all-ones keep-mask (float or int32) and an all-zeros additive mask change nothing', () => {
    check(fc.tuple(sizesArb, maskShapeArb, seedArb), ([sizes, shapeKind, seed]) => {
      const [q, k, v] = qkv(sizes, new Generator(seed)).map((t) => t.detach()) as [Tensor, Tensor, Tensor];
      const shape = maskShape(shapeKind, sizes), plain = [...scaledDotProductAttention(q, k, v).dataSync()];
      assert.deepEqual([...scaledDotProductAttention(q, k, v, { mask: ones(shape, { dtype: 'float64' }) }).dataSync()], plain);
      assert.deepEqual([...scaledDotProductAttention(q, k, v, { mask: ones(shape, { dtype: 'int32' }) }).dataSync()], plain);
      assert.deepEqual([...scaledDotProductAttention(q, k, v, { mask: zeros(shape, { dtype: 'float64' }), maskKind: 'additive' }).dataSync()], plain);
    });
  });

  it('blocking the last keys equals attending only to the first ones', () => {
    check(fc.tuple(sizesArb, seedArb).chain(([s, seed]) => fc.tuple(fc.constant(s), fc.constant(seed), fc.integer({ min: 1, max: s.lk }))), ([sizes, seed, kept]) => {
      const [q, k, v] = qkv(sizes, new Generator(seed)).map((t) => t.detach()) as [Tensor, Tensor, Tensor];
      const mask = tensor(Float64Array.from({ length: sizes.lk }, (_, j) => (j < kept ? 1 : 0)), { shape: [1, sizes.lk] });
      const truncated = scaledDotProductAttention(q, narrow(k, -2, 0, kept), narrow(v, -2, 0, kept));
      assertClose(scaledDotProductAttention(q, k, v, { mask }).dataSync(), truncated.dataSync(), 1e-14, 1e-13);
    });
  });

  it('mismatched ranks, sizes and masks throw the op\'s own error', () => {
    check(sizesArb, (sizes) => {
      const [q, k, v] = qkv(sizes, new Generator(0)).map((t) => t.detach()) as [Tensor, Tensor, Tensor];
      const { batch, lq, lk, d, dv } = sizes, name = 'scaledDotProductAttention';
      const x = (shape: number[]) => leaf(shape, new Generator(1)).detach();
      expectOpError(() => scaledDotProductAttention(x([d]), k, v), name, /need q/);
      expectOpError(() => scaledDotProductAttention(q, x([d]), x([dv])), name, /need q/);
      expectOpError(() => scaledDotProductAttention(q, x([...batch, lk, d + 1]), v), name, /need q/);
      expectOpError(() => scaledDotProductAttention(q, k, x([...batch, lk + 1, dv])), name, /need q/);
      expectOpError(() => scaledDotProductAttention(x([3, lq, d]), x([2, lk, d]), x([2, lk, dv])), name, /cannot be broadcast/);
      expectOpError(() => scaledDotProductAttention(q, k, v, { mask: ones([lq, lk + 1], { dtype: 'float64' }) }), name, /broadcast/);
      expectOpError(() => scaledDotProductAttention(q, k, v, { mask: ones([2, ...batch, lq, lk], { dtype: 'float64' }) }), name, /does not broadcast/);
      expectOpError(() => scaledDotProductAttention(q, k, v, { mask: zeros([lq, lk], { dtype: 'float32' }), maskKind: 'additive' }), name, /additive mask is float32/);
    });
  });
});
