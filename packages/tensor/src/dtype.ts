/** dtypes: float32 (default), float64 (the reference backend's gradient checks), int32 (indices). */
import type { DType, TypedArray } from './backend/kernels.ts';

export const dtypeOf = (data: TypedArray): DType =>
  data instanceof Float64Array ? 'float64' : data instanceof Int32Array ? 'int32' : 'float32';

export const isFloat = (dtype: DType): boolean => dtype !== 'int32';

export function typedArrayFor(dtype: DType, values: ArrayLike<number>): TypedArray {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int32': return Int32Array.from(values, (v) => Math.trunc(v));
    default: { const never: never = dtype; throw new Error(`unknown dtype ${String(never)}`); }
  }
}
