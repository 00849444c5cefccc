/**
 * Ops that move elements: reshape, permute, expand, narrow, flip, cat, pad, gather, scatterAdd.
 * All but cat, pad and the gathers are one strided copy on the backend.
 */
import type { Shape } from '../backend/kernels.ts';
import type { Tensor } from '../tensor-core.ts';
import { record } from '../autograd.ts';
import { broadcastStrides, checkShape, fmt, normalizeDim, normalizeDims, OpError, sizeOf, stridesOf } from '../shape.ts';
import { add } from './arithmetic.ts';
import { checkCompatible, checkIndex, wrap } from './internal.ts';

/** View with a new shape (one entry may be −1). Storage is shared where buffers are garbage-collected (js, wasm). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const unknown = shape.filter((d) => d === -1).length;
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (unknown > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) throw new OpError('reshape', `invalid target shape ${fmt(shape)}`);
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.numel() / known) : d));
  if (sizeOf(resolved) !== x.numel() || !resolved.every(Number.isInteger)) {
    throw new OpError('reshape', `shape ${fmt(shape)} is invalid for input of shape ${fmt(x.shape)} (${x.numel()} elements)`);
  }
  const buf = x.backend.share(x.buf);
  return record('reshape', [x], wrap(x, buf, resolved), (dy) => [reshape(dy, x.shape)]);
}

/** Reorder dims: out.shape[i] = x.shape[dims[i]]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const order = dims.map((d) => normalizeDim('permute', d, x.ndim));
  if (order.length !== x.ndim || new Set(order).size !== x.ndim) {
    throw new OpError('permute', `dims [${dims}] are not a permutation of the ${x.ndim} dims of ${fmt(x.shape)}`);
  }
  const strides = stridesOf(x.shape), shape = order.map((d) => x.shape[d]!);
  const out = wrap(x, x.backend.strided(x, shape, order.map((d) => strides[d]!), 0), shape);
  const inverse = order.map((_, i) => order.indexOf(i));
  return record('permute', [x], out, (dy) => [permute(dy, inverse)]);
}

/** Broadcast to `shape` (−1 keeps a dim; new dims are added in front). The tape sums the gradient back. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  const target = shape.map((d, k) => (d === -1 && k >= lead ? x.shape[k - lead]! : d));
  checkShape('expand', target);
  const ok = lead >= 0 && x.shape.every((d, k) => d === target[k + lead] || d === 1);
  if (!ok) throw new OpError('expand', `cannot expand ${fmt(x.shape)} to ${fmt(shape)}: each dim must match or be 1`);
  const out = wrap(x, x.backend.strided(x, target, broadcastStrides(x.shape, target), 0), target);
  return record('expand', [x], out, (dy) => [dy]);
}

/** The slice [start, start + length) of `dim` (negative start counts from the end). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim('narrow', dim, x.ndim), n = x.shape[d]!;
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > n) {
    throw new OpError('narrow', `start ${start} and length ${length} do not fit dim ${dim} of size ${n} in ${fmt(x.shape)}`);
  }
  const strides = stridesOf(x.shape), shape = x.shape.map((m, k) => (k === d ? length : m));
  const out = wrap(x, x.backend.strided(x, shape, strides, s * strides[d]!), shape);
  return record('narrow', [x], out, (dy) => [padDims(dy, x.shape.map((_, k) => (k === d ? s : 0)), x.shape.map((_, k) => (k === d ? n - s - length : 0)))]);
}

/** Reverse the order of entries along `dims`. */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const ds = normalizeDims('flip', dims, x.ndim), strides = stridesOf(x.shape);
  const offset = ds.reduce((acc, d) => acc + Math.max(x.shape[d]! - 1, 0) * strides[d]!, 0);
  const out = wrap(x, x.backend.strided(x, x.shape, strides.map((s, k) => (ds.includes(k) ? -s : s)), offset), x.shape);
  return record('flip', [x], out, (dy) => [flip(dy, ds)]);
}

/** Join tensors along an existing dim; all other dims must agree. */
export function cat(xs: readonly Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new OpError('cat', 'expects a non-empty list of tensors');
  const first = xs[0]!, d = normalizeDim('cat', dim, first.ndim);
  checkCompatible('cat', ...xs);
  for (const x of xs) {
    if (x.ndim !== first.ndim || x.shape.some((m, k) => k !== d && m !== first.shape[k])) {
      throw new OpError('cat', `shapes ${xs.map((t) => fmt(t.shape)).join(', ')} differ outside dim ${dim}`);
    }
  }
  const shape = first.shape.map((m, k) => (k === d ? xs.reduce((acc, x) => acc + x.shape[d]!, 0) : m));
  const out = wrap(first, first.backend.concat(xs, d, shape), shape);
  const starts = xs.map((_, i) => xs.slice(0, i).reduce((acc, x) => acc + x.shape[d]!, 0));
  return record('cat', xs, out, (dy, needs) => xs.map((x, i) => (needs[i] ? narrow(dy, d, starts[i]!, x.shape[d]!) : null)));
}

/** Constant padding by per-dim amounts before and after (the kernel's order). */
function padDims(x: Tensor, before: readonly number[], after: readonly number[], value = 0): Tensor {
  const shape = x.shape.map((m, k) => m + before[k]! + after[k]!);
  const out = wrap(x, x.backend.pad(x, before, after, value), shape);
  return record('pad', [x], out, (dy) => {
    let g = dy;
    for (let k = 0; k < x.ndim; k++) if (before[k] !== 0 || after[k] !== 0) g = narrow(g, k, before[k]!, x.shape[k]!);
    return [g];
  });
}

/**
 * Constant padding with torch.nn.functional.pad's convention: `pads` lists (before, after) pairs
 * starting from the LAST dim, e.g. [left, right, top, bottom] for an image.
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim || !pads.every((p) => Number.isInteger(p) && p >= 0)) {
    throw new OpError('pad', `pads [${pads}] must be non-negative integer (before, after) pairs for at most ${x.ndim} dims`);
  }
  const before = x.shape.map(() => 0), after = x.shape.map(() => 0);
  for (let i = 0; i < pads.length / 2; i++) {
    before[x.ndim - 1 - i] = pads[2 * i]!;
    after[x.ndim - 1 - i] = pads[2 * i + 1]!;
  }
  return padDims(x, before, after, value);
}

function checkGatherShapes(op: string, xShape: Shape, dim: number, index: Tensor): number {
  checkIndex(op, index);
  const d = normalizeDim(op, dim, xShape.length);
  if (index.ndim !== xShape.length || index.shape.some((m, k) => k !== d && m > xShape[k]!)) {
    throw new OpError(op, `index ${fmt(index.shape)} must have the ${xShape.length} dims of ${fmt(xShape)} and be no larger outside dim ${dim}`);
  }
  if (index.backend.synchronous) {
    const values = index.backend.readSync(index), n = xShape[d]!;
    for (let i = 0; i < values.length; i++) {
      if (values[i]! < 0 || values[i]! >= n) throw new OpError(op, `index ${values[i]} is out of bounds for dim ${dim} of size ${n} in ${fmt(xShape)}`);
    }
  }
  return d;
}

/** torch.gather: out[i][j] = x[index[i][j]][j] for dim 0 (likewise for other dims). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = checkGatherShapes('gather', x.shape, dim, index);
  const out = wrap(x, x.backend.gather(x, d, index), index.shape);
  return record('gather', [x], out, (dy) => [scatterAddInto(x.shape, d, index, dy)]);
}

/** zeros(shape) with src added at the gathered positions: the adjoint of gather. */
function scatterAddInto(shape: Shape, dim: number, index: Tensor, src: Tensor): Tensor {
  const out = wrap(src, src.backend.scatterAdd(shape, dim, index, src), shape);
  return record('scatterAdd', [src], out, (dy) => [gather(dy, dim, index)]);
}

/** torch.scatter_add: x with src[i][j] added at x[index[i][j]][j] (dim 0). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = checkGatherShapes('scatterAdd', x.shape, dim, index);
  if (src.ndim !== index.ndim || index.shape.some((m, k) => m > src.shape[k]!)) {
    throw new OpError('scatterAdd', `src ${fmt(src.shape)} must be at least as large as index ${fmt(index.shape)}`);
  }
  const trimmed = index.shape.every((m, k) => m === src.shape[k]) ? src : narrowTo(src, index.shape);
  return add(x, scatterAddInto(x.shape, d, index, trimmed));
}

const narrowTo = (x: Tensor, shape: Shape): Tensor =>
  shape.reduce<Tensor>((t, m, k) => (m === t.shape[k] ? t : narrow(t, k, 0, m)), x);
