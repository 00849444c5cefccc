/**
 * The kernel-level cases: matmul, conv2d 3×3 (forward, and forward + both gradients), and the
 * WebAssembly SIMD ceiling. Ours call the wasm backend's kernels on buffers already in its memory;
 * the peer calls TensorFlow.js ops on tensors already on its backend. Both allocate their outputs
 * and free them after each call.
 */
import type { Conv2dParams, View } from '@diffusion-ts/tensor';
import { getEngine, wasmKernels } from '../packages/tensor/src/backend/wasm/index.ts';
import { peakEngine, peakFlopsPerTrip, runPeak } from '../packages/tensor/src/backend/wasm/peak-kernel.ts';
import type { WasmBuf } from '../packages/tensor/src/backend/wasm/index.ts';
import { conv3x3, conv3x3FilterGrad, conv3x3InputGrad, tf } from './peer.ts';

export interface BenchCase {
  readonly name: string;
  readonly unit: string;
  /** Work per call (floating-point operations), and the unit's scale (1e9 for GFLOP/s). */
  readonly work: number;
  readonly scale: number;
  /** Seconds per call rather than milliseconds: fewer warm-up calls and samples. */
  readonly slow?: boolean;
  setup(): void;
  ours(): void;
  peer?: () => void;
  teardown(): void;
}

function randomData(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

const f32 = (buf: WasmBuf, shape: number[]): View<WasmBuf> => ({ buf, shape, dtype: 'float32' });

function matmulCase(n: number): BenchCase {
  let a: View<WasmBuf>, b: View<WasmBuf>, ta: tf.Tensor2D, tb: tf.Tensor2D;
  return {
    name: `matmul ${n}`, unit: 'GFLOP/s', work: 2 * n ** 3, scale: 1e9,
    setup() {
      const A = randomData(n * n, 1), B = randomData(n * n, 2);
      a = f32(wasmKernels.upload(A), [n, n]);
      b = f32(wasmKernels.upload(B), [n, n]);
      ta = tf.tensor2d(A, [n, n]);
      tb = tf.tensor2d(B, [n, n]);
    },
    ours: () => wasmKernels.dispose(wasmKernels.matmul(a, b, [n, n], false, false)),
    peer: () => tf.matMul(ta, tb).dispose(),
    teardown() {
      wasmKernels.dispose(a.buf);
      wasmKernels.dispose(b.buf);
      tf.dispose([ta, tb]);
    },
  };
}

function convCase([N, C, H, W]: [number, number, number, number], backward: boolean): BenchCase {
  const O = C, p: Conv2dParams = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
  const xShape = [N, C, H, W], wShape = [O, C, 3, 3], yShape = [N, O, H, W];
  const forwardFlops = 2 * N * O * C * 9 * H * W;
  let x: View<WasmBuf>, w: View<WasmBuf>, dy: View<WasmBuf>;
  let tx: tf.Tensor4D, tw: tf.Tensor4D, tdy: tf.Tensor4D;
  return {
    name: `conv2d 3x3 ${backward ? 'fwd+bwd' : 'fwd'} [${xShape.join(',')}]`, unit: 'GFLOP/s',
    work: backward ? 3 * forwardFlops : forwardFlops, scale: 1e9,
    setup() {
      const X = randomData(N * C * H * W, 3), Wt = randomData(O * C * 9, 4), DY = randomData(N * O * H * W, 5);
      x = f32(wasmKernels.upload(X), xShape);
      w = f32(wasmKernels.upload(Wt), wShape);
      dy = f32(wasmKernels.upload(DY), yShape);
      // The peer's layouts: NHWC activations, [kH, kW, C, O] filters (same numbers, transposed).
      tx = tf.tidy(() => tf.transpose(tf.tensor4d(X, [N, C, H, W]), [0, 2, 3, 1]));
      tw = tf.tidy(() => tf.transpose(tf.tensor4d(Wt, [O, C, 3, 3]), [2, 3, 1, 0]));
      tdy = tf.tidy(() => tf.transpose(tf.tensor4d(DY, [N, O, H, W]), [0, 2, 3, 1]));
    },
    ours() {
      wasmKernels.dispose(wasmKernels.conv2d(x, w, p, yShape));
      if (backward) {
        wasmKernels.dispose(wasmKernels.conv2dInputGrad(dy, w, p, xShape));
        wasmKernels.dispose(wasmKernels.conv2dWeightGrad(x, dy, p, wShape));
      }
    },
    peer() {
      conv3x3(tx, tw).dispose();
      if (backward) {
        conv3x3InputGrad(tdy, tw).dispose();
        conv3x3FilterGrad(tx, tdy).dispose();
      }
    },
    teardown() {
      for (const v of [x, w, dy]) wasmKernels.dispose(v.buf);
      tf.dispose([tx, tw, tdy]);
    },
  };
}

/** The probe lives in its own engine (built on first use): the engine users load has no peak kernel. */
let probe: ReturnType<typeof peakEngine> | undefined;

function ceilingCase(threads: number): BenchCase {
  const trips = 4_000_000;
  return {
    name: `SIMD ceiling, ${threads} thread${threads > 1 ? 's' : ''}`, unit: 'GFLOP/s',
    work: trips * peakFlopsPerTrip * threads, scale: 1e9,
    setup() {},
    ours: () => runPeak(probe ??= peakEngine({ threads: getEngine().threads }), trips, threads),
    teardown() {},
  };
}

export function coreCases(): BenchCase[] {
  const threads = getEngine().threads;
  return [
    ceilingCase(1),
    ...(threads > 1 ? [ceilingCase(Math.min(threads, 2))] : []),
    matmulCase(256), matmulCase(512), matmulCase(1024),
    convCase([8, 64, 32, 32], false), convCase([8, 128, 16, 16], false),
    convCase([8, 64, 32, 32], true), convCase([8, 128, 16, 16], true),
  ];
}
