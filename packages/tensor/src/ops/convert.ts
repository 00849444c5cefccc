/** Changing dtype or backend, and copying. */
import type { BackendName, DType, Kernels } from '../backend/kernels.ts';
import { findBackend } from '../backend/registry.ts';
import { Tensor } from '../tensor-core.ts';
import { record } from '../autograd.ts';
import { isFloat } from '../dtype.ts';
import { stridesOf } from '../shape.ts';
import { wrap } from './internal.ts';

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/** `x.to('float64')` converts dtype; `x.to('wasm')` moves to a backend. Gradients flow back through both. */
export function to(x: Tensor, target: DType | BackendName | Kernels): Tensor {
  if (typeof target === 'string' && (DTYPES as readonly string[]).includes(target)) {
    const dtype = target as DType;
    if (dtype === x.dtype) return x;
    const out = wrap(x, x.backend.cast(x, dtype), x.shape, dtype);
    return isFloat(dtype) ? record('cast', [x], out, (dy) => [to(dy, x.dtype)]) : out;
  }
  const backend = typeof target === 'string' ? findBackend(target, 'to') : target;
  if (backend === x.backend) return x;
  const out = new Tensor(backend.upload(x.backend.readSync(x)), x.shape, x.dtype, backend);
  return record('to', [x], out, (dy) => [to(dy, x.backend)]);
}

/** A copy with its own storage. */
export function clone(x: Tensor): Tensor {
  const out = wrap(x, x.backend.strided(x, x.shape, stridesOf(x.shape), 0), x.shape);
  return record('clone', [x], out, (dy) => [dy]);
}
