/**
 * The kernel-level cases: matmul, conv2d 3×3 (forward, and forward + both gradients), and the
 * WebAssembly SIMD ceiling. Ours call a backend's kernels (the `wasm` backend's unless told) on
 * buffers already in its memory; the peer calls TensorFlow.js ops on tensors already on its current
 * backend. Both allocate their outputs and free them after each call; on an asynchronous backend
 * (gpu, TF.js webgpu) a call ends with an awaited read of its results, the only way to see the
 * device finish, so such calls return a promise.
 */
import type { Conv2dParams, Kernels, View } from '@diffusion-ts/tensor';
import { getEngine, peakEngine, peakFlopsPerTrip, runPeak, wasmKernels } from '@diffusion-ts/tensor/internal';
import { conv3x3, conv3x3FilterGrad, conv3x3InputGrad, finishPeer, peerConvGrads, tf } from './peer.ts';

export interface BenchCase {
  readonly name: string;
  readonly unit: string;
  /** Work per call (floating-point operations), and the unit's scale (1e9 for GFLOP/s). */
  readonly work: number;
  readonly scale: number;
  /** Seconds per call rather than milliseconds: fewer warm-up calls and samples. */
  readonly slow?: boolean;
  setup(): void;
  /** One call of ours; a promise on an asynchronous backend. */
  ours(): void | Promise<void>;
  peer?: () => void | Promise<void>;
  teardown(): void;
  /** Wait, outside the clock, for device work a timed call may leave queued (the U-Net's optimizer step). */
  settle?: () => Promise<void>;
}

/** Which sides a case builds: ours on `kernels` (none if null), and the peer on TF.js's current backend. */
export interface Sides {
  readonly kernels?: Kernels | null;
  readonly peer?: boolean;
}

function randomData(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

const f32 = <B>(buf: B, shape: number[]): View<B> => ({ buf, shape, dtype: 'float32' });

/** End a call of ours on its results: on an asynchronous backend await a read of every one; then free them. */
function finishOurs<B>(k: Kernels<B>, results: View<B>[]): void | Promise<void> {
  if (k.synchronous) return results.forEach((r) => k.dispose(r.buf));
  return Promise.all(results.map((r) => k.read(r))).then(() => results.forEach((r) => k.dispose(r.buf)));
}

export function matmulCase(n: number, { kernels = wasmKernels as unknown as Kernels, peer = true }: Sides = {}): BenchCase {
  const k = kernels as Kernels<unknown> | null;
  let a: View<unknown>, b: View<unknown>, ta: tf.Tensor2D, tb: tf.Tensor2D;
  return {
    name: `matmul ${n}`, unit: 'GFLOP/s', work: 2 * n ** 3, scale: 1e9,
    setup() {
      const A = randomData(n * n, 1), B = randomData(n * n, 2);
      if (k) {
        a = f32(k.upload(A), [n, n]);
        b = f32(k.upload(B), [n, n]);
      }
      if (peer) {
        ta = tf.tensor2d(A, [n, n]);
        tb = tf.tensor2d(B, [n, n]);
      }
    },
    ours: () => finishOurs(k!, [f32(k!.matmul(a, b, [n, n], false, false), [n, n])]),
    peer: peer ? () => finishPeer([tf.matMul(ta, tb)]) : undefined,
    teardown() {
      if (k) [a, b].forEach((v) => k.dispose(v.buf));
      if (peer) tf.dispose([ta, tb]);
    },
  };
}

export function convCase([N, C, H, W]: [number, number, number, number], backward: boolean, { kernels = wasmKernels as unknown as Kernels, peer = true }: Sides = {}): BenchCase {
  const k = kernels as Kernels<unknown> | null;
  const O = C, p: Conv2dParams = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
  const xShape = [N, C, H, W], wShape = [O, C, 3, 3], yShape = [N, O, H, W];
  const forwardFlops = 2 * N * O * C * 9 * H * W;
  let x: View<unknown>, w: View<unknown>, dy: View<unknown>;
  let tx: tf.Tensor4D, tw: tf.Tensor4D, tdy: tf.Tensor4D;
  return {
    name: `conv2d 3x3 ${backward ? 'fwd+bwd' : 'fwd'} [${xShape.join(',')}]`, unit: 'GFLOP/s',
    work: backward ? 3 * forwardFlops : forwardFlops, scale: 1e9,
    setup() {
      const X = randomData(N * C * H * W, 3), Wt = randomData(O * C * 9, 4), DY = randomData(N * O * H * W, 5);
      if (k) {
        x = f32(k.upload(X), xShape);
        w = f32(k.upload(Wt), wShape);
        dy = f32(k.upload(DY), yShape);
      }
      if (peer) {
        // The peer's layouts: NHWC activations, [kH, kW, C, O] filters (same numbers, transposed).
        tx = tf.tidy(() => tf.transpose(tf.tensor4d(X, [N, C, H, W]), [0, 2, 3, 1]));
        tw = tf.tidy(() => tf.transpose(tf.tensor4d(Wt, [O, C, 3, 3]), [2, 3, 1, 0]));
        tdy = tf.tidy(() => tf.transpose(tf.tensor4d(DY, [N, O, H, W]), [0, 2, 3, 1]));
      }
    },
    ours() {
      const out = [f32(k!.conv2d(x, w, p, yShape, null), yShape)];
      if (backward) out.push(f32(k!.conv2dInputGrad(dy, w, p, xShape), xShape), f32(k!.conv2dWeightGrad(x, dy, p, wShape), wShape));
      return finishOurs(k!, out);
    },
    peer: peer ? () => {
      const out = [conv3x3(tx, tw)];
      // Where TF.js has gradient kernels (webgpu) it uses them; on wasm, the forward-conv forms.
      if (backward) out.push(...(tf.getBackend() === 'webgpu' ? peerConvGrads(tx, tw, tdy) : [conv3x3InputGrad(tdy, tw), conv3x3FilterGrad(tx, tdy)]));
      return finishPeer(out);
    } : undefined,
    teardown() {
      if (k) [x, w, dy].forEach((v) => k.dispose(v.buf));
      if (peer) tf.dispose([tx, tw, tdy]);
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
