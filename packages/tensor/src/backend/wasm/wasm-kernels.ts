/**
 * `wasmKernels`: the whole kernel contract on the wasm engine. Buffers live in the engine's shared
 * memory. float32 matmul and conv2d (forward and both gradients) run on the generated SIMD kernels
 * across threads; every other kernel, and every float64/int32 one, runs the `js` reference loops on
 * typed-array views of that memory and copies the result in.
 */

import type { Conv2dParams, DType, Kernels, Shape, TypedArray, View } from '../kernels.ts';
import { jsKernels } from '../js/index.ts';
import { broadcastStrides, sizeOf, stridesOf } from '../../shape.ts';
import { conv2dForward, conv2dInputGrad, conv2dWeightGrad } from './conv2d.ts';
import type { ConvShape } from './conv2d.ts';
import { getEngine } from './engine.ts';
import type { Engine } from './engine.ts';
import { runGemms } from './sgemm.ts';
import type { GemmProblem } from './sgemm.ts';

/** A block of the engine's memory holding one tensor's elements. */
export class WasmBuf {
  disposed = false;
  constructor(
    /** Byte address in the engine's heap. */
    readonly ptr: number,
    readonly byteLength: number,
  ) {}
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };

/** Blocks of buffers that were garbage-collected without `dispose` go back to the heap. */
const forgotten = new FinalizationRegistry<number>((ptr) => getEngine().heap.release(ptr));

function allocBuf(engine: Engine, dtype: DType, length: number): WasmBuf {
  const byteLength = BYTES[dtype] * length;
  const buf = new WasmBuf(engine.heap.alloc(byteLength), byteLength);
  forgotten.register(buf, buf.ptr, buf);
  return buf;
}

/** A typed array over the buffer's elements (valid until the memory next grows). */
function viewOf(engine: Engine, buf: WasmBuf, dtype: DType, length: number): TypedArray {
  if (buf.disposed) throw new Error('wasm: use of a disposed buffer');
  const heap = engine.heap;
  switch (dtype) {
    case 'float32': return heap.f32.subarray(buf.ptr >> 2, (buf.ptr >> 2) + length);
    case 'float64': return heap.f64.subarray(buf.ptr >> 3, (buf.ptr >> 3) + length);
    case 'int32': return heap.i32.subarray(buf.ptr >> 2, (buf.ptr >> 2) + length);
    default: { const never: never = dtype; throw new Error(`wasm: unknown dtype ${String(never)}`); }
  }
}

function upload(data: TypedArray): WasmBuf {
  const engine = getEngine();
  const dtype: DType = data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : 'int32';
  const buf = allocBuf(engine, dtype, data.length);
  viewOf(engine, buf, dtype, data.length).set(data);
  return buf;
}

/** The `js` view of a kernel argument: same shape and dtype, storage a typed array over our memory. */
function js(x: View<WasmBuf>): View<TypedArray> {
  return { buf: viewOf(getEngine(), x.buf, x.dtype, sizeOf(x.shape)), shape: x.shape, dtype: x.dtype };
}

/** Run a `js` kernel on views of our memory and copy its result in. */
const viaJs = (result: TypedArray): WasmBuf => upload(result);

function matmul(a: View<WasmBuf>, b: View<WasmBuf>, outShape: Shape, transA: boolean, transB: boolean): WasmBuf {
  if (a.dtype !== 'float32') return viaJs(jsKernels.matmul(js(a), js(b), outShape, transA, transB));
  const engine = getEngine();
  const nd = outShape.length, m = outShape[nd - 2]!, n = outShape[nd - 1]!;
  const k = a.shape[a.shape.length - (transA ? 2 : 1)]!;
  const out = allocBuf(engine, 'float32', sizeOf(outShape));
  // Batch offsets in whole matrices, 0 along broadcast dims, walked with an odometer.
  const batch = outShape.slice(0, -2);
  const sa = broadcastStrides(a.shape.slice(0, -2), batch), sb = broadcastStrides(b.shape.slice(0, -2), batch);
  const count = sizeOf(batch), idx = new Array<number>(batch.length).fill(0);
  const problems: GemmProblem[] = [];
  for (let i = 0; i < count; i++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < batch.length; d++) { ia += idx[d]! * sa[d]!; ib += idx[d]! * sb[d]!; }
    problems.push({
      m, n, k,
      a: a.buf.ptr + 4 * ia * m * k, rsA: transA ? 1 : k, csA: transA ? m : 1,
      b: b.buf.ptr + 4 * ib * k * n, rsB: transB ? 1 : n, csB: transB ? k : 1,
      c: out.ptr + 4 * i * m * n, ldc: n, accumulate: false,
    });
    for (let d = batch.length - 1; d >= 0 && ++idx[d]! === batch[d]!; d--) idx[d] = 0;
  }
  runGemms(engine, problems);
  return out;
}

function convShape(xShape: Shape, wShape: Shape, yShape: Shape, p: Conv2dParams): ConvShape {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, , kH, kW] = wShape as [number, number, number, number];
  const [, , oH, oW] = yShape as [number, number, number, number];
  return { N, C, H, W, O, kH, kW, oH, oW, p };
}

export const wasmKernels: Kernels<WasmBuf> = {
  name: 'wasm',
  synchronous: true,

  upload,
  readSync: (x) => js(x).buf.slice(),
  read: async (x) => js(x).buf.slice(),
  dispose(buf) {
    if (buf.disposed) return;
    buf.disposed = true;
    forgotten.unregister(buf);
    getEngine().heap.release(buf.ptr);
  },

  fill(shape, dtype, value) {
    const engine = getEngine(), length = sizeOf(shape);
    const buf = allocBuf(engine, dtype, length);
    viewOf(engine, buf, dtype, length).fill(value);
    return buf;
  },
  cast: (x, dtype) => viaJs(jsKernels.cast(js(x), dtype)),
  unary: (code, x) => viaJs(jsKernels.unary(code, js(x))),
  binary: (code, a, b, outShape) => viaJs(jsKernels.binary(code, js(a), js(b), outShape)),
  where: (cond, a, b, outShape) => viaJs(jsKernels.where(js(cond), js(a), js(b), outShape)),
  reduce: (code, x, dims) => viaJs(jsKernels.reduce(code, js(x), dims)),
  argReduce: (code, x, dim) => viaJs(jsKernels.argReduce(code, js(x), dim)),

  strided: (x, outShape, strides, offset) => viaJs(jsKernels.strided(js(x), outShape, strides, offset)),
  concat: (xs, dim, outShape) => viaJs(jsKernels.concat(xs.map(js), dim, outShape)),
  pad: (x, before, after, value) => viaJs(jsKernels.pad(js(x), before, after, value)),
  gather: (x, dim, index) => viaJs(jsKernels.gather(js(x), dim, js(index))),
  scatterAdd: (outShape, dim, index, src) => viaJs(jsKernels.scatterAdd(outShape, dim, js(index), js(src))),

  matmul,
  conv2d(x, w, p, outShape) {
    if (x.dtype !== 'float32') return viaJs(jsKernels.conv2d(js(x), js(w), p, outShape));
    const engine = getEngine(), out = allocBuf(engine, 'float32', sizeOf(outShape));
    conv2dForward(engine, x.buf.ptr, w.buf.ptr, out.ptr, convShape(x.shape, w.shape, outShape, p));
    return out;
  },
  conv2dInputGrad(dy, w, p, xShape) {
    if (dy.dtype !== 'float32') return viaJs(jsKernels.conv2dInputGrad(js(dy), js(w), p, xShape));
    const engine = getEngine(), out = allocBuf(engine, 'float32', sizeOf(xShape));
    conv2dInputGrad(engine, dy.buf.ptr, w.buf.ptr, out.ptr, convShape(xShape, w.shape, dy.shape, p));
    return out;
  },
  conv2dWeightGrad(x, dy, p, wShape) {
    if (x.dtype !== 'float32') return viaJs(jsKernels.conv2dWeightGrad(js(x), js(dy), p, wShape));
    const engine = getEngine(), out = allocBuf(engine, 'float32', sizeOf(wShape));
    conv2dWeightGrad(engine, x.buf.ptr, dy.buf.ptr, out.ptr, convShape(x.shape, wShape, dy.shape, p));
    return out;
  },
};

/** Row-major strides, re-exported for callers that build `strided` arguments against this backend. */
export { stridesOf };
