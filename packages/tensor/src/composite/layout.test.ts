import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  cat, chunk, flatten, indexSelect, mul, repeat, split, squeeze, stack, tensor, transpose, unsqueeze, upsampleNearest2d,
  Generator, type Tensor,
} from '../index.ts';
import { check, expectOpError, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

const values = (t: Tensor): number[] => [...t.dataSync()];
const numel = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const unravel = (flat: number, shape: readonly number[]): number[] => {
  const index = shape.map(() => 0);
  for (let k = shape.length - 1; k >= 0; k--) { index[k] = flat % shape[k]!; flat = Math.floor(flat / shape[k]!); }
  return index;
};
const ravel = (index: readonly number[], shape: readonly number[]): number => index.reduce((acc, i, k) => acc * shape[k]! + i, 0);
const int32 = (xs: readonly number[]): Tensor => tensor(Int32Array.from(xs));
const x64 = (shape: readonly number[], seed = 0): Tensor => leaf(shape, new Generator(seed)).detach();

/** A dim of an `ndim`-dim tensor, as written by a user: non-negative or counted from the end. */
const dimArb = (ndim: number): fc.Arbitrary<number> => fc.integer({ min: -Math.max(ndim, 1), max: Math.max(ndim, 1) - 1 });
const nonScalar = shapeArb({ minDims: 1 });
/** Pieces summed back with distinct weights, so a gradient that reaches the wrong piece is caught. */
const weighted = (pieces: Tensor[], dim: number): Tensor => cat(pieces.map((p, i) => mul(p, i + 1)), dim);

/** A shape, a dim along it, and a split of that dim's size into sections (zeros included). */
const sectionsArb = nonScalar.chain((shape) => dimArb(shape.length).chain((dim) => {
  const n = shape[dim < 0 ? dim + shape.length : dim]!;
  return fc.tuple(fc.constant(shape), fc.constant(dim),
    fc.array(fc.integer({ min: 0, max: n }), { maxLength: 3 }).map((cuts) => {
      const points = [0, ...[...cuts].sort((a, b) => a - b), n];
      return points.slice(1).map((p, i) => p - points[i]!);
    }));
}));

describe('shape', () => {
  it('gradient: flatten (startDim ≤ endDim, negative dims)', () => {
    const arb = shapeArb().chain((shape) => fc.tuple(fc.constant(shape),
      fc.tuple(dimArb(shape.length), dimArb(shape.length)).filter(([s, e]) => shape.length === 0 || (s + shape.length) % shape.length <= (e + shape.length) % shape.length)));
    check(fc.tuple(arb, seedArb), ([[shape, [s, e]], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => flatten(x, s, e), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: squeeze (all size-1 dims, or listed dims)', () => {
    const arb = shapeArb({ maxSize: 2 }).chain((shape) => fc.tuple(fc.constant(shape),
      fc.option(fc.subarray([...shape.keys()]).map((ds) => ds.map((d) => (d % 2 === 0 ? d : d - shape.length))), { nil: undefined })));
    check(fc.tuple(arb, seedArb), ([[shape, dims], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => squeeze(x, dims), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: unsqueeze (dim in [−ndim−1, ndim])', () => {
    const arb = shapeArb().chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length - 1, max: shape.length })));
    check(fc.tuple(arb, seedArb), ([[shape, dim], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => unsqueeze(x, dim), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: transpose (any pair of dims, negative dims)', () => {
    const arb = nonScalar.chain((shape) => fc.tuple(fc.constant(shape), dimArb(shape.length), dimArb(shape.length)));
    check(fc.tuple(arb, seedArb), ([[shape, a, b], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => transpose(x, a, b), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: repeat (extra leading dims, zero repeats)', () => {
    const arb = shapeArb().chain((shape) => fc.tuple(fc.constant(shape),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: shape.length, maxLength: shape.length + 2 })));
    check(fc.tuple(arb, seedArb), ([[shape, repeats], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => repeat(x, repeats), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: stack (1 to 3 tensors, dim in [−ndim−1, ndim])', () => {
    const arb = shapeArb().chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: 1, max: 3 }), fc.integer({ min: -shape.length - 1, max: shape.length })));
    check(fc.tuple(arb, seedArb), ([[shape, count, dim], seed]) => {
      const g = new Generator(seed);
      const xs = Array.from({ length: count }, () => leaf(shape, g));
      gradcheck((...ts) => stack(ts, dim), xs, { generator: g });
    });
  });

  it('gradient: split (by size and by sections)', () => {
    check(fc.tuple(sectionsArb, fc.integer({ min: 1, max: 5 }), seedArb), ([[shape, dim, sections], size, seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => weighted(split(x, sections, dim), dim), [leaf(shape, g)], { generator: g });
      gradcheck((x) => weighted(split(x, size, dim), dim), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: chunk', () => {
    const arb = nonScalar.chain((shape) => fc.tuple(fc.constant(shape), dimArb(shape.length), fc.integer({ min: 1, max: 5 })));
    check(fc.tuple(arb, seedArb), ([[shape, dim, chunks], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => weighted(chunk(x, chunks, dim), dim), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: indexSelect (repeated and omitted indices)', () => {
    const arb = nonScalar.chain((shape) => dimArb(shape.length).chain((dim) => fc.tuple(fc.constant(shape), fc.constant(dim),
      fc.array(fc.nat({ max: shape[dim < 0 ? dim + shape.length : dim]! - 1 }), { minLength: 1, maxLength: 5 }))));
    check(fc.tuple(arb, seedArb), ([[shape, dim, index], seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => indexSelect(x, dim, int32(index)), [leaf(shape, g)], { generator: g });
    });
  });

  it('gradient: upsampleNearest2d (factor 1–3)', () => {
    const arb = fc.tuple(shapeArb({ minDims: 4, maxDims: 4, maxSize: 3 }), fc.integer({ min: 1, max: 3 }), seedArb);
    check(arb, ([shape, factor, seed]) => {
      const g = new Generator(seed);
      gradcheck((x) => upsampleNearest2d(x, factor), [leaf(shape, g)], { generator: g });
    });
  });

  it('flatten merges startDim…endDim, keeps the values, and reshapes back', () => {
    const arb = nonScalar.chain((shape) => fc.tuple(fc.constant(shape), fc.nat({ max: shape.length - 1 }), fc.nat({ max: shape.length - 1 }))
      .map(([sh, a, b]) => [sh, Math.min(a, b), Math.max(a, b)] as const));
    check(fc.tuple(arb, seedArb, fc.boolean()), ([[shape, s, e], seed, negative]) => {
      const x = x64(shape, seed);
      const y = negative ? flatten(x, s - shape.length, e - shape.length) : flatten(x, s, e);
      assert.deepEqual(y.shape, [...shape.slice(0, s), numel(shape.slice(s, e + 1)), ...shape.slice(e + 1)]);
      assert.deepEqual(values(y), values(x));
      assert.deepEqual(y.reshape(shape).shape, shape);
      assert.deepEqual(flatten(x).shape, [numel(shape)]);
    });
    assert.deepEqual(flatten(tensor(3)).shape, [1]);
  });

  it('squeeze undoes unsqueeze; squeeze() drops exactly the size-1 dims; values never move', () => {
    const arb = shapeArb({ maxSize: 2 }).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length - 1, max: shape.length })));
    check(fc.tuple(arb, seedArb), ([[shape, dim], seed]) => {
      const x = x64(shape, seed);
      const u = unsqueeze(x, dim), d = dim < 0 ? dim + shape.length + 1 : dim;
      assert.deepEqual(u.shape, [...shape.slice(0, d), 1, ...shape.slice(d)]);
      assert.deepEqual(squeeze(u, dim).shape, shape);
      assert.deepEqual(values(squeeze(u, dim)), values(x));
      assert.deepEqual(squeeze(x).shape, shape.filter((m) => m !== 1));
      assert.deepEqual(values(squeeze(x)), values(x));
      // Listed dims that are not of size 1 stay.
      assert.deepEqual(squeeze(x, [...shape.keys()].filter((k) => shape[k] !== 1)).shape, shape);
    });
  });

  it('transpose swaps two indices, is its own inverse, and is the identity for dim0 = dim1', () => {
    const arb = nonScalar.chain((shape) => fc.tuple(fc.constant(shape), dimArb(shape.length), dimArb(shape.length)));
    check(fc.tuple(arb, seedArb), ([[shape, a, b], seed]) => {
      const x = x64(shape, seed), y = transpose(x, a, b);
      const [p, q] = [a, b].map((d) => (d < 0 ? d + shape.length : d)) as [number, number];
      const swapped = shape.map((m, k) => (k === p ? shape[q]! : k === q ? shape[p]! : m));
      assert.deepEqual(y.shape, swapped);
      const xs = values(x), ys = values(y);
      ys.forEach((v, flat) => {
        const index = unravel(flat, swapped);
        [index[p], index[q]] = [index[q]!, index[p]!];
        assert.equal(v, xs[ravel(index, shape)]);
      });
      assert.deepEqual(values(transpose(y, a, b)), xs);
      assert.deepEqual(transpose(y, a, b).shape, shape);
      assert.deepEqual(values(transpose(x, a, a)), xs);
    });
  });

  it('repeat equals explicit tiling: out[i] = x[i mod shape], leading repeats adding dims', () => {
    const arb = shapeArb().chain((shape) => fc.tuple(fc.constant(shape),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: shape.length, maxLength: shape.length + 2 })));
    check(fc.tuple(arb, seedArb), ([[shape, repeats], seed]) => {
      const x = x64(shape, seed), y = repeat(x, repeats);
      const padded = [...Array(repeats.length - shape.length).fill(1), ...shape] as number[];
      const outShape = padded.map((m, k) => m * repeats[k]!);
      assert.deepEqual(y.shape, outShape);
      const xs = values(x);
      assert.deepEqual(values(y), Array.from({ length: numel(outShape) }, (_, flat) =>
        xs[ravel(unravel(flat, outShape).map((i, k) => i % padded[k]!), padded)]));
    });
  });

  it('stack then split into size-1 pieces and squeeze gives the inputs back', () => {
    const arb = shapeArb().chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: 1, max: 3 }), fc.integer({ min: -shape.length - 1, max: shape.length })));
    check(fc.tuple(arb, seedArb), ([[shape, count, dim], seed]) => {
      const xs = Array.from({ length: count }, (_, i) => x64(shape, seed + i));
      const s = stack(xs, dim), d = dim < 0 ? dim + shape.length + 1 : dim;
      assert.deepEqual(s.shape, [...shape.slice(0, d), count, ...shape.slice(d)]);
      const back = split(s, 1, dim).map((p) => squeeze(p, dim));
      assert.equal(back.length, count);
      back.forEach((b, i) => { assert.deepEqual(b.shape, shape); assert.deepEqual(values(b), values(xs[i]!)); });
    });
  });

  it('split pieces have the asked sizes and cat back to the input', () => {
    check(fc.tuple(sectionsArb, fc.integer({ min: 1, max: 5 }), seedArb), ([[shape, dim, sections], size, seed]) => {
      const x = x64(shape, seed), d = dim < 0 ? dim + shape.length : dim, n = shape[d]!;
      const bySections = split(x, sections, dim);
      assert.deepEqual(bySections.map((p) => p.shape[d]), sections);
      assert.deepEqual(values(cat(bySections, dim)), values(x));
      const bySize = split(x, size, dim);
      assert.deepEqual(bySize.map((p) => p.shape[d]), Array.from({ length: Math.ceil(n / size) }, (_, i) => Math.min(size, n - i * size)));
      assert.deepEqual(values(cat(bySize, dim)), values(x));
    });
  });

  it('chunk gives ceil(n / ceil(n / chunks)) pieces (torch.chunk) that cat back to the input', () => {
    const arb = nonScalar.chain((shape) => fc.tuple(fc.constant(shape), dimArb(shape.length), fc.integer({ min: 1, max: 5 })));
    check(fc.tuple(arb, seedArb), ([[shape, dim, chunks], seed]) => {
      const x = x64(shape, seed), d = dim < 0 ? dim + shape.length : dim, n = shape[d]!;
      const pieces = chunk(x, chunks, dim), size = Math.ceil(n / chunks);
      assert.equal(pieces.length, Math.ceil(n / size));
      assert.ok(pieces.length <= chunks);
      assert.ok(pieces.every((p, i) => p.shape[d] === (i < pieces.length - 1 ? size : n - size * (pieces.length - 1))));
      assert.deepEqual(values(cat(pieces, dim)), values(x));
    });
  });

  it('indexSelect agrees with direct indexing', () => {
    const arb = nonScalar.chain((shape) => dimArb(shape.length).chain((dim) => fc.tuple(fc.constant(shape), fc.constant(dim),
      fc.array(fc.nat({ max: shape[dim < 0 ? dim + shape.length : dim]! - 1 }), { maxLength: 5 }))));
    check(fc.tuple(arb, seedArb), ([[shape, dim, index], seed]) => {
      const x = x64(shape, seed), d = dim < 0 ? dim + shape.length : dim, y = indexSelect(x, dim, int32(index));
      const outShape = shape.map((m, k) => (k === d ? index.length : m));
      assert.deepEqual(y.shape, outShape);
      const xs = values(x);
      assert.deepEqual(values(y), Array.from({ length: numel(outShape) }, (_, flat) =>
        xs[ravel(unravel(flat, outShape).map((i, k) => (k === d ? index[i]! : i)), shape)]));
    });
  });

  it('upsampleNearest2d agrees with direct indexing: out[n, c, i, j] = x[n, c, ⌊i/f⌋, ⌊j/f⌋]', () => {
    check(fc.tuple(shapeArb({ minDims: 4, maxDims: 4, maxSize: 3 }), fc.integer({ min: 1, max: 3 }), seedArb), ([shape, f, seed]) => {
      const x = x64(shape, seed), y = upsampleNearest2d(x, f);
      const [n, c, h, w] = shape as [number, number, number, number];
      const outShape = [n, c, h * f, w * f];
      assert.deepEqual(y.shape, outShape);
      const xs = values(x);
      assert.deepEqual(values(y), Array.from({ length: numel(outShape) }, (_, flat) => {
        const [b, ch, i, j] = unravel(flat, outShape) as [number, number, number, number];
        return xs[ravel([b, ch, Math.floor(i / f), Math.floor(j / f)], shape)];
      }));
    });
    assert.deepEqual(values(upsampleNearest2d(x64([1, 1, 2, 2]))), values(upsampleNearest2d(x64([1, 1, 2, 2]), 2)));
  });

  it('invalid dims, ranks, sizes and sections throw the op\'s own error', () => {
    check(fc.tuple(nonScalar, fc.integer({ min: 0, max: 2 })), ([shape, extra]) => {
      const x = x64(shape), r = shape.length, far = r + extra;
      expectOpError(() => flatten(x, far), 'flatten', /out of range/);
      expectOpError(() => flatten(x, 0, -far - 1), 'flatten', /out of range/);
      if (r >= 2) expectOpError(() => flatten(x, r - 1, 0), 'flatten', /comes after/);
      expectOpError(() => squeeze(x, far), 'squeeze', /out of range/);
      expectOpError(() => unsqueeze(x, r + 1 + extra), 'unsqueeze', /out of range/);
      expectOpError(() => unsqueeze(x, -r - 2 - extra), 'unsqueeze', /out of range/);
      expectOpError(() => transpose(x, 0, far), 'transpose', /out of range/);
      expectOpError(() => repeat(x, Array(r - 1).fill(2)), 'repeat', /at least one per dim/);
      expectOpError(() => repeat(x, [...Array(r - 1).fill(1), -1 - extra]), 'repeat', /non-negative integers/);
      expectOpError(() => repeat(x, [...Array(r - 1).fill(1), 1.5]), 'repeat', /non-negative integers/);
      expectOpError(() => stack([x, x64([...shape, 2])]), 'stack', /one shape/);
      expectOpError(() => stack([x, x.to('float32')]), 'stack', /dtype/);
      expectOpError(() => stack([x], r + 1 + extra), 'stack', /out of range/);
      const n = shape[0]!;
      expectOpError(() => split(x, [n + 1 + extra]), 'split', /do not add up/);
      expectOpError(() => split(x, [n + 1, -1]), 'split', /non-negative integers/);
      expectOpError(() => split(x, [n - 0.5, 0.5]), 'split', /non-negative integers/);
      expectOpError(() => split(x, -extra), 'split', /positive integer/);
      expectOpError(() => split(x, 1, far), 'split', /out of range/);
      expectOpError(() => chunk(x, -extra), 'chunk', /positive integer/);
      expectOpError(() => chunk(x, 1.5), 'chunk', /positive integer/);
      expectOpError(() => indexSelect(x, 0, tensor([0])), 'indexSelect', /int32/);
      expectOpError(() => indexSelect(x, 0, tensor(Int32Array.of(0, 0), { shape: [1, 2] })), 'indexSelect', /1-D/);
      expectOpError(() => indexSelect(x, far, int32([0])), 'indexSelect', /out of range/);
      if (r !== 4) expectOpError(() => upsampleNearest2d(x), 'upsampleNearest2d', /\[N, C, H, W\]/);
    });
    expectOpError(() => stack([]), 'stack', /non-empty/);
    for (const factor of [0, -1, 1.5]) expectOpError(() => upsampleNearest2d(x64([1, 1, 1, 1]), factor), 'upsampleNearest2d', /positive integer/);
  });
});
