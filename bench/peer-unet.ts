/**
 * The same U-Net in TensorFlow.js (NHWC), in its fastest honest form on the wasm backend, as the
 * issue asks: every conv2d and matMul goes through `tf.customGrad`, with
 *   conv2d input gradient  = conv2d of dy (zero-dilated for the stride-2 conv) with the flipped,
 *                            channel-swapped filter, stride 1;
 *   conv2d filter gradient = conv2d of the batch/channel-transposed input with dy as the filter
 *                            (dilated by the stride), which TF.js's wasm backend lacks as a kernel;
 *   matMul gradients       = explicit transposes, then plain 2-D matMul (no transposeA/B, no batch);
 * 1×1 convolutions (skip paths, attention's qkv and projection) as 2-D matMuls on [N·H·W, C].
 * Structure as packages/nn's UNet with the bench configuration (guided-diffusion's layout):
 * 1,624,323 parameters, checked at build time. `plain: true` builds the same network from plain
 * tfjs ops with TF.js's own gradients, to check the tuned gradients against (bench/check.ts).
 */
import { tf } from './peer.ts';

type T4 = tf.Tensor4D;
type T2 = tf.Tensor2D;

export interface PeerOps {
  matMul(a: T2, b: T2): T2;
  /** conv3x3(x, w) + bias [O]. */
  conv3x3Bias(x: T4, w: T4, bias: tf.Tensor1D, stride: 1 | 2): T4;
  /** matMul(a, w) + bias [O]. */
  matMulBias(a: T2, w: T2, bias: tf.Tensor1D): T2;
}

const flipT = (w: T4): T4 => tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
const pad1: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];

/** ∂L/∂w of a 3×3 conv (pad 1, stride s): x batch↔channels, dy as the filter dilated by s. */
export function filterGrad(x: T4, dy: T4, stride: 1 | 2): T4 {
  const xT = tf.transpose(tf.pad(x, pad1), [3, 1, 2, 0]) as T4; // [C, H+2, W+2, N]
  const dyT = tf.transpose(dy, [1, 2, 0, 3]) as T4; //            [oH, oW, N, O]
  const g = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', stride); //    [C, ≥3, ≥3, O]
  return tf.transpose(tf.slice(g, [0, 0, 0, 0], [-1, 3, 3, -1]), [1, 2, 0, 3]) as T4;
}

/** ∂L/∂x of a 3×3 conv (pad 1, stride s), as a stride-1 conv of (zero-dilated) dy with the flipped filter. */
export function inputGrad(dy: T4, w: T4, stride: 1 | 2, xShape: number[]): T4 {
  let d = dy;
  if (stride === 2) {
    const [n, h, wd, o] = dy.shape;
    d = tf.reshape(tf.pad(tf.reshape(dy, [n, h, 1, wd, 1, o]), [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]]), [n, 2 * h, 2 * wd, o]);
  }
  const dx = tf.conv2d(d, flipT(w), 1, pad1);
  return dx.shape[1] === xShape[1] ? dx : (tf.slice(dx, [0, 0, 0, 0], xShape) as T4);
}

/** ∂L/∂a and ∂L/∂b of a · b given dy: dy · bᵀ and aᵀ · dy. */
const matMulGrads = (dy: T2, a: T2, b: T2): [T2, T2] => [tf.matMul(dy, tf.transpose(b)), tf.matMul(tf.transpose(a), dy)];

export const tunedOps: PeerOps = {
  matMul: (a, b) => (tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [aa, bb, save] = args as [T2, T2, tf.GradSaveFunc];
    save([aa, bb]);
    return {
      value: tf.matMul(aa as T2, bb as T2),
      gradFunc: (dy, saved) => {
        const [sa, sb] = saved as [T2, T2];
        return matMulGrads(dy as T2, sa, sb);
      },
    };
  }) as (a: T2, b: T2) => T2)(a, b),
  // The bias added in XNNPACK's epilogue (tf.fused), as diffusion-ts adds its own. Measured in
  // isolation it is not clearly faster (bench/README.md, "The peer"), but the peer's batch-16 rate in
  // the bench was highest with it (1.53 evals/s against 1.29–1.46), so it is kept: the higher peer
  // figure. The gradients as above, the bias's the sum of dy.
  conv3x3Bias: (x, w, bias, stride) => (tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ww, bb, save] = args as [T4, T4, tf.Tensor1D, tf.GradSaveFunc];
    save([xx, ww]);
    return {
      value: tf.fused.conv2d({ x: xx, filter: ww, strides: stride, pad: pad1, bias: bb }),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [T4, T4];
        return [inputGrad(dy as T4, sw, stride, sx.shape), filterGrad(sx, dy as T4, stride), tf.sum(dy, [0, 1, 2])];
      },
    };
  }) as (x: T4, w: T4, b: tf.Tensor1D) => T4)(x, w, bias),
  matMulBias: (a, w, bias) => (tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [aa, ww, bb, save] = args as [T2, T2, tf.Tensor1D, tf.GradSaveFunc];
    save([aa, ww]);
    return {
      value: tf.fused.matMul({ a: aa, b: ww, bias: bb }),
      gradFunc: (dy, saved) => {
        const [sa, sw] = saved as [T2, T2];
        return [...matMulGrads(dy as T2, sa, sw), tf.sum(dy, 0)];
      },
    };
  }) as (a: T2, w: T2, b: tf.Tensor1D) => T2)(a, w, bias),
};

export const plainOps: PeerOps = {
  matMul: (a, b) => tf.matMul(a, b),
  conv3x3Bias: (x, w, bias, stride) => tf.add(tf.conv2d(x, w, stride, pad1), bias),
  matMulBias: (a, w, bias) => tf.add(tf.matMul(a, w), bias),
};

/** Deterministic uniform(±bound) weights, the same for every build with the same seed. */
function init(shape: number[], bound: number, seed: { s: number }): tf.Variable {
  return tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', seed.s++));
}

export interface PeerUNet {
  readonly variables: tf.Variable[];
  readonly parameters: number;
  forward(x: T4, emb: T2): T4;
}

/** The network: x [N, 32, 32, 3] (NHWC) and the sinusoidal time features [N, 32] → [N, 32, 32, 3]. */
export function peerUNet(ops: PeerOps, seedValue = 1): PeerUNet {
  const seed = { s: seedValue }, vars: tf.Variable[] = [];
  const v = (shape: number[], fanIn: number): tf.Variable => { const t = init(shape, 1 / Math.sqrt(fanIn), seed); vars.push(t); return t; };
  const ones = (n: number): tf.Variable => { const t = tf.variable(tf.ones([n])); vars.push(t); return t; };
  const zeros = (n: number): tf.Variable => { const t = tf.variable(tf.zeros([n])); vars.push(t); return t; };
  const G = 8, emb = 128, mc = 32;

  const linear = (i: number, o: number) => { const w = v([i, o], i), b = v([o], i); return (x: T2): T2 => ops.matMulBias(x, w as T2, b as tf.Tensor1D); };
  const conv3 = (i: number, o: number, stride: 1 | 2 = 1) => { const w = v([3, 3, i, o], 9 * i), b = v([o], 9 * i); return (x: T4): T4 => ops.conv3x3Bias(x, w as T4, b as tf.Tensor1D, stride); };
  const conv1 = (i: number, o: number) => {
    const w = v([i, o], i), b = v([o], i);
    return (x: T4): T4 => { const [n, h, wd] = x.shape; return tf.reshape(ops.matMulBias(tf.reshape(x, [n * h * wd, i]), w as T2, b as tf.Tensor1D), [n, h, wd, o]); };
  };
  const groupNorm = (c: number) => {
    const gamma = ones(c), beta = zeros(c);
    return (x: T4): T4 => {
      const [n, h, w] = x.shape;
      const g = tf.reshape(x, [n, h * w, G, c / G]);
      const { mean, variance } = tf.moments(g, [1, 3], true);
      const y = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, 1e-5))), x.shape);
      return tf.add(tf.mul(y, gamma), beta);
    };
  };
  const silu = <R extends tf.Rank>(x: tf.Tensor<R>): tf.Tensor<R> => tf.mul(x, tf.sigmoid(x));

  const resBlock = (ch: number, out: number) => {
    const n1 = groupNorm(ch), c1 = conv3(ch, out), e = linear(emb, out), n2 = groupNorm(out), c2 = conv3(out, out);
    const skip = ch === out ? null : conv1(ch, out);
    return (x: T4, t: T2): T4 => {
      let h = c1(silu(n1(x)));
      h = tf.add(h, tf.reshape(e(silu(t)), [h.shape[0], 1, 1, out]));
      h = c2(silu(n2(h)));
      return tf.add(skip ? skip(x) : x, h);
    };
  };
  const attention = (c: number) => {
    const norm = groupNorm(c), qkv = conv1(c, 3 * c), proj = conv1(c, c);
    return (x: T4): T4 => {
      const [n, h, w] = x.shape, len = h * w, scale = 1 / Math.sqrt(c);
      const a = tf.reshape(qkv(norm(x)), [n, len, 3 * c]);
      const heads = [];
      for (let b = 0; b < n; b++) {
        const row = tf.reshape(tf.slice(a, [b, 0, 0], [1, len, 3 * c]), [len, 3 * c]);
        const [q, k, vv] = tf.split(row, 3, 1) as [T2, T2, T2];
        const p = tf.softmax(tf.mul(ops.matMul(q, tf.transpose(k)), scale)) as T2;
        heads.push(ops.matMul(p, vv));
      }
      return tf.add(x, proj(tf.reshape(tf.stack(heads), [n, h, w, c])));
    };
  };
  const up = (c: number) => { const conv = conv3(c, c); return (x: T4): T4 => {
    // Nearest ×2 as two concat + reshape (copying each pixel right, then each row down).
    const [n, h, w] = x.shape;
    const wide = tf.reshape(tf.concat([x, x], 3), [n, h, 2 * w, c]);
    return conv(tf.reshape(tf.concat([wide, wide], 2), [n, 2 * h, 2 * w, c]));
  }; };

  const t1 = linear(mc, emb), t2 = linear(emb, emb);
  const convIn = conv3(3, mc);
  type Block = (x: T4, t: T2) => T4;
  const seq = (...fs: ((x: T4, t: T2) => T4)[]): Block => (x, t) => fs.reduce((h, f) => f(h, t), x);
  const attn = (c: number) => { const f = attention(c); return (x: T4) => f(x); };
  const down = (c: number) => { const f = conv3(c, c, 2); return (x: T4) => f(x); };
  const inputBlocks: Block[] = [
    seq(resBlock(32, 32)), seq(resBlock(32, 32)), seq(down(32)),
    seq(resBlock(32, 64), attn(64)), seq(resBlock(64, 64), attn(64)), seq(down(64)),
    seq(resBlock(64, 64)), seq(resBlock(64, 64)),
  ];
  const middle = seq(resBlock(64, 64), attn(64), resBlock(64, 64));
  const upF = (c: number) => { const f = up(c); return (x: T4) => f(x); };
  const outputBlocks: Block[] = [
    seq(resBlock(128, 64)), seq(resBlock(128, 64)), seq(resBlock(128, 64), upF(64)),
    seq(resBlock(128, 64), attn(64)), seq(resBlock(128, 64), attn(64)), seq(resBlock(96, 64), attn(64), upF(64)),
    seq(resBlock(96, 32)), seq(resBlock(64, 32)), seq(resBlock(64, 32)),
  ];
  const outNorm = groupNorm(32), convOut = conv3(32, 3);

  const parameters = vars.reduce((n, t) => n + t.size, 0);
  return {
    variables: vars, parameters,
    forward(x, features) {
      const t = t2(silu(t1(features)));
      const hs: T4[] = [];
      let h = convIn(x);
      hs.push(h);
      for (const b of inputBlocks) { h = b(h, t); hs.push(h); }
      h = middle(h, t);
      for (const b of outputBlocks) h = b(tf.concat([h, hs.pop()!], 3), t);
      return convOut(silu(outNorm(h)));
    },
  };
}

/** Sinusoidal time features [N, 32] ([cos, sin] as packages/nn's timestepEmbedding). */
export function timeFeatures(t: readonly number[], dim = 32): T2 {
  const half = dim / 2, data = new Float32Array(t.length * dim);
  t.forEach((tv, n) => {
    for (let i = 0; i < half; i++) {
      const a = tv * Math.exp((-Math.log(10000) * i) / half);
      data[n * dim + i] = Math.cos(a);
      data[n * dim + half + i] = Math.sin(a);
    }
  });
  return tf.tensor2d(data, [t.length, dim]);
}

export interface PeerTrainer {
  readonly parameters: number;
  trainStep(): number;
  evaluate(): void;
  /**
   * The same, ending with an awaited read (of the loss; of the output), for asynchronous backends
   * (webgpu): TF.js submits everything it has queued, Adam's updates included, before that read.
   */
  trainStepAsync(): Promise<number>;
  evaluateAsync(): Promise<void>;
  dispose(): void;
}

/**
 * A training step (forward, MSE, backward, Adam 2e-4) at batch 8 and a no-grad evaluation at batch 16.
 * `ops`: `tunedOps` for wasm (no filter-gradient kernel there); on webgpu, which has TF.js's own
 * Conv2DBackpropInput/Filter kernels, `plainOps` lets TF.js use them.
 */
export function peerTrainer({ batch = 8, sampleBatch = 16, ops = tunedOps } = {}): PeerTrainer {
  const net = peerUNet(ops);
  const opt = tf.train.adam(2e-4);
  const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 11) as T4;
  const target = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 12) as T4;
  const feats = timeFeatures(Array.from({ length: batch }, (_, i) => (37 * i + 11) % 1000));
  const xs = tf.randomNormal([sampleBatch, 32, 32, 3], 0, 1, 'float32', 13) as T4;
  const fs = timeFeatures(Array.from({ length: sampleBatch }, (_, i) => (53 * i + 7) % 1000));
  const step = (): tf.Scalar => opt.minimize(() => tf.mean(tf.square(tf.sub(net.forward(x, feats), target))) as tf.Scalar, true, net.variables)!;
  return {
    parameters: net.parameters,
    trainStep() {
      const cost = step();
      const loss = cost.dataSync()[0]!;
      cost.dispose();
      return loss;
    },
    evaluate() {
      tf.tidy(() => net.forward(xs, fs)).dispose();
    },
    async trainStepAsync() {
      const cost = step();
      try { return (await cost.data())[0]!; } finally { cost.dispose(); }
    },
    async evaluateAsync() {
      const y = tf.tidy(() => net.forward(xs, fs));
      try { await y.data(); } finally { y.dispose(); }
    },
    dispose() {
      tf.dispose([x, target, feats, xs, fs, ...net.variables]);
      opt.dispose();
    },
  };
}
