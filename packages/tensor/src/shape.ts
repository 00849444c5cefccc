/** Shapes, strides, broadcasting and dimension arithmetic, shared by every op. */
import type { Shape } from './backend/kernels.ts';

/** An error raised by an op, its message starting with the op's name: `matmul: [2,3] @ [4,5]: …`. */
export class OpError extends Error {
  constructor(readonly op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'OpError';
  }
}

export const fmt = (shape: Shape): string => `[${shape.join(',')}]`;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) strides. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy broadcasting: align trailing dims; each pair must be equal or contain a 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const ndim = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const k = ndim - s.length + i, d = s[i]!;
      if (d === out[k] || d === 1) continue;
      if (out[k] === 1) out[k] = d;
      else throw new OpError(op, `shapes ${shapes.map(fmt).join(' and ')} cannot be broadcast (dim ${k - ndim}: ${out[k]} vs ${d})`);
    }
  }
  return out;
}

/**
 * Strides that read an input of `shape` as if broadcast to `outShape`: 0 along broadcast dims.
 * Used by the kernels of every backend.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape), offset = outShape.length - shape.length;
  return outShape.map((_, k) => (k < offset || shape[k - offset] === 1 ? 0 : own[k - offset]!));
}

/** Turn a possibly negative dim into an index in [0, ndim), or throw naming the op. */
export function normalizeDim(op: string, dim: number, ndim: number): number {
  if (!Number.isInteger(dim) || dim < -Math.max(ndim, 1) || dim >= Math.max(ndim, 1)) {
    throw new OpError(op, `dim ${dim} is out of range for a tensor with ${ndim} dims`);
  }
  return dim < 0 ? dim + ndim : dim;
}

/** Normalise a dim list (undefined = all dims), sorted and without repeats. */
export function normalizeDims(op: string, dims: number | readonly number[] | undefined, ndim: number): number[] {
  if (dims === undefined) return [...Array(ndim).keys()];
  const list = (typeof dims === 'number' ? [dims] : dims).map((d) => normalizeDim(op, d, ndim));
  const sorted = [...new Set(list)].sort((a, b) => a - b);
  if (sorted.length !== list.length) throw new OpError(op, `dims [${dims}] repeat a dim`);
  return sorted;
}

/** Check that every entry is a non-negative integer. */
export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new OpError(op, `invalid shape ${JSON.stringify(shape)}: sizes must be non-negative integers`);
  }
}
