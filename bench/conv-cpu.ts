/**
 * `npx tsx bench/conv-cpu.ts`: every conv2d of the bench U-Net (bench/conv-cases.ts), ours on a
 * one-thread engine against the peer (one thread in Node), timed in process CPU time (the best of
 * 12 calls each), so what other tenants of a loaded machine take does not count: a per-CPU-second
 * comparison of the kernels, beside the wall-clock, two-thread ratios of `npm run bench`.
 * Prints markdown rows: case | ours fwd ms | peer fwd ms | ratio | ours fwd+bwd ms | peer fwd+bwd ms | ratio.
 * The peer runs each layer as bench/peer-unet.ts does (1×1 as matMul; gradients as forward convolutions).
 */
import { initPeer, tf } from './peer.ts';
import { filterGrad, inputGrad } from './peer-unet.ts';
import { unetConvCalls } from './conv-cases.ts';
import { Engine, wasmConv2dForward, wasmConv2dInputGrad, wasmConv2dWeightGrad, type ConvShape } from '@diffusion-ts/tensor/internal';
await initPeer();
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const e = new Engine({ threads: 1 });
for (const c of unetConvCalls()) {
  const [N, C, H, W] = c.x as [number, number, number, number], [O, , kH] = c.w as [number, number, number, number];
  const [, , oH, oW] = c.y as [number, number, number, number];
  const s: ConvShape = { N, C, H, W, O, kH, kW: kH, oH, oW, p: c.p };
  const x = e.heap.alloc(4 * N * C * H * W), w = e.heap.alloc(4 * O * C * kH * kH), y = e.heap.alloc(4 * N * O * oH * oW), dx = e.heap.alloc(4 * N * C * H * W), dw = e.heap.alloc(4 * O * C * kH * kH);
  const pw = kH === 1;
  const tx = tf.randomNormal([N, H, W, C]) as tf.Tensor4D, tw = tf.randomNormal([kH, kH, C, O]) as tf.Tensor4D, tdy = tf.randomNormal([N, oH, oW, O]) as tf.Tensor4D;
  const tx2 = tf.reshape(tx, [N * H * W, C]) as tf.Tensor2D, tw2 = (pw ? tf.reshape(tw, [C, O]) : tf.zeros([1, 1])) as tf.Tensor2D, tdy2 = tf.reshape(tdy, [N * oH * oW, O]) as tf.Tensor2D;
  const st = c.p.stride[0] as 1 | 2;
  const best = (f: () => void) => { let t = Infinity; for (let r = 0; r < 12; r++) { const t0 = cpu(); f(); t = Math.min(t, cpu() - t0); } return t; };
  const of = best(() => wasmConv2dForward(e, x, w, y, s));
  const ob = of + best(() => wasmConv2dInputGrad(e, y, w, dx, s)) + best(() => wasmConv2dWeightGrad(e, x, y, dw, s));
  const pf = best(() => (pw ? tf.matMul(tx2, tw2) : tf.conv2d(tx, tw, st, [[0, 0], [1, 1], [1, 1], [0, 0]])).dispose());
  const pb = pf + best(() => tf.tidy(() => pw ? tf.matMul(tdy2, tf.transpose(tw2)) : inputGrad(tdy, tw, st, [N, H, W, C])).dispose()) + best(() => tf.tidy(() => pw ? tf.matMul(tf.transpose(tx2), tdy2) : filterGrad(tx, tdy, st)).dispose());
  console.log(`| ${kH}x${kH}${st > 1 ? '/2' : ''} [${c.x.join(',')}]→${O} | ${of.toFixed(2)} | ${pf.toFixed(2)} | ${(pf / of).toFixed(2)}× | ${ob.toFixed(2)} | ${pb.toFixed(2)} | ${(pb / ob).toFixed(2)}× |`);
  tf.dispose([tx, tw, tdy, tx2, tw2, tdy2]);
  for (const p of [x, w, y, dx, dw]) e.heap.release(p);
}
process.exit(0);
