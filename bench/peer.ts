/**
 * The peer: TensorFlow.js 4.22 with its wasm backend (XNNPACK, SIMD; one thread in Node), in its
 * fastest honest form. Its conv2d has no filter-gradient kernel on wasm, so the backward pass is
 * written the way the issue asks, as forward convolutions:
 *   input grad  = conv2d(dy, flip(w) with in/out channels swapped), stride 1, same padding
 *   filter grad = conv2d(x with batch and channels swapped, dy as the filter), then transposed.
 * Layout is NHWC (the only one its wasm conv2d takes); sizes and FLOPs match our NCHW cases.
 *
 * For the gpu benchmark (`--backend gpu`) the peer is TF.js's WebGPU backend
 * (@tensorflow/tfjs-backend-webgpu) on the same adapter: `initPeerWebGPU`. It has its own
 * Conv2DBackpropInput/Filter kernels, so there its gradients are TF.js's own (`peerConvGrads`).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

/** Load the wasm backend; in Node its .wasm files must be pointed at in node_modules. */
export async function initPeer(): Promise<void> {
  const require = createRequire(import.meta.url);
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  setWasmPaths(dist);
  if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js: the wasm backend did not load');
  await tf.ready();
}

/**
 * Load TF.js's WebGPU backend and make it current. `navigator.gpu` must already be installed
 * (installNodeWebGPU): the package registers the backend only if it sees WebGPU when imported.
 * Resolves with what WebGPU says of the adapter TF.js got; rejects saying why.
 */
export async function initPeerWebGPU(): Promise<AdapterInfo> {
  await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu') === null) throw new Error('TensorFlow.js: no webgpu backend registered (navigator.gpu was missing when @tensorflow/tfjs-backend-webgpu loaded)');
  // TF.js reports a failed backend start as a console warning and a `false`: keep the warning as the reason.
  const warnings: string[] = [], warn = console.warn;
  console.warn = (...args: unknown[]) => { warnings.push(args.map(String).join(' ')); };
  try {
    if (!(await tf.setBackend('webgpu'))) throw new Error(`TensorFlow.js: the webgpu backend did not start${warnings.length > 0 ? `: ${warnings.join('; ').slice(0, 500)}` : ''}`);
  } finally {
    console.warn = warn;
  }
  await tf.ready();
  const backend = tf.backend() as unknown as { device?: { adapterInfo?: AdapterInfo }; adapterInfo?: AdapterInfo };
  return backend.device?.adapterInfo ?? backend.adapterInfo ?? {};
}

/** WebGPU's GPUAdapterInfo, as far as the benchmark reports it. */
export interface AdapterInfo {
  readonly description?: string;
  readonly device?: string;
  readonly vendor?: string;
  readonly architecture?: string;
}

/** Whether the peer's current backend runs asynchronously (webgpu): a call then ends with an awaited read. */
export const peerIsAsync = (): boolean => tf.getBackend() === 'webgpu';

/**
 * End a peer call on its results: on an asynchronous backend await a read of every one (TF.js
 * submits its queued commands then, and completion is observable no other way); then dispose them.
 */
export function finishPeer(results: tf.Tensor[]): void | Promise<void> {
  if (!peerIsAsync()) return tf.dispose(results);
  return Promise.all(results.map((t) => t.data())).then(() => tf.dispose(results));
}

/** Facts the report states about the peer. */
export function peerDescription(): string {
  const env = tf.env(), backend = tf.getBackend();
  if (backend !== 'wasm') return `TensorFlow.js ${tf.version.tfjs} backend '${backend}'`;
  return `TensorFlow.js ${tf.version.tfjs} backend '${backend}', SIMD ${env.getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${env.getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'yes' : '1'}`;
}

/** 3×3, stride 1, pad 1 convolution in NHWC: x [N,H,W,C], w [3,3,C,O]. */
export const conv3x3 = (x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D => tf.conv2d(x, w, 1, 1);

/** ∂L/∂x of `conv3x3` as a forward convolution with the flipped filter, channels swapped. */
export function conv3x3InputGrad(dy: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(dy, tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D, 1, 1));
}

/** ∂L/∂w of `conv3x3`: correlate x (batch as channels) with dy (batch as input channels). */
export function conv3x3FilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [C, H, W, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [H, W, N, O] as a filter
    // Explicit padding: a numeric pad makes TF.js size the output as if the filter were square.
    const g = tf.conv2d(xT, dyT, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]); // [C, 3, 3, O]
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D; // [3, 3, C, O]
  });
}

/**
 * ∂L/∂x and ∂L/∂w of `conv3x3` from TF.js's own gradient kernels (Conv2DBackpropInput, and
 * Conv2DBackpropFilter, which has no public op: run as its gradient runs it), where the backend
 * has them (webgpu, not wasm).
 */
export function peerConvGrads(x: tf.Tensor4D, w: tf.Tensor4D, dy: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const dx = tf.conv2dTranspose(dy, w, x.shape, 1, 'same');
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  return [dx, dw];
}
