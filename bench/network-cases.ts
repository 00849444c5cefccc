/**
 * The tensor-level cases: group norm (+SiLU) forward and backward, attention over 256 tokens × 64
 * dims at batch 8, the U-Net training step and the sampling throughput. Ours run the public ops on
 * the `wasm` backend; the peer runs TensorFlow.js ops (bench/peer-unet.ts for the U-Net).
 */
import * as T from '@diffusion-ts/tensor';
import type { BenchCase } from './core-cases.ts';
import { peerIsAsync, tf } from './peer.ts';
import { peerTrainer, plainOps, tunedOps } from './peer-unet.ts';
import type { PeerTrainer } from './peer-unet.ts';
import { ourUNet } from './unet.ts';
import type { OurUNet } from './unet.ts';
import type { BackendName } from '@diffusion-ts/tensor';

const onWasm = <R>(fn: () => R): R => {
  const previous = T.getBackend();
  T.setBackend('wasm');
  try { return fn(); } finally { T.setBackend(previous); }
};

/** Group norm over [8, 64, 32, 32] in 8 groups, then SiLU; `backward`: also the gradients of x, γ, β. */
function groupNormCase(backward: boolean): BenchCase {
  const [N, C, H, W] = [8, 64, 32, 32], G = 8;
  let x: T.Tensor, w: T.Tensor, b: T.Tensor, dy: T.Tensor;
  let tx: tf.Tensor4D, tw: tf.Tensor1D, tb: tf.Tensor1D, tdy: tf.Tensor4D;
  const peerForward = (xx: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D => {
    const g = tf.reshape(xx, [N, H * W, G, C / G]);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    const y = tf.add(tf.mul(tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, 1e-5))), xx.shape), gamma), beta) as tf.Tensor4D;
    return tf.mul(y, tf.sigmoid(y));
  };
  const peerGrads = tf.grads((a, g, bb) => peerForward(a as tf.Tensor4D, g as tf.Tensor1D, bb as tf.Tensor1D));
  return {
    name: `group norm + SiLU ${backward ? 'fwd+bwd' : 'fwd'} [8,64,32,32] 8 groups`, unit: 'calls/s', work: 1, scale: 1,
    setup() {
      onWasm(() => {
        const g = new T.Generator(1);
        x = T.randn([N, C, H, W], { generator: g }).requiresGrad_(backward);
        w = T.randn([C], { generator: g }).requiresGrad_(backward);
        b = T.randn([C], { generator: g }).requiresGrad_(backward);
        dy = T.randn([N, C, H, W], { generator: g });
      });
      tx = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 1) as tf.Tensor4D;
      tw = tf.randomNormal([C], 0, 1, 'float32', 2) as tf.Tensor1D;
      tb = tf.randomNormal([C], 0, 1, 'float32', 3) as tf.Tensor1D;
      tdy = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 4) as tf.Tensor4D;
    },
    ours() {
      const y = T.silu(T.groupNorm(x, G, w, b));
      if (backward) {
        y.backward(dy);
        x.grad = w.grad = b.grad = null;
      }
    },
    peer() {
      if (backward) tf.dispose(peerGrads([tx, tw, tb], tdy));
      else tf.tidy(() => peerForward(tx, tw, tb)).dispose();
    },
    teardown() { tf.dispose([tx, tw, tb, tdy]); },
  };
}

/** softmax(QKᵀ/√64)V over 256 tokens of 64 dims, batch 8; `backward`: also the gradients of q, k, v. */
function attentionCase(backward: boolean): BenchCase {
  const [B, L, D] = [8, 256, 64];
  let q: T.Tensor, k: T.Tensor, v: T.Tensor, dy: T.Tensor;
  let tq: tf.Tensor3D, tk: tf.Tensor3D, tv: tf.Tensor3D, tdy: tf.Tensor3D;
  // The peer's tuned form: per batch element, explicit transposes and 2-D matMul (forward and backward).
  const mm = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => (tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [aa, bb, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([aa, bb]);
    return { value: tf.matMul(aa, bb), gradFunc: (d, saved) => { const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D]; return [tf.matMul(d as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), d as tf.Tensor2D)]; } };
  }) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D)(a, b);
  const peerForward = (qq: tf.Tensor3D, kk: tf.Tensor3D, vv: tf.Tensor3D): tf.Tensor3D => {
    const out = [];
    for (let i = 0; i < B; i++) {
      const [qi, ki, vi] = [qq, kk, vv].map((t) => tf.reshape(tf.slice(t, [i, 0, 0], [1, L, D]), [L, D]) as tf.Tensor2D);
      out.push(mm(tf.softmax(tf.mul(mm(qi!, tf.transpose(ki!)), 1 / Math.sqrt(D))) as tf.Tensor2D, vi!));
    }
    return tf.stack(out) as tf.Tensor3D;
  };
  const peerGrads = tf.grads((a, b, c) => peerForward(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D));
  return {
    name: `attention ${backward ? 'fwd+bwd' : 'fwd'} 256 tokens x 64, batch 8`, unit: 'calls/s', work: 1, scale: 1,
    setup() {
      onWasm(() => {
        const g = new T.Generator(2);
        [q, k, v] = [0, 1, 2].map(() => T.randn([B, L, D], { generator: g }).requiresGrad_(backward)) as [T.Tensor, T.Tensor, T.Tensor];
        dy = T.randn([B, L, D], { generator: g });
      });
      [tq, tk, tv, tdy] = [5, 6, 7, 8].map((s) => tf.randomNormal([B, L, D], 0, 1, 'float32', s) as tf.Tensor3D) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    },
    ours() {
      const y = T.scaledDotProductAttention(q, k, v);
      if (backward) {
        y.backward(dy);
        q.grad = k.grad = v.grad = null;
      }
    },
    peer() {
      if (backward) tf.dispose(peerGrads([tq, tk, tv], tdy));
      else tf.tidy(() => peerForward(tq, tk, tv)).dispose();
    },
    teardown() { tf.dispose([tq, tk, tv, tdy]); },
  };
}

/** Which sides a U-Net case builds: ours on `backend` (none if null), the peer on TF.js's current backend; batch sizes. */
export interface UNetSides {
  readonly backend?: BackendName | null;
  readonly peer?: boolean;
  readonly batch?: number;
  readonly sampleBatch?: number;
}

/**
 * One training step, or one denoiser evaluation (batch 16 unless told), of the bench U-Net in both libraries.
 * On an asynchronous backend (gpu; TF.js webgpu) a call ends with an awaited read of the loss or the
 * output, and the peer uses TF.js's own conv2d gradient kernels, which webgpu has and wasm lacks.
 */
export function unetCase(kind: 'train' | 'sample', { backend = 'wasm', peer: withPeer = true, batch = 8, sampleBatch = 16 }: UNetSides = {}): BenchCase {
  let ours: OurUNet | null = null, peer: PeerTrainer | null = null, oursSync = true;
  return {
    name: kind === 'train' ? `U-Net training step (batch ${batch}, Adam)` : `U-Net sampling (denoiser evals, batch ${sampleBatch})`,
    unit: kind === 'train' ? 'steps/s' : 'evals/s', work: 1, scale: 1, slow: true,
    setup() {
      if (backend !== null) {
        ours = ourUNet(backend, { batch, sampleBatch });
        oursSync = ours.model.parameters()[0]!.backend.synchronous;
      }
      if (withPeer) peer = peerTrainer({ batch, sampleBatch, ops: tf.getBackend() === 'webgpu' ? plainOps : tunedOps });
    },
    ours() {
      const u = ours!;
      if (oursSync) { if (kind === 'train') u.trainStep(); else u.evaluate(); return; }
      return kind === 'train' ? u.trainStepAsync().then(() => {}) : u.evaluateAsync();
    },
    peer: withPeer ? () => {
      const p = peer!;
      if (!peerIsAsync()) { if (kind === 'train') p.trainStep(); else p.evaluate(); return; }
      return kind === 'train' ? p.trainStepAsync().then(() => {}) : p.evaluateAsync();
    } : undefined,
    settle: async () => { await ours?.settle(); },
    teardown() {
      peer?.dispose();
      ours?.dispose();
      peer = ours = null;
    },
  };
}

export function networkCases(): BenchCase[] {
  // Sampling at batch 16 (a grid of samples) and at batch 1 (what an interactive page runs).
  return [groupNormCase(false), groupNormCase(true), attentionCase(false), attentionCase(true), unetCase('train'), unetCase('sample'), unetCase('sample', { sampleBatch: 1 })];
}
