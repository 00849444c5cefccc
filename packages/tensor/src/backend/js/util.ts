/** Helpers shared by the js reference kernels. */
import type { DType, Shape, TypedArray } from '../kernels.ts';
import { sizeOf } from '../../shape.ts';

export function alloc(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
    default: { const never: never = dtype; throw new Error(`unknown dtype ${String(never)}`); }
  }
}

/**
 * A copy of `x` in a new array of its own type, with `set` (a memcpy): the wasm backend's buffers
 * may be views of its shared heap, where V8's `slice` copies element by element (3× slower here).
 */
export function copyOf<T extends TypedArray>(x: T): T {
  const out = new (x.constructor as new (n: number) => T)(x.length);
  out.set(x as never);
  return out;
}

/**
 * Visit every index of `shape` in row-major order, calling `visit(flat, offsets)` where
 * offsets[j] = Σ idx_k · strides[j][k]: the odometer that every strided loop here shares.
 */
export function forEachOffset(shape: Shape, strides: readonly (readonly number[])[], visit: (flat: number, offsets: readonly number[]) => void): void {
  const n = sizeOf(shape), nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  const offsets = strides.map(() => 0);
  for (let flat = 0; flat < n; flat++) {
    visit(flat, offsets);
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      for (let j = 0; j < strides.length; j++) offsets[j]! += strides[j]![k]!;
      if (idx[k]! < shape[k]!) break;
      for (let j = 0; j < strides.length; j++) offsets[j]! -= strides[j]![k]! * shape[k]!;
      idx[k] = 0;
    }
  }
}
