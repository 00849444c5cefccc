import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arange, eye, full, linspace, ones, rand, randint, randn, tensor, zeros, zerosLike, Generator, manualSeed } from './index.ts';
import { check, expectOpError, seedArb, shapeArb } from './testing/index.ts';
import { philox4x32 } from './random.ts';

describe('creation and randomness', () => {
  it('tensor() infers shapes from nested arrays and dtypes from typed arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.deepEqual(tensor(new Float32Array(6), { shape: [3, 2] }).shape, [3, 2]);
    assert.equal(tensor(5).item(), 5);
    expectOpError(() => tensor([[1, 2], [3]]), 'tensor', /ragged/);
    expectOpError(() => tensor(new Float32Array(5), { shape: [2, 3] }), 'tensor', /needs 6 values, got 5/);
  });

  it('constants, ranges and eye', () => {
    assert.deepEqual(zeros([2]).toArray(), [0, 0]);
    assert.deepEqual(ones([1, 2], { dtype: 'float64' }).toArray(), [[1, 1]]);
    assert.deepEqual(full([2], 7).toArray(), [7, 7]);
    assert.deepEqual(zerosLike(tensor([[1, 2]], { dtype: 'float64' })).dtype, 'float64');
    assert.deepEqual(arange(4).toArray(), [0, 1, 2, 3]);
    assert.deepEqual(arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    expectOpError(() => zeros([2, -1]), 'zeros', /non-negative integers/);
    expectOpError(() => arange(0, 1, 0), 'arange', /non-zero/);
  });

  it("creators take PyTorch's varargs sizes as well as a shape array, options last", () => {
    assert.deepEqual(zeros(2, 3).shape, [2, 3]);
    assert.deepEqual(ones(2, { dtype: 'float64' }).toArray(), [1, 1]);
    assert.deepEqual(zeros().shape, []);
    assert.deepEqual(randn(2, 3, { generator: new Generator(4) }).dataSync(), randn([2, 3], { generator: new Generator(4) }).dataSync());
    assert.deepEqual(rand(4, { generator: new Generator(1) }).dataSync(), rand([4], { generator: new Generator(1) }).dataSync());
    expectOpError(() => zeros(2, -3), 'zeros', /invalid shape \[2,-3\]/);
    expectOpError(() => ones(2, 'x' as never), 'ones', /sizes as numbers, got \(2, string\)/);
    expectOpError(() => randn([2], [3] as never), 'randn', /got \(\[2\], \[3\]\)/);
  });

  it('Philox4x32-10 matches the Random123 known-answer vectors', () => {
    assert.deepEqual([...philox4x32(0, 0, 0, 0, 0, 0)], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    const f = 0xffffffff;
    assert.deepEqual([...philox4x32(f, f, f, f, f, f)], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    assert.deepEqual([...philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0)], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });

  it('the same seed gives the same numbers; state save/restore resumes the stream', () => {
    check(fc.tuple(seedArb, shapeArb()), ([seed, shape]) => {
      const a = randn(shape, { generator: new Generator(seed) }).dataSync();
      const b = randn(shape, { generator: new Generator(seed) }).dataSync();
      assert.deepEqual(a, b);
    });
    const g = new Generator(9);
    g.normal();
    const state = g.getState(), next = [g.random(), g.random()];
    assert.deepEqual([new Generator().setState(state).random(), new Generator().setState(state).random()], [next[0], next[0]]);
    manualSeed(3);
    const first = rand([3]).dataSync();
    manualSeed(3);
    assert.deepEqual(rand([3]).dataSync(), first);
  });

  it('draws have the right distributions (moments within sampling error)', () => {
    const g = new Generator(11), n = 20000;
    const z = randn([n], { dtype: 'float64', generator: g });
    const mean = z.mean().item(), variance = z.var().item();
    assert.ok(Math.abs(mean) < 4 / Math.sqrt(n), `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
    const u = rand([n], { dtype: 'float64', generator: g });
    assert.ok(Math.abs(u.mean().item() - 0.5) < 4 * Math.sqrt(1 / 12 / n));
    assert.ok(u.min().item() >= 0 && u.max().item() < 1);
    const k = randint(2, 5, [n], { generator: g });
    assert.equal(k.dtype, 'int32');
    const counts = [2, 3, 4].map((v) => k.eq(v).sum().item());
    assert.ok(counts.every((c) => Math.abs(c - n / 3) < 5 * Math.sqrt(n * (1 / 3) * (2 / 3))), `counts ${counts}`);
    assert.equal(k.min().item(), 2);
    assert.equal(k.max().item(), 4);
  });
});
