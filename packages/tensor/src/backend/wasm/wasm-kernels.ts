/**
 * `wasmKernels`: the whole kernel contract on the wasm engine.
 *
 * Storage. A tensor's buffer is a `Float32Array`, as on `js`. Kernel outputs and uploads come from
 * the output pool, whose buffers are views of the engine's shared memory (the heap:
 * `heap-storage.ts`), so a kernel reads its operands and writes its result where they stay. Any
 * other array (float64 and int32, a pool past its bound, a buffer from a replaced engine) is copied
 * into a block of the heap for the call and its result copied out (`staged`). The heap once held only
 * the operands of one call: its blocks could be returned only by `dispose()` or a
 * FinalizationRegistry callback, and those callbacks run only when the event loop turns, which a
 * synchronous training or sampling loop never lets it do, so the heap grew by the whole autograd
 * graph every step. The pool (which counts owners and gets disposed buffers back) and the storage's
 * bound (past which outputs are plain arrays again) now keep it in check; the copies, one memcpy
 * per operand, had come to cost as much as the arithmetic of a small convolution.
 *
 * What runs where: float32 matmul and conv2d (forward and both gradients) on the generated SIMD
 * GEMM across threads; the float32 unary kernels of `unary-kernel.ts` (generated SIMD, split across the threads)
 * where the arithmetic outweighs the copies; float32 add/sub/mul/div of large operands of one length,
 * backward's in-place gradient sums and softmax's backward on generated SIMD on the main thread (V8's
 * scalar loops cost 2–3 ns an element here, the copies a fraction of that); broadcasting
 * arithmetic, reductions and layout copies as the row loops of `loops.ts`; softmax and group norm
 * (with its SiLU) on their generated kernels; everything else, and float64/int32, the `js` reference loops.
 */

import type { BinaryCode, Conv2dParams, Kernels, Shape, TypedArray, UnaryCode, View } from '../kernels.ts';
import { jsKernels } from '../js/index.ts';
import { broadcastStrides, sizeOf } from '../../shape.ts';
import { conv2dBiasGrad, conv2dForward, conv2dInputGrad, conv2dWeightGrad } from './conv2d.ts';
import type { ConvShape } from './conv2d.ts';
import { getEngine } from './engine.ts';
import type { Engine } from './engine.ts';
import type { Push } from './commands.ts';
import * as loops from './loops.ts';
import { runGemms, splitRange } from './sgemm.ts';
import { nativeUnaryCodes, siluBackwardKernel, unaryKernels, type NativeUnaryCode } from './unary-kernel.ts';
import { softmaxBackwardKernel, softmaxKernel } from './softmax-kernel.ts';
import { binaryKernels, nativeBinaryCodes, type NativeBinaryCode } from './binary-kernel.ts';
import { groupNormBackwardKernel, groupNormKernel } from './group-norm-kernel.ts';
import type { GemmProblem } from './sgemm.ts';
import { allocOutput, outputPool } from './buffer-pool.ts';
import { adamStep } from '../js/optim.ts';
import { concat } from '../js/layout.ts';
import { softmaxBackward as jsSoftmaxBackward } from '../js/softmax.ts';

/** A tensor's storage on this backend: a typed array, as on `js`. */
export type WasmBuf = TypedArray;

/**
 * Run `body` on the heap addresses of `inputs`, with an output block of `outLength` float32s, and
 * return the output in a Float32Array from the output pool (`buffer-pool.ts`), all of it overwritten,
 * or in `into` when given (an in-place update: `into` may be one of the inputs).
 * `elementwise`: output element i depends only on input elements i, so `into` may be written where
 * it lives even when it is an input.
 *
 * Operands already in this engine's heap (`heap-storage.ts`: the pool's buffers) are read where
 * they are, and a pooled output there is written where it stays; any other operand is copied into a
 * block of its own first, and any other output copied out of one after. Every block this call
 * allocates is released before it returns, and on error the output goes back to the pool.
 */
export function staged(inputs: readonly TypedArray[], outLength: number, body: (engine: Engine, ptrs: readonly number[], out: number) => void, into?: Float32Array, elementwise = false): Float32Array {
  const engine = getEngine(), heap = engine.heap, storage = outputPool.storage;
  const owned: number[] = [];
  const block = (bytes: number): number => {
    const ptr = heap.alloc(bytes);
    owned.push(ptr);
    return ptr;
  };
  // The output first: making it may grow the memory, and so may each block below.
  const result = into ?? outputPool.take(outLength);
  try {
    const resident = (x: TypedArray): number | undefined => storage?.addressIn(x, heap);
    const at = inputs.map(resident);
    const ptrs = at.map((ptr, i) => ptr ?? block(4 * inputs[i]!.length));
    // Otherwise `into` gets a block of its own, as it may be one of the inputs.
    const direct = into === undefined || elementwise ? resident(result) : undefined;
    const out = direct ?? block(4 * outLength);
    // Copy only after every alloc: an alloc may grow the memory and replace the views.
    at.forEach((ptr, i) => { if (ptr === undefined) heap.f32.set(inputs[i]!, ptrs[i]! >> 2); });
    body(engine, ptrs, out);
    // Not `heap.f32.slice(…)`: on a SharedArrayBuffer V8 copies a slice element by element (6.7 ms
    // for 2 MB here), while `set` from a subarray is a plain memcpy (0.24 ms, allocation included).
    if (direct === undefined) result.set(heap.f32.subarray(out >> 2, (out >> 2) + outLength));
    return result;
  } catch (error) {
    if (into === undefined) outputPool.release(result);
    throw error;
  } finally {
    for (const p of owned) heap.release(p);
  }
}

function matmul(a: View<WasmBuf>, b: View<WasmBuf>, outShape: Shape, transA: boolean, transB: boolean): WasmBuf {
  if (a.dtype !== 'float32') return jsKernels.matmul(a, b, outShape, transA, transB);
  const nd = outShape.length, m = outShape[nd - 2]!, n = outShape[nd - 1]!;
  const k = a.shape[a.shape.length - (transA ? 2 : 1)]!;
  return staged([a.buf, b.buf], sizeOf(outShape), (engine, [pa, pb], out) => {
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
        a: pa! + 4 * ia * m * k, rsA: transA ? 1 : k, csA: transA ? m : 1,
        b: pb! + 4 * ib * k * n, rsB: transB ? 1 : n, csB: transB ? k : 1,
        c: out + 4 * i * m * n, ldc: n, accumulate: false,
      });
      for (let d = batch.length - 1; d >= 0 && ++idx[d]! === batch[d]!; d--) idx[d] = 0;
    }
    runGemms(engine, problems);
  });
}

/**
 * Below this many elements (about 10 µs of the cheapest generated kernel) a memory-bound kernel runs
 * on the calling thread alone: a worker's share would cost more to hand over than to run here.
 */
const PARALLEL_MIN = 1 << 13;
/** Above it, the work is cut into about this many tasks per thread, so whichever thread is free takes the next. */
const TASKS_PER_THREAD = 4;

/**
 * Run `queue(push, i0, i1)` over [0, n) in ranges whose boundaries are multiples of `unit`: on the
 * calling thread alone when `elements` (the work's size) is below `PARALLEL_MIN`, else as tasks that
 * whichever thread is free takes (the caller runs tasks too, so a worker that is slow to wake, or
 * kept off its core by another process, costs no more than running everything here).
 */
function runSplit(engine: Engine, elements: number, n: number, unit: number, queue: (push: Push, i0: number, i1: number) => void): void {
  if (engine.threads === 1 || elements < PARALLEL_MIN) {
    queue((kernel, args) => engine.push(0, kernel, args), 0, n);
    engine.flush();
    return;
  }
  const parts = Math.min(TASKS_PER_THREAD * engine.threads, Math.ceil(elements / PARALLEL_MIN));
  for (const [i0, i1] of splitRange(n, parts, unit)) engine.addTask((push) => queue(push, i0, i1));
  engine.runTasks();
}

/** float32 exp, sigmoid, … on the generated SIMD kernels, split across the threads; the rest via `js`. */
function unary(code: UnaryCode, x: View<WasmBuf>): WasmBuf {
  if (x.dtype !== 'float32' || !(nativeUnaryCodes as readonly UnaryCode[]).includes(code)) return jsKernels.unary(code, x);
  const kernel = unaryKernels[code as NativeUnaryCode];
  const n = x.buf.length;
  return staged([x.buf], n, (engine, [src], dst) =>
    runSplit(engine, n, n, 16, (push, n0, n1) => push(kernel, { src: src! + 4 * n0, dst: dst + 4 * n0, n: n1 - n0 })));
}

/** SiLU's derivative applied to dy, on the generated SIMD kernel split across the threads. */
function siluBackward(x: View<WasmBuf>, dy: View<WasmBuf>): WasmBuf {
  if (x.dtype !== 'float32') return jsKernels.siluBackward(x, dy);
  const n = x.buf.length;
  return staged([x.buf, dy.buf], n, (engine, [px, pdy], dst) =>
    runSplit(engine, n, n, 16, (push, n0, n1) => push(siluBackwardKernel, { x: px! + 4 * n0, dy: pdy! + 4 * n0, dst: dst + 4 * n0, n: n1 - n0 })));
}

/** Softmax along the last dim of float32 rows whose length is a multiple of 4 on the generated kernel, split by rows; else `js`. */
function softmax(x: View<WasmBuf>, dim: number): WasmBuf {
  const n = x.shape[dim] ?? 0, total = x.buf.length;
  if (x.dtype !== 'float32' || dim !== x.shape.length - 1 || n % 4 !== 0 || total === 0) return jsKernels.softmax(x, dim);
  return staged([x.buf], total, (engine, [src], dst) =>
    runSplit(engine, total, total / n, 1, (push, r0, r1) => push(softmaxKernel, { src: src! + 4 * r0 * n, dst: dst + 4 * r0 * n, rows: r1 - r0, n })));
}

/**
 * Below this many elements a float32 add/sub/mul/div stays a js row loop on the main thread (the
 * copies and the call cost more than they save: 30 µs against 19 at 8,192 elements, level at
 * 4,096); from it, operands of the output's length (no broadcasting) go to the generated SIMD kernel.
 */
const NATIVE_BINARY_MIN = 1 << 13;

/**
 * dst = a ∘ b on the engine, both of length n: into a pooled output, or into `into`. On the main
 * thread only: the copies in and out are most of the time and only this thread can make them, and
 * waking a worker for the rest cost more than it saved at every size measured (16 Ki to 1 Mi
 * elements: bench/README.md, "2026-12-06, late"). The softmax backward below runs the same way.
 */
function nativeBinary(code: NativeBinaryCode, a: Float32Array, b: Float32Array, into?: Float32Array): Float32Array {
  return staged([a, b], a.length, (engine, [pa, pb], dst) => {
    engine.push(0, binaryKernels[code], { a: pa!, b: pb!, dst, n: a.length });
    engine.flush();
  }, into, true);
}

const isNativeBinary = (code: BinaryCode): code is NativeBinaryCode => (nativeBinaryCodes as readonly BinaryCode[]).includes(code);

/** Broadcasting arithmetic: large same-length float32 operands on the engine, the rest as the row loops of `loops.ts`. */
function binary(code: BinaryCode, a: View<WasmBuf>, b: View<WasmBuf>, outShape: Shape): WasmBuf {
  const n = sizeOf(outShape);
  if (n >= NATIVE_BINARY_MIN && a.buf instanceof Float32Array && b.buf instanceof Float32Array && a.buf.length === n && b.buf.length === n && isNativeBinary(code)) {
    return nativeBinary(code, a.buf, b.buf);
  }
  return loops.binary(code, a, b, outShape);
}

/**
 * acc += x in place (`Kernels.accumulate`), only when acc's buffer is a float32 output of the pool
 * that no other tensor owns (a view made by `reshape` or `detach`, or a tensor dropped without
 * `dispose`, counts as another owner) and x is not that same buffer; otherwise false, and nothing changed.
 */
function accumulate(acc: View<WasmBuf>, x: View<WasmBuf>): boolean {
  const A = acc.buf, X = x.buf;
  if (!(A instanceof Float32Array) || !(X instanceof Float32Array) || A.length !== X.length || A === X || outputPool.ownersOf(A) !== 1) return false;
  if (A.length >= NATIVE_BINARY_MIN) nativeBinary('add', A, X, A);
  else loops.addInto(A, X);
  return true;
}

/**
 * Softmax's backward along the last dim of float32 rows whose length is a multiple of 4 on the
 * generated kernel, on the main thread (as `nativeBinary`: 0.50–0.55 ms against 0.61–0.65 split
 * across two threads for attention's [8, 256, 256]); else `js`, into a pooled output.
 */
function softmaxBackward(y: View<WasmBuf>, dy: View<WasmBuf>, dim: number): WasmBuf {
  const n = y.shape[dim] ?? 0, total = y.buf.length;
  if (y.dtype !== 'float32' || dim !== y.shape.length - 1 || n % 4 !== 0 || total === 0) return jsSoftmaxBackward(y, dy, dim, allocOutput);
  return staged([y.buf, dy.buf], total, (engine, [py, pdy], dst) => {
    engine.push(0, softmaxBackwardKernel, { y: py!, dy: pdy!, dst, rows: total / n, n });
    engine.flush();
  });
}

/** eps as the bits of a float32, for a command argument. */
const f32Bits = (v: number): number => new Int32Array(Float32Array.of(v).buffer)[0]!;

/**
 * Group norm's operands on the engine: x (and dy), with a null weight as ones and a null bias as
 * zeros; null where the generated kernels do not apply (not float32, or S not a multiple of 4).
 */
function groupNormOperands(x: View<WasmBuf>, weight: View<WasmBuf> | null, bias: View<WasmBuf> | null, groups: number) {
  const [N, C] = x.shape as [number, number], S = x.shape.slice(2).reduce((p, d) => p * d, 1);
  if (x.dtype !== 'float32' || S % 4 !== 0 || N * C * S === 0) return null;
  const w = weight?.buf ?? new Float32Array(C).fill(1), b = bias?.buf ?? new Float32Array(C);
  return { N, C, S, perGroup: C / groups, blocks: N * groups, w, b };
}

function groupNorm(x: View<WasmBuf>, weight: View<WasmBuf> | null, bias: View<WasmBuf> | null, groups: number, eps: number, silu: boolean): WasmBuf {
  const o = groupNormOperands(x, weight, bias, groups);
  if (o === null) return jsKernels.groupNorm(x, weight, bias, groups, eps, silu);
  return staged([x.buf, o.w, o.b], x.buf.length, (engine, [px, pw, pb], dst) =>
    runSplit(engine, x.buf.length, o.blocks, 1, (push, b0, b1) =>
      push(groupNormKernel, { x: px!, w: pw!, b: pb!, dst, b0, b1, perGroup: o.perGroup, S: o.S, groups, epsBits: f32Bits(eps), silu: silu ? 1 : 0 })));
}

function groupNormBackward(dy: View<WasmBuf>, x: View<WasmBuf>, weight: View<WasmBuf> | null, bias: View<WasmBuf> | null, groups: number, eps: number, silu: boolean): [WasmBuf, WasmBuf, WasmBuf] {
  const o = groupNormOperands(x, weight, bias, groups);
  if (o === null) return jsKernels.groupNormBackward(dy, x, weight, bias, groups, eps, silu);
  const dw = new Float64Array(o.C), db = new Float64Array(o.C);
  const dx = staged([x.buf, o.w, o.b, dy.buf], x.buf.length, (engine, [px, pw, pb, pdy], dst) => {
    const sums = engine.heap.alloc(16 * o.N * o.C); // (Σ g, Σ g·x̂) per sample and channel, f64
    try {
      runSplit(engine, x.buf.length, o.blocks, 1, (push, b0, b1) =>
        push(groupNormBackwardKernel, { x: px!, w: pw!, b: pb!, dy: pdy!, dst, sums, b0, b1, perGroup: o.perGroup, S: o.S, groups, epsBits: f32Bits(eps), silu: silu ? 1 : 0 }));
      const f64 = new Float64Array(engine.heap.f32.buffer, sums, 2 * o.N * o.C);
      for (let n = 0; n < o.N; n++) for (let c = 0; c < o.C; c++) { db[c]! += f64[2 * (n * o.C + c)]!; dw[c]! += f64[2 * (n * o.C + c) + 1]!; }
    } finally {
      engine.heap.release(sums);
    }
  });
  return [dx, Float32Array.from(dw), Float32Array.from(db)];
}

function convShape(xShape: Shape, wShape: Shape, yShape: Shape, p: Conv2dParams): ConvShape {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, , kH, kW] = wShape as [number, number, number, number];
  const [, , oH, oW] = yShape as [number, number, number, number];
  return { N, C, H, W, O, kH, kW, oH, oW, p };
}

export const wasmKernels: Kernels<WasmBuf> = {
  ...jsKernels,
  name: 'wasm',
  synchronous: true,
  garbageCollected: true,
  // Outputs come from a bounded pool; `dispose` gives a buffer back once no tensor owns it.
  dispose: (buf) => outputPool.release(buf),
  share: (buf) => { outputPool.share(buf); return buf; },
  trimPool: () => outputPool.trim(),
  // float32 data goes into a pooled buffer (in the heap, where kernels read it without a copy).
  upload: (data) => {
    if (!(data instanceof Float32Array)) return data.slice();
    const out = outputPool.take(data.length);
    out.set(data);
    return out;
  },

  unary,
  siluBackward,
  softmax,
  groupNorm,
  groupNormBackward,
  adamStep: (param, grad, m, v, h) => adamStep(param, grad, m, v, h, allocOutput),
  softmaxBackward,
  binary,
  accumulate,
  reduce: loops.reduce,
  strided: loops.strided,
  concat: (xs, dim, outShape) => concat(xs, dim, outShape, allocOutput),
  pad: loops.pad,

  matmul,
  conv2d(x, w, p, outShape, bias) {
    if (x.dtype !== 'float32') return jsKernels.conv2d(x, w, p, outShape, bias);
    const inputs = bias === null ? [x.buf, w.buf] : [x.buf, w.buf, bias.buf];
    return staged(inputs, sizeOf(outShape), (engine, [px, pw, pb], out) =>
      conv2dForward(engine, px!, pw!, out, convShape(x.shape, w.shape, outShape, p), bias === null ? null : { at: pb!, perImage: bias.shape.length === 2 }));
  },
  conv2dBiasGrad(dy, perImage) {
    if (dy.dtype !== 'float32') return jsKernels.conv2dBiasGrad(dy, perImage);
    const [N, O, oH, oW] = dy.shape as [number, number, number, number];
    return staged([dy.buf], perImage ? N * O : O, (engine, [pdy], out) => conv2dBiasGrad(engine, pdy!, out, N, O, oH * oW, perImage));
  },
  conv2dInputGrad(dy, w, p, xShape) {
    if (dy.dtype !== 'float32') return jsKernels.conv2dInputGrad(dy, w, p, xShape);
    return staged([dy.buf, w.buf], sizeOf(xShape), (engine, [pdy, pw], out) =>
      conv2dInputGrad(engine, pdy!, pw!, out, convShape(xShape, w.shape, dy.shape, p)));
  },
  conv2dWeightGrad(x, dy, p, wShape) {
    if (x.dtype !== 'float32') return jsKernels.conv2dWeightGrad(x, dy, p, wShape);
    return staged([x.buf, dy.buf], sizeOf(wShape), (engine, [px, pdy], out) =>
      conv2dWeightGrad(engine, px!, pdy!, out, convShape(x.shape, wShape, dy.shape, p)));
  },
};
