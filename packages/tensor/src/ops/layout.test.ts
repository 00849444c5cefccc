import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cat, expand, flip, gather, narrow, pad, permute, reshape, scatterAdd, tensor, randint, Generator, type Tensor } from '../index.ts';
import { check, expectOpError, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

const numel = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
/** A random permutation of 0..n−1 from a generator. */
function permutation(n: number, g: Generator): number[] {
  const p = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) { const j = g.integer(0, i + 1); [p[i], p[j]] = [p[j]!, p[i]!]; }
  return p;
}
/** Read x at a multi-index (test oracle, independent of the kernels). */
const at = (x: Tensor, idx: readonly number[]): number => {
  let flat = 0;
  idx.forEach((i, k) => { flat = flat * x.shape[k]! + i; });
  return x.dataSync()[flat]!;
};

describe('layout ops', () => {
  it('gradient: reshape', () => {
    check(fc.tuple(shapeArb({ maxDims: 4 }), seedArb), ([shape, seed]) => {
      const g = new Generator(seed);
      const target = [...shape].reverse();
      gradcheck((x) => reshape(x, target), [leaf(shape, g)], { generator: g });
      gradcheck((x) => reshape(x, [-1]), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: permute, and permute then its inverse is the identity', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 4 }), seedArb), ([shape, seed]) => {
      const g = new Generator(seed), order = permutation(shape.length, g);
      gradcheck((x) => permute(x, order), [leaf(shape, g)], { generator: g });
      const x = leaf(shape, g).detach(), y = permute(x, order);
      assert.deepEqual(y.shape, order.map((d) => shape[d]));
      const inverse = order.map((_, i) => order.indexOf(i));
      assert.deepEqual(permute(y, inverse).dataSync(), x.dataSync());
    });
  });

  it('gradient: expand (the tape sums it back)', () => {
    check(fc.tuple(shapeArb({ maxDims: 3 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), seedArb), ([shape, lead, squash, seed]) => {
      const g = new Generator(seed);
      const small = shape.map((d, k) => (squash[k] ? 1 : d));
      gradcheck((x) => expand(x, [...lead, ...shape]), [leaf(small, g)], { generator: g });
    });
  });

  it('narrow: a negative start counts from the end', () => {
    const x = tensor([1, 2, 3, 4]);
    assert.deepEqual(narrow(x, 0, -1, 1).toArray(), [4]);
    assert.deepEqual(narrow(x, 0, -3, 2).toArray(), [2, 3]);
  });

  it('gradient: narrow, against direct indexing', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 3 }), fc.nat(), fc.nat(), fc.nat(), seedArb), ([shape, d0, s0, l0, seed]) => {
      const g = new Generator(seed), dim = d0 % shape.length, n = shape[dim]!;
      const start = s0 % n, length = l0 % (n - start + 1);
      gradcheck((x) => narrow(x, dim, start, length), [leaf(shape, g)], { generator: g });
      const x = leaf(shape, g).detach(), y = narrow(x, dim - shape.length, start, length);
      const idx = y.shape.map(() => 0);
      if (numel(y.shape) > 0) {
        idx[dim] = length - 1;
        assert.equal(at(y, idx), at(x, idx.map((v, k) => (k === dim ? v + start : v))));
      }
    });
  });

  it('gradient: flip, and flipping twice is the identity', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 3 }), seedArb), ([shape, seed]) => {
      const g = new Generator(seed), dims = [...new Set([0, shape.length - 1])];
      gradcheck((x) => flip(x, dims), [leaf(shape, g)], { generator: g });
      const x = leaf(shape, g).detach();
      assert.deepEqual(flip(flip(x, dims), dims).dataSync(), x.dataSync());
      assert.equal(at(flip(x, 0), [0, ...shape.slice(1).map(() => 0)]), at(x, [shape[0]! - 1, ...shape.slice(1).map(() => 0)]));
    });
  });

  it('gradient: cat (several tensors along a random dim)', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 3 }), fc.nat(), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }), seedArb), ([shape, d0, sizes, seed]) => {
      const g = new Generator(seed), dim = d0 % shape.length;
      const parts = sizes.map((s) => leaf(shape.map((m, k) => (k === dim ? s : m)), g));
      gradcheck((...xs) => cat(xs, dim), parts, { generator: g });
      const joined = cat(parts, dim - shape.length);
      let start = 0;
      for (const p of parts) {
        assert.deepEqual(narrow(joined, dim, start, p.shape[dim]!).dataSync(), p.dataSync());
        start += p.shape[dim]!;
      }
    });
  });

  it('gradient: pad (torch order: last dim first)', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 3 }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 4 }), seedArb), ([shape, pads0, seed]) => {
      const g = new Generator(seed);
      const pads = pads0.slice(0, 2 * Math.min(shape.length, Math.floor(pads0.length / 2)));
      gradcheck((x) => pad(x, pads, 0.5), [leaf(shape, g)], { generator: g });
    });
    const y = pad(tensor([[1, 2]]), [1, 0, 0, 1], 9);
    assert.deepEqual(y.toArray(), [[9, 1, 2], [9, 9, 9]]);
  });

  it('gradient: gather, against torch.gather semantics', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 3 }), fc.nat(), seedArb), ([shape, d0, seed]) => {
      const g = new Generator(seed), dim = d0 % shape.length;
      const index = randint(0, shape[dim]!, shape.map((m, k) => (k === dim ? 3 : Math.max(1, m - 1))), { generator: g });
      gradcheck((x) => gather(x, dim, index), [leaf(shape, g)], { generator: g });
      const x = leaf(shape, g).detach(), y = gather(x, dim, index);
      const last = index.shape.map((m) => m - 1);
      const j = at(index, last);
      assert.equal(at(y, last), at(x, last.map((v, k) => (k === dim ? j : v))));
    });
  });

  it('gradient: scatterAdd, and it is the adjoint of gather', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 3 }), fc.nat(), seedArb), ([shape, d0, seed]) => {
      const g = new Generator(seed), dim = d0 % shape.length;
      const index = randint(0, shape[dim]!, shape.map((m, k) => (k === dim ? 3 : m)), { generator: g });
      gradcheck((x, src) => scatterAdd(x, dim, index, src), [leaf(shape, g), leaf(index.shape, g)], { generator: g });
      // ⟨gather(x), u⟩ = ⟨x, scatterAdd(0, u)⟩
      const x = leaf(shape, g).detach(), u = leaf(index.shape, g).detach();
      const lhs = gather(x, dim, index).mul(u).sum().item();
      const rhs = x.mul(scatterAdd(x.mul(0), dim, index, u)).sum().item();
      assert.ok(Math.abs(lhs - rhs) < 1e-10);
    });
  });

  it('errors name the op and the shapes', () => {
    const x = tensor(new Float32Array(6), { shape: [2, 3] });
    expectOpError(() => reshape(x, [4, 2]), 'reshape', /\[4,2\] is invalid for input of shape \[2,3\]/);
    expectOpError(() => reshape(x, [-1, -1]), 'reshape');
    expectOpError(() => permute(x, [0, 0]), 'permute', /not a permutation/);
    expectOpError(() => expand(x, [3, 3]), 'expand', /cannot expand \[2,3\] to \[3,3\]/);
    expectOpError(() => narrow(x, 1, 2, 2), 'narrow', /do not fit/);
    expectOpError(() => cat([x, tensor(new Float32Array(4), { shape: [2, 2] })], 0), 'cat', /differ outside dim 0/);
    expectOpError(() => pad(x, [1]), 'pad', /pairs/);
    expectOpError(() => gather(x, 0, tensor([[0]])), 'gather', /int32/);
    expectOpError(() => gather(x, 0, tensor([[5]], { dtype: 'int32' })), 'gather', /index 5 is out of bounds for dim 0 of size 2/);
    expectOpError(() => scatterAdd(x, 1, tensor([[-1]], { dtype: 'int32' }), x), 'scatterAdd', /index -1 is out of bounds/);
  });

  it('reshape with −1 infers the size; invalid reshapes of random shapes throw', () => {
    check(fc.tuple(shapeArb({ minDims: 1, maxDims: 3 }), fc.integer({ min: 2, max: 5 })), ([shape, k]) => {
      const x = tensor(new Float32Array(numel(shape)), { shape });
      assert.deepEqual(reshape(x, [-1, shape.at(-1)!]).shape, [numel(shape) / shape.at(-1)!, shape.at(-1)!]);
      if (numel(shape) % k !== 0) expectOpError(() => reshape(x, [k, -1]), 'reshape');
    });
  });
});
