/** Shape manipulation built on reshape, permute, expand, narrow, cat and gather. */
import type { Tensor } from '../tensor-core.ts';
import { cat, expand, gather, narrow, permute, reshape } from '../ops/index.ts';
import { checkIndex } from '../ops/internal.ts';
import { fmt, normalizeDim, normalizeDims, OpError } from '../shape.ts';

/** Merge dims startDim … endDim into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim), e = normalizeDim('flatten', endDim, x.ndim);
  if (s > e) throw new OpError('flatten', `startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, s), -1, ...x.shape.slice(e + 1)]);
}

/** Remove size-1 dims (all of them, or only those listed). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, k) => k) : normalizeDims('squeeze', dim, x.ndim);
  return reshape(x, x.shape.filter((d, k) => !(dims.includes(k) && d === 1)));
}

/** Insert a size-1 dim at `dim` (in [−ndim−1, ndim]). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Swap two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim('transpose', dim0, x.ndim), b = normalizeDim('transpose', dim1, x.ndim);
  const order = x.shape.map((_, k) => (k === a ? b : k === b ? a : k));
  return permute(x, order);
}

/** Tile the tensor: repeats[k] copies along dim k (leading repeats add dims), like torch.repeat. */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < x.ndim || !repeats.every((r) => Number.isInteger(r) && r >= 0)) {
    throw new OpError('repeat', `repeats [${repeats}] must be non-negative integers, at least one per dim of ${fmt(x.shape)}`);
  }
  const shape = [...Array(repeats.length - x.ndim).fill(1), ...x.shape] as number[];
  // [.., d, ..] → [.., 1, d, ..] expanded to [.., r, d, ..] → [.., r·d, ..]
  const interleaved = shape.flatMap((d) => [1, d]);
  const expanded = shape.flatMap((d, k) => [repeats[k]!, d]);
  return reshape(expand(reshape(x, interleaved), expanded), shape.map((d, k) => d * repeats[k]!));
}

/** Join tensors of one shape along a new dim. */
export function stack(xs: readonly Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new OpError('stack', 'expects a non-empty list of tensors');
  const shape = xs[0]!.shape;
  if (xs.some((x) => fmt(x.shape) !== fmt(shape) || x.dtype !== xs[0]!.dtype)) {
    throw new OpError('stack', `all tensors must have one shape and dtype, got ${xs.map((x) => x.dtype + fmt(x.shape)).join(', ')}`);
  }
  const d = normalizeDim('stack', dim, shape.length + 1);
  return cat(xs.map((x) => unsqueeze(x, d)), d);
}

/** Split into pieces of `size` (the last may be smaller) or of the listed sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim('split', dim, x.ndim), n = x.shape[d]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections < 1) throw new OpError('split', `size must be a positive integer, got ${sizeOrSections}`);
    sizes = Array.from({ length: Math.max(1, Math.ceil(n / sizeOrSections)) }, (_, i) => Math.min(sizeOrSections, n - i * sizeOrSections));
  } else {
    sizes = [...sizeOrSections];
    if (!sizes.every((m) => Number.isInteger(m) && m >= 0)) throw new OpError('split', `sections [${sizes}] must be non-negative integers`);
    if (sizes.reduce((a, b) => a + b, 0) !== n) throw new OpError('split', `sections [${sizes}] do not add up to ${n}, the size of dim ${dim}`);
  }
  let start = 0;
  return sizes.map((size) => { const piece = narrow(x, d, start, size); start += size; return piece; });
}

/** Split into `chunks` pieces of equal size (the last may be smaller), like torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new OpError('chunk', `chunks must be a positive integer, got ${chunks}`);
  const n = x.shape[normalizeDim('chunk', dim, x.ndim)]!;
  return split(x, Math.max(1, Math.ceil(n / chunks)), dim);
}

/** Select entries along `dim` by a 1-D int32 index (torch.index_select), as a gather with a broadcast index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex('indexSelect', index);
  if (index.ndim !== 1) throw new OpError('indexSelect', `index must be 1-D, got ${fmt(index.shape)}`);
  const d = normalizeDim('indexSelect', dim, x.ndim);
  const shape = x.shape.map((m, k) => (k === d ? index.shape[0]! : m));
  const view = x.shape.map((_, k) => (k === d ? index.shape[0]! : 1));
  return gather(x, d, expand(reshape(index, view), shape));
}

/** Nearest-neighbour upsampling of [N, C, H, W] by an integer factor: each pixel becomes a factor×factor block. */
export function upsampleNearest2d(x: Tensor, factor = 2): Tensor {
  if (x.ndim !== 4) throw new OpError('upsampleNearest2d', `expects [N, C, H, W], got ${fmt(x.shape)}`);
  if (!Number.isInteger(factor) || factor < 1) throw new OpError('upsampleNearest2d', `factor must be a positive integer, got ${factor}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const blocks = expand(reshape(x, [n, c, h, 1, w, 1]), [n, c, h, factor, w, factor]);
  return reshape(blocks, [n, c, h * factor, w * factor]);
}
