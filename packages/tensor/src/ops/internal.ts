/** Plumbing shared by the op files: wrapping kernel results and checking operands. */
import type { BinaryCode, DType, Shape } from '../backend/kernels.ts';
import { Tensor, type TensorLike } from '../tensor-core.ts';
import { broadcastShapes, fmt, OpError } from '../shape.ts';

/** Wrap a buffer made by `like`'s backend into a tensor. */
export const wrap = (like: Tensor, buf: unknown, shape: Shape, dtype: DType = like.dtype): Tensor =>
  new Tensor(buf, shape, dtype, like.backend);

/** A number becomes a 0-d tensor of `like`'s dtype and backend. */
export const scalarLike = (value: number, like: Tensor): Tensor =>
  wrap(like, like.backend.fill([], like.dtype, value), []);

/**
 * Bring two operands of a binary op to tensors on one backend with one dtype. Unlike PyTorch,
 * dtypes are never promoted silently: mixing float32 and float64 is an error that says so.
 */
export function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new OpError(op, 'needs at least one tensor operand, got two numbers');
  const ta = typeof a === 'number' ? scalarLike(a, b as Tensor) : a;
  const tb = typeof b === 'number' ? scalarLike(b, ta) : b;
  checkCompatible(op, ta, tb);
  return [ta, tb];
}

export function checkCompatible(op: string, ...ts: Tensor[]): void {
  const [first, ...rest] = ts;
  for (const t of rest) {
    if (t.dtype !== first!.dtype) {
      throw new OpError(op, `dtypes differ: ${first!.dtype}${fmt(first!.shape)} and ${t.dtype}${fmt(t.shape)}; convert one with .to('${first!.dtype}')`);
    }
    if (t.backend !== first!.backend) {
      throw new OpError(op, `tensors live on different backends ('${first!.backend.name}' and '${t.backend.name}'); move one with .to('${first!.backend.name}')`);
    }
  }
}

/** Check that an index tensor is int32. */
export function checkIndex(op: string, index: Tensor): void {
  if (index.dtype !== 'int32') throw new OpError(op, `index must be int32, got ${index.dtype}${fmt(index.shape)}`);
}

/** Run a broadcasting binary kernel on two operands (numbers become scalars of the tensor's dtype). */
export function binaryForward(code: BinaryCode, a: TensorLike, b: TensorLike): [Tensor, Tensor, Tensor] {
  const [ta, tb] = operands(code, a, b);
  const shape = broadcastShapes(code, ta.shape, tb.shape);
  return [ta, tb, wrap(ta, ta.backend.binary(code, ta, tb, shape), shape)];
}
