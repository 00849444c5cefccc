import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { add, groupNorm, groupNormSilu, layerNorm, mean, mul, reshape, rsqrt, silu, sub, sum, variance, Generator, type Tensor } from '../index.ts';
import { check, expectOpError, expectSameAsComposed, gradcheck, leaf, seedArb, shapeArb } from '../testing/index.ts';

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `entry ${i}: ${a} vs ${e}`);
  }
};
const numel = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** x [N, C, …spatial] with C = groups · channelsPerGroup; 0 to 2 spatial dims. */
const groupNormArb = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 3 }),
  perGroup: fc.integer({ min: 1, max: 3 }),
  spatial: shapeArb({ maxDims: 2, maxSize: 3 }),
  affine: fc.boolean(),
  withBias: fc.boolean(),
  eps: fc.constantFrom(1e-5, 1e-3, 0.1),
});

/** x with 1–3 dims and k = 1…ndim trailing dims normalised. */
const layerNormArb = shapeArb({ minDims: 1 }).chain((shape) => fc.record({
  shape: fc.constant(shape),
  k: fc.integer({ min: 1, max: shape.length }),
  affine: fc.boolean(),
  withBias: fc.boolean(),
  eps: fc.constantFrom(1e-5, 1e-3, 0.1),
}));

/** Each contiguous block of `size` values standardised by hand: (v − mean) / √(biased var + eps). */
function standardizeBlocks(data: ArrayLike<number>, size: number, eps: number): number[] {
  const out: number[] = [];
  for (let start = 0; start < data.length; start += size) {
    const block = Array.from({ length: size }, (_, i) => data[start + i]!);
    const mean = block.reduce((a, b) => a + b, 0) / size;
    const variance = block.reduce((a, b) => a + (b - mean) ** 2, 0) / size;
    out.push(...block.map((v) => (v - mean) / Math.sqrt(variance + eps)));
  }
  return out;
}

/** Mean and biased variance of each contiguous block. */
const blockMoments = (data: ArrayLike<number>, size: number): [number, number][] =>
  Array.from({ length: data.length / size }, (_, b) => {
    const block = Array.from({ length: size }, (_, i) => data[b * size + i]!);
    const mean = block.reduce((a, v) => a + v, 0) / size;
    return [mean, block.reduce((a, v) => a + (v - mean) ** 2, 0) / size];
  });

/** groupNorm as it was composed before the fused op (ops/group-norm.ts): the reference it must match. */
function composedGroupNorm(x: Tensor, groups: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const [n, c] = x.shape as [number, number], grouped = reshape(x, [n, groups, -1]);
  const standardized = mul(sub(grouped, mean(grouped, [2], true)), rsqrt(add(variance(grouped, [2], { correction: 0, keepdim: true }), eps)));
  let y = reshape(standardized, x.shape);
  const perChannel = [1, c, ...Array(x.ndim - 2).fill(1)] as number[];
  if (weight !== null) y = mul(y, reshape(weight, perChannel));
  if (bias !== null) y = add(y, reshape(bias, perChannel));
  return y;
}

describe('norm', () => {
  it('groupNorm and groupNormSilu (fused ops) match their composed forms: values, gradients and second derivatives', () => {
    type Norm = (x: Tensor, groups: number, w: Tensor | null, b: Tensor | null, eps: number) => Tensor;
    const pairs: [Norm, Norm][] = [[groupNorm, composedGroupNorm], [groupNormSilu, (...a) => silu(composedGroupNorm(...a))]];
    check(fc.tuple(groupNormArb, seedArb), ([{ n, groups, perGroup, spatial, affine, withBias, eps }, seed]) => {
      const g = new Generator(seed), c = groups * perGroup;
      const x = leaf([n, c, ...spatial], g, 3), w = affine ? leaf([c], g) : null, b = withBias ? leaf([c], g) : null;
      const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
      const split = (f: Norm) => (...ts: Tensor[]) => f(ts[0]!, groups, w ? ts[1]! : null, b ? ts.at(-1)! : null, eps);
      for (const [fused, composed] of pairs) expectSameAsComposed(split(fused), split(composed), inputs, g, 1e-12);
    });
  });

  it('gradient: groupNormSilu (affine, random groups)', () => {
    check(fc.tuple(groupNormArb, seedArb), ([{ n, groups, perGroup, spatial, affine, withBias, eps }, seed]) => {
      const g = new Generator(seed), c = groups * perGroup;
      const inputs = [leaf([n, c, ...spatial], g), ...(affine ? [leaf([c], g)] : []), ...(withBias ? [leaf([c], g)] : [])];
      gradcheck((x, ...rest) => groupNormSilu(x!, groups, affine ? rest[0] : null, withBias ? rest.at(-1) : null, eps), inputs, { generator: g });
    });
  });

  it('groupNorm in float32 agrees with float64 to float32 rounding, gradients included', () => {
    const g = new Generator(7), x = leaf([2, 6, 5, 5], g, 3), w = leaf([6], g), b = leaf([6], g), u = leaf(x.shape, g).detach();
    const grads = (dtype: 'float32' | 'float64') => {
      const [xs, ws, bs] = [x, w, b].map((t) => t.detach().to(dtype).requiresGrad_()) as [Tensor, Tensor, Tensor];
      const y = groupNorm(xs, 3, ws, bs);
      sum(mul(y, u.to(dtype))).backward();
      return [y, xs.grad!, ws.grad!, bs.grad!].map((t) => [...t.dataSync()]);
    };
    const [single, double] = [grads('float32'), grads('float64')];
    single.forEach((values, i) => assertClose(values, double[i]!, 1e-4, 1e-4));
  });

  it('gradient: groupNorm (affine, random groups)', () => {
    check(fc.tuple(groupNormArb, seedArb), ([{ n, groups, perGroup, spatial, affine, withBias, eps }, seed]) => {
      const g = new Generator(seed), c = groups * perGroup;
      const inputs = [leaf([n, c, ...spatial], g), ...(affine ? [leaf([c], g)] : []), ...(withBias ? [leaf([c], g)] : [])];
      gradcheck((x, ...rest) => groupNorm(x!, groups, affine ? rest[0] : null, withBias ? rest.at(-1) : null, eps), inputs, { generator: g });
    });
  });

  it('gradient: layerNorm (trailing dims, affine)', () => {
    check(fc.tuple(layerNormArb, seedArb), ([{ shape, k, affine, withBias, eps }, seed]) => {
      const g = new Generator(seed), normalized = shape.slice(-k);
      const inputs = [leaf(shape, g), ...(affine ? [leaf(normalized, g)] : []), ...(withBias ? [leaf(normalized, g)] : [])];
      gradcheck((x, ...rest) => layerNorm(x!, normalized, affine ? rest[0] : null, withBias ? rest.at(-1) : null, eps), inputs, { generator: g });
    });
  });

  it('groupNorm without affine: each group has mean 0 and variance σ²/(σ² + eps)', () => {
    check(fc.tuple(groupNormArb, seedArb), ([{ n, groups, perGroup, spatial, eps }, seed]) => {
      const c = groups * perGroup, x = leaf([n, c, ...spatial], new Generator(seed), 3).detach();
      const y = groupNorm(x, groups, null, null, eps);
      assert.deepEqual(y.shape, x.shape);
      const size = perGroup * numel(spatial); // a group of one sample is contiguous in [N, C, …]
      const before = blockMoments(x.dataSync(), size), after = blockMoments(y.dataSync(), size);
      after.forEach(([mean, variance], b) => {
        assert.ok(Math.abs(mean) < 1e-12, `group ${b}: mean ${mean}`);
        const s2 = before[b]![1];
        assert.ok(Math.abs(variance - s2 / (s2 + eps)) < 1e-12, `group ${b}: variance ${variance}, expected ${s2 / (s2 + eps)}`);
      });
    });
  });

  it('groupNorm agrees with a direct computation, then scales and shifts each channel', () => {
    check(fc.tuple(groupNormArb, seedArb), ([{ n, groups, perGroup, spatial, eps }, seed]) => {
      const g = new Generator(seed), c = groups * perGroup, s = numel(spatial);
      const x = leaf([n, c, ...spatial], g).detach(), w = leaf([c], g).detach(), b = leaf([c], g).detach();
      const plain = standardizeBlocks(x.dataSync(), perGroup * s, eps);
      assertClose(groupNorm(x, groups, null, null, eps).dataSync(), plain, 1e-12, 1e-12);
      const [ws, bs] = [w.dataSync(), b.dataSync()];
      const channel = (i: number) => Math.floor(i / s) % c;
      assertClose(groupNorm(x, groups, w, b, eps).dataSync(), plain.map((v, i) => v * ws[channel(i)]! + bs[channel(i)]!), 1e-12, 1e-12);
      assertClose(groupNorm(x, groups, w, null, eps).dataSync(), plain.map((v, i) => v * ws[channel(i)]!), 1e-12, 1e-12);
    });
  });

  it('groupNorm with one group is layerNorm over [C, …]', () => {
    check(fc.tuple(groupNormArb, seedArb), ([{ n, groups, perGroup, spatial, eps }, seed]) => {
      const x = leaf([n, groups * perGroup, ...spatial], new Generator(seed)).detach();
      assertClose(groupNorm(x, 1, null, null, eps).dataSync(), layerNorm(x, x.shape.slice(1), null, null, eps).dataSync(), 1e-13, 1e-13);
    });
  });

  it('layerNorm without affine: each trailing block has mean 0 and variance σ²/(σ² + eps); affine is elementwise', () => {
    check(fc.tuple(layerNormArb, seedArb), ([{ shape, k, eps }, seed]) => {
      const g = new Generator(seed), normalized = shape.slice(-k), size = numel(normalized);
      const x = leaf(shape, g, 3).detach(), w = leaf(normalized, g).detach(), b = leaf(normalized, g).detach();
      const y = layerNorm(x, normalized, null, null, eps);
      assert.deepEqual(y.shape, shape);
      const before = blockMoments(x.dataSync(), size);
      blockMoments(y.dataSync(), size).forEach(([mean, variance], i) => {
        const s2 = before[i]![1];
        assert.ok(Math.abs(mean) < 1e-12, `block ${i}: mean ${mean}`);
        assert.ok(Math.abs(variance - s2 / (s2 + eps)) < 1e-12, `block ${i}: variance ${variance}, expected ${s2 / (s2 + eps)}`);
      });
      const plain = standardizeBlocks(x.dataSync(), size, eps);
      assertClose(y.dataSync(), plain, 1e-12, 1e-12);
      const [ws, bs] = [w.dataSync(), b.dataSync()];
      assertClose(layerNorm(x, normalized, w, b, eps).dataSync(), plain.map((v, i) => v * ws[i % size]! + bs[i % size]!), 1e-12, 1e-12);
    });
  });

  it('invalid groups, ranks and affine shapes throw the op\'s own error', () => {
    check(fc.tuple(groupNormArb, fc.integer({ min: 2, max: 5 })), ([{ n, groups, perGroup, spatial }, other]) => {
      const c = groups * perGroup, x = leaf([n, c, ...spatial], new Generator(0)).detach();
      if (c % other !== 0) expectOpError(() => groupNorm(x, other), 'groupNorm', /cannot be split/);
      for (const bad of [0, -groups, groups + 0.5, c + 1]) expectOpError(() => groupNorm(x, bad), 'groupNorm', /cannot be split/);
      expectOpError(() => groupNorm(leaf([c], new Generator(0)).detach(), 1), 'groupNorm', /\[N, C, \.\.\.\]/);
      const wrong = leaf([c + 1], new Generator(0)).detach();
      expectOpError(() => groupNorm(x, groups, wrong), 'groupNorm', /weight \[\d+\] must be/);
      expectOpError(() => groupNorm(x, groups, null, wrong), 'groupNorm', /bias \[\d+\] must be/);
      expectOpError(() => groupNorm(x, groups, leaf([1, c], new Generator(0)).detach()), 'groupNorm', /weight/);
    });
    check(layerNormArb, ({ shape, k }) => {
      const x = leaf(shape, new Generator(0)).detach(), normalized = shape.slice(-k);
      expectOpError(() => layerNorm(x, []), 'layerNorm', /must match/);
      expectOpError(() => layerNorm(x, [1, ...shape]), 'layerNorm', /must match/);
      expectOpError(() => layerNorm(x, [...normalized.slice(0, -1), normalized.at(-1)! + 1]), 'layerNorm', /must match/);
      const wrong = leaf([...normalized.slice(0, -1), normalized.at(-1)! + 1], new Generator(0)).detach();
      expectOpError(() => layerNorm(x, normalized, wrong), 'layerNorm', /weight .* must have/);
      expectOpError(() => layerNorm(x, normalized, null, wrong), 'layerNorm', /bias .* must have/);
      // A weight that would merely broadcast is still the wrong shape.
      if (normalized.some((d) => d > 1)) expectOpError(() => layerNorm(x, normalized, leaf(normalized.map(() => 1), new Generator(0)).detach()), 'layerNorm', /weight/);
    });
  });
});
