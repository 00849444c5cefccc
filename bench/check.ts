/**
 * Before timing anything: the peer's tuned conv2d gradients (written as forward convolutions) must
 * agree with TensorFlow.js's own gradient ops and with ours, or the comparison means nothing.
 * TF.js's `conv2DBackpropFilter` has no wasm kernel, so its reference runs on the 'cpu' backend.
 */
import type { Conv2dParams, Kernels, View } from '@diffusion-ts/tensor';
import { wasmKernels, type WasmBuf } from '@diffusion-ts/tensor/internal';
import { conv3x3, conv3x3FilterGrad, conv3x3InputGrad, peerConvGrads, tf } from './peer.ts';
import { peerUNet, plainOps, timeFeatures, tunedOps } from './peer-unet.ts';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

/** Largest absolute difference seen across all comparisons (throws above `tolerance`). */
export async function checkAgreement(tolerance = 1e-3): Promise<number> {
  const [N, C, H, W, O] = [2, 5, 6, 7, 4];
  const p: Conv2dParams = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
  const x = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, C, O], 0, 1, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomNormal([N, H, W, O], 0, 1, 'float32', 3) as tf.Tensor4D;
  const nchw = (t: tf.Tensor4D): Float32Array => tf.tidy(() => tf.transpose(t, [0, 3, 1, 2]).dataSync() as Float32Array);
  const oihw = (t: tf.Tensor4D): Float32Array => tf.tidy(() => tf.transpose(t, [3, 2, 0, 1]).dataSync() as Float32Array);

  const tuned = { y: conv3x3(x, w), dx: conv3x3InputGrad(dy, w), dw: conv3x3FilterGrad(x, dy) };
  // TF.js's own gradient ops, on its cpu backend (same numbers moved across).
  const backend = tf.getBackend();
  const [xd, wd, dyd] = [x.dataSync(), w.dataSync(), dy.dataSync()];
  await tf.setBackend('cpu');
  const reference = tf.tidy(() => {
    const xc = tf.tensor4d(xd, x.shape), wc = tf.tensor4d(wd, w.shape), dyc = tf.tensor4d(dyd, dy.shape);
    return {
      dx: tf.conv2dTranspose(dyc, wc, [N, H, W, C], 1, 'same').dataSync().slice(),
      dw: tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xc, f as tf.Tensor4D, 1, 'same'), dyc)))(wc).dataSync().slice(),
    };
  });
  await tf.setBackend(backend);
  let worst = Math.max(maxDiff(tuned.dx.dataSync(), reference.dx), maxDiff(tuned.dw.dataSync(), reference.dw));

  // Ours, in NCHW, against the peer's tuned results.
  const up = (data: Float32Array, shape: number[]): View<WasmBuf> => ({ buf: wasmKernels.upload(data), shape, dtype: 'float32' });
  const xv = up(nchw(x), [N, C, H, W]), wv = up(oihw(w), [O, C, 3, 3]), dyv = up(nchw(dy), [N, O, H, W]);
  const read = (buf: WasmBuf, shape: number[]): ArrayLike<number> => wasmKernels.readSync({ buf, shape, dtype: 'float32' });
  worst = Math.max(worst,
    maxDiff(read(wasmKernels.conv2d(xv, wv, p, [N, O, H, W], null), [N, O, H, W]), nchw(tuned.y)),
    maxDiff(read(wasmKernels.conv2dInputGrad(dyv, wv, p, [N, C, H, W]), [N, C, H, W]), nchw(tuned.dx)),
    maxDiff(read(wasmKernels.conv2dWeightGrad(xv, dyv, p, [O, C, 3, 3]), [O, C, 3, 3]), oihw(tuned.dw)));
  tf.dispose([x, w, dy, tuned.y, tuned.dx, tuned.dw]);
  if (!(worst <= tolerance)) throw new Error(`bench check: ours, the tuned peer and TF.js's gradients differ by ${worst}`);
  return worst;
}

/**
 * The peer's U-Net: gradients of every parameter through the tuned ops (customGrad conv2d and
 * matMul, on TF.js wasm) against the same network built from plain tfjs ops with TF.js's own
 * gradients (on its cpu backend, which has conv2d's filter gradient), same weights, on a
 * [2, 16, 16, 3] input. Returns the largest difference relative to each gradient's largest entry.
 */
export async function checkPeerUNet(tolerance = 1e-3): Promise<number> {
  const gradsOn = async (backend: string, ops: typeof tunedOps): Promise<Float32Array[]> => {
    const previous = tf.getBackend();
    await tf.setBackend(backend);
    try {
      const net = peerUNet(ops, 3);
      const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D, feats = timeFeatures([3, 700]);
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(x, feats))) as tf.Scalar, net.variables);
      const out = net.variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
      tf.dispose([x, feats, ...Object.values(grads), ...net.variables]);
      return out;
    } finally {
      await tf.setBackend(previous);
    }
  };
  const tuned = await gradsOn('wasm', tunedOps), plain = await gradsOn('cpu', plainOps);
  let worst = 0;
  tuned.forEach((g, i) => {
    const ref = plain[i]!;
    let scale = 1e-12;
    for (const v of ref) scale = Math.max(scale, Math.abs(v));
    worst = Math.max(worst, maxDiff(g, ref) / scale);
  });
  if (!(worst <= tolerance)) throw new Error(`bench check: the peer U-Net's tuned gradients differ from TF.js's own by ${worst} (relative)`);
  return worst;
}

/**
 * The gpu benchmark's check: our gpu kernels (`k`) against TF.js's current backend (webgpu) on
 * conv2d, its two gradients (TF.js's own kernels, as the gpu cases time them) and a matmul, on
 * small shapes. Returns the largest difference relative to each result's largest entry.
 */
export async function checkGpuAgreement(k: Kernels<unknown>): Promise<number> {
  const [N, C, H, W, O, M] = [2, 5, 6, 7, 4, 33];
  const p: Conv2dParams = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
  const x = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, C, O], 0, 1, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomNormal([N, H, W, O], 0, 1, 'float32', 3) as tf.Tensor4D;
  const a = tf.randomNormal([M, M], 0, 1, 'float32', 4) as tf.Tensor2D;
  const nchw = (t: tf.Tensor4D) => tf.transpose(t, [0, 3, 1, 2]), oihw = (t: tf.Tensor4D) => tf.transpose(t, [3, 2, 0, 1]);
  const [dx, dw] = peerConvGrads(x, w, dy);
  const peer = [nchw(conv3x3(x, w)), nchw(dx), oihw(dw), tf.matMul(a, a)];
  const moved = [nchw(x), oihw(w), nchw(dy)];
  const [xd, wd, dyd, ad, ...want] = await Promise.all([...moved, a, ...peer].map(async (t) => new Float32Array(await t.data())));
  const up = (data: Float32Array, shape: number[]): View<unknown> => ({ buf: k.upload(data), shape, dtype: 'float32' });
  const xv = up(xd!, [N, C, H, W]), wv = up(wd!, [O, C, 3, 3]), dyv = up(dyd!, [N, O, H, W]), av = up(ad!, [M, M]);
  const ours = [
    { buf: k.conv2d(xv, wv, p, [N, O, H, W], null), shape: [N, O, H, W] },
    { buf: k.conv2dInputGrad(dyv, wv, p, [N, C, H, W]), shape: [N, C, H, W] },
    { buf: k.conv2dWeightGrad(xv, dyv, p, [O, C, 3, 3]), shape: [O, C, 3, 3] },
    { buf: k.matmul(av, av, [M, M], false, false), shape: [M, M] },
  ].map((v) => ({ ...v, dtype: 'float32' as const }));
  const got = await Promise.all(ours.map((v) => k.read(v)));
  let worst = 0;
  got.forEach((g, i) => {
    let scale = 1e-12;
    for (const v of want[i]!) scale = Math.max(scale, Math.abs(v));
    worst = Math.max(worst, maxDiff(g, want[i]!) / scale);
  });
  for (const v of [xv, wv, dyv, av, ...ours]) k.dispose(v.buf);
  tf.dispose([x, w, dy, a, dx, dw, ...moved, ...peer]);
  return worst;
}
