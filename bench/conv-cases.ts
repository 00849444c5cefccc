/**
 * Every distinct conv2d the bench U-Net runs, forward and forward + both gradients, generated from
 * the network itself: one forward pass of bench/unet.ts's model on `wasm` with the backend's conv2d
 * kernel wrapped to record (x shape, w shape, params). Nothing is listed by hand, so a change to the
 * network changes the cases.
 *
 * Ours: the `wasm` backend's conv2d, conv2dInputGrad and conv2dWeightGrad kernels on buffers already
 * in its memory. The peer in its fastest honest form, as bench/peer-unet.ts runs the same layer:
 * NHWC; a 3×3 as tf.conv2d with its gradients as forward convolutions (inputGrad, filterGrad); a
 * 1×1 as a 2-D matMul on [N·H·W, C] with the gradients matMul(dy, wᵀ) and matMul(xᵀ, dy).
 * Work is the forward's 2·N·O·(C/groups)·kH·kW·oH·oW FLOPs, three times that for fwd+bwd.
 */
import { getBackend, noGrad, setBackend } from '@diffusion-ts/tensor';
import type { Conv2dParams, Kernels, Shape, View } from '@diffusion-ts/tensor';
import { wasmKernels } from '@diffusion-ts/tensor/internal';
import type { BenchCase } from './core-cases.ts';
import { finishPeer, tf } from './peer.ts';
import { filterGrad, inputGrad } from './peer-unet.ts';
import { ourUNet } from './unet.ts';

/** One conv2d as the network calls it. */
export interface ConvCall {
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly y: readonly number[];
  readonly p: Conv2dParams;
  /** How many times one forward pass runs it. */
  readonly count: number;
}

/** The distinct conv2d calls of one forward pass of the bench U-Net (training batch 8), in first-seen order. */
export function unetConvCalls(batch = 8): ConvCall[] {
  const k = wasmKernels as unknown as { conv2d: Kernels['conv2d'] };
  const original = k.conv2d;
  const seen = new Map<string, { x: number[]; w: number[]; y: number[]; p: Conv2dParams; count: number }>();
  k.conv2d = function (this: unknown, x: View<unknown>, w: View<unknown>, p: Conv2dParams, outShape: Shape, bias: View<unknown> | null) {
    const key = JSON.stringify([x.shape, w.shape, p]);
    const entry = seen.get(key) ?? { x: [...x.shape], w: [...w.shape], y: [...outShape], p, count: 0 };
    entry.count++;
    seen.set(key, entry);
    return original.call(this, x, w, p, outShape, bias);
  } as Kernels['conv2d'];
  const u = ourUNet('wasm', { batch, sampleBatch: 1 });
  const previous = getBackend();
  try {
    setBackend('wasm');
    noGrad(() => u.loss().dispose());
  } finally {
    setBackend(previous);
    k.conv2d = original;
    u.dispose();
  }
  return [...seen.values()];
}

function randomData(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

const f32 = <B>(buf: B, shape: readonly number[]): View<B> => ({ buf, shape: [...shape], dtype: 'float32' });

/** `conv2d 3x3/2 fwd [8,64,32,32]→64 (×1)`: kernel, stride when not 1, input, output channels, uses per pass. */
export function convCallName(c: ConvCall, backward: boolean): string {
  const [, , kH, kW] = c.w, s = c.p.stride[0];
  return `conv2d ${kH}x${kW}${s > 1 ? `/${s}` : ''} ${backward ? 'fwd+bwd' : 'fwd'} [${c.x.join(',')}]→${c.w[0]} (×${c.count})`;
}

/** A bench case for one recorded call: ours on the wasm kernels, the peer as peer-unet.ts runs that layer. */
export function convCallCase(c: ConvCall, backward: boolean): BenchCase {
  const k = wasmKernels as unknown as Kernels<unknown>;
  const [N, C, H, W] = c.x as [number, number, number, number];
  const [O, Cg, kH, kW] = c.w as [number, number, number, number];
  const [, , oH, oW] = c.y as [number, number, number, number];
  const { p } = c, stride = p.stride[0] as 1 | 2;
  const pointwise = kH === 1 && kW === 1 && p.stride.every((v) => v === 1) && p.padding.every((v) => v === 0);
  const supported = p.groups === 1 && p.dilation.every((v) => v === 1) && p.stride[0] === p.stride[1] && stride <= 2
    && (pointwise || (kH === 3 && kW === 3 && p.padding.every((v) => v === 1)));
  if (!supported) throw new Error(`conv-cases: no peer form for ${JSON.stringify(c)}`);
  const forwardFlops = 2 * N * O * Cg * kH * kW * oH * oW;
  let x: View<unknown>, w: View<unknown>, dy: View<unknown>;
  let tx: tf.Tensor4D, tw: tf.Tensor4D, tdy: tf.Tensor4D, tx2: tf.Tensor2D, tw2: tf.Tensor2D, tdy2: tf.Tensor2D;
  return {
    name: convCallName(c, backward), unit: 'GFLOP/s', work: backward ? 3 * forwardFlops : forwardFlops, scale: 1e9,
    setup() {
      const X = randomData(N * C * H * W, 3), Wt = randomData(O * Cg * kH * kW, 4), DY = randomData(N * O * oH * oW, 5);
      x = f32(k.upload(X), c.x);
      w = f32(k.upload(Wt), c.w);
      dy = f32(k.upload(DY), c.y);
      // The peer's layouts: NHWC activations, [kH, kW, C, O] filters (same numbers, transposed).
      tx = tf.tidy(() => tf.transpose(tf.tensor4d(X, [N, C, H, W]), [0, 2, 3, 1]));
      tw = tf.tidy(() => tf.transpose(tf.tensor4d(Wt, [O, Cg, kH, kW]), [2, 3, 1, 0]));
      tdy = tf.tidy(() => tf.transpose(tf.tensor4d(DY, [N, O, oH, oW]), [0, 2, 3, 1]));
      if (pointwise) {
        tx2 = tf.reshape(tx, [N * H * W, C]);
        tw2 = tf.reshape(tw, [C, O]);
        tdy2 = tf.reshape(tdy, [N * oH * oW, O]);
      }
    },
    ours() {
      const out = [f32(k.conv2d(x, w, p, c.y, null), c.y)];
      if (backward) out.push(f32(k.conv2dInputGrad(dy, w, p, c.x), c.x), f32(k.conv2dWeightGrad(x, dy, p, c.w), c.w));
      out.forEach((r) => k.dispose(r.buf));
    },
    peer() {
      if (pointwise) {
        const out: tf.Tensor[] = [tf.matMul(tx2, tw2)];
        if (backward) out.push(tf.tidy(() => tf.matMul(tdy2, tf.transpose(tw2))), tf.tidy(() => tf.matMul(tf.transpose(tx2), tdy2)));
        return finishPeer(out);
      }
      const out: tf.Tensor[] = [tf.conv2d(tx, tw, stride, [[0, 0], [1, 1], [1, 1], [0, 0]])];
      if (backward) out.push(tf.tidy(() => inputGrad(tdy, tw, stride, [N, H, W, C])), tf.tidy(() => filterGrad(tx, tdy, stride)));
      return finishPeer(out);
    },
    teardown() {
      [x, w, dy].forEach((v) => k.dispose(v.buf));
      tf.dispose([tx, tw, tdy]);
      if (pointwise) tf.dispose([tx2, tw2, tdy2]);
    },
  };
}

/** Forward and fwd+bwd for every distinct conv2d of the bench U-Net. */
export function convCases(): BenchCase[] {
  return unetConvCalls().flatMap((c) => [convCallCase(c, false), convCallCase(c, true)]);
}

/** `tsx bench/conv-cases.ts`: list the recorded calls. */
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const c of unetConvCalls()) console.log(convCallName(c, false), JSON.stringify(c.p));
}
