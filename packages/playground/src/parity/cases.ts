/**
 * The browser parity cases: a fixed, deterministic subset of the Node suite (test/backend-parity.test.ts,
 * which draws shapes with fast-check) that runs every kernel of the contract, forward and backward,
 * on the gpu backend against js in the page. Shapes include broadcasting, strided views, sums long
 * enough to show reassociation, and grouped, strided, dilated convolutions.
 */
import * as T from '@diffusion-ts/tensor';
import type { Tensor } from '@diffusion-ts/tensor';
import type { ParityOptions } from '../../../../test/parity-core.ts';

export interface ParityCase {
  readonly name: string;
  readonly inputs: Tensor[];
  readonly f: (...xs: Tensor[]) => Tensor;
  readonly options?: ParityOptions;
}

const g = new T.Generator(2026);
const randn = (shape: readonly number[], scale = 1): Tensor => T.randn(shape, { generator: g }).mul(scale).detach();
const positive = new Set<T.UnaryCode>(['log', 'log1p', 'sqrt', 'rsqrt']);
const stepwise = new Set<T.UnaryCode>(['floor', 'sign']);

/** Every case, built on js (the page moves inputs to each backend). */
export function parityCases(): ParityCase[] {
  const cases: ParityCase[] = [];
  const add = (name: string, inputs: Tensor[], f: (...xs: Tensor[]) => Tensor, options?: ParityOptions) => cases.push({ name, inputs, f, options });

  for (const code of T.UNARY_CODES) {
    const x = positive.has(code) ? randn([3, 17]).abs().add(0.1) : randn([3, 17], 4);
    add(code, [x], T[code], { grad: !stepwise.has(code) });
  }
  const wide = randn([4, 25], 60);
  add('exp (wide)', [wide], T.exp, { grad: false });
  add('sigmoid (wide)', [wide], T.sigmoid, { atol: 1e-6 });

  const a = randn([2, 3, 5]), b = randn([3, 1]);
  for (const code of T.ARITHMETIC_CODES) {
    const [x, y] = code === 'pow' ? [a.abs().add(0.5), b] : code === 'div' ? [a, b.abs().add(0.5)] : [a, b];
    add(code, [x, y], (u, v) => T[code](u!, v!));
  }
  for (const code of T.COMPARISON_CODES) add(code, [T.floor(a), T.floor(b)], (u, v) => T[code](u!, v!), { grad: false });
  add('where', [a.gt(0), a, b], (c, u, v) => T.where(c!, u!, v!));
  add('fill (fullLike) and a scalar operand', [a], (u) => T.fullLike(u!, 0.5).mul(u!).add(2));

  const x = randn([3, 4, 5]);
  add('sum', [x], (t) => T.sum(t, [0, 2]));
  add('max', [x], (t) => T.max(t, 1, true));
  add('min', [x], (t) => T.min(t, [2]));
  add('mean', [x], (t) => T.mean(t, [1, 2], true));
  add('variance', [x], (t) => T.variance(t, [0], { correction: 0 }));
  add('logsumexp', [x], (t) => T.logsumexp(t, 2));
  add('sum of 2000 (compensated)', [randn([2, 2000])], (t) => T.sum(t, 1));
  add('argmax', [x], (t) => T.argmax(t, 1), { grad: false });
  add('argmin', [x], (t) => T.argmin(t, 2, true), { grad: false });
  add('softmax', [x], (t) => T.softmax(t, 1));
  add('logSoftmax', [x], (t) => T.logSoftmax(t, 2));

  const y = randn([2, 3, 4]);
  add('reshape', [y], (t) => T.reshape(t, [-1]));
  add('permute', [y], (t) => T.permute(t, [2, 0, 1]));
  add('transpose', [y], (t) => T.transpose(t, 0, 2));
  add('expand', [randn([1, 3, 1])], (t) => T.expand(t, [2, 3, 4]));
  add('narrow', [y], (t) => T.narrow(t, 2, 1, 2));
  add('flip', [y], (t) => T.flip(t, [0, 2]));
  add('cat', [y, randn([2, 2, 4])], (u, v) => T.cat([u!, v!], 1));
  add('pad', [y], (t) => T.pad(t, [1, 2, 0, 1], 0.5));
  add('repeat', [y], (t) => T.repeat(t, [2, 1, 1]));
  const index = T.randint(0, 4, [2, 3, 3], { generator: g });
  add('gather', [y, index], (t, i) => T.gather(t, 2, i!));
  add('scatterAdd', [y, index, randn([2, 3, 3])], (t, i, s) => T.scatterAdd(t, 2, i!, s!));

  add('matmul, K = 70', [randn([2, 5, 70]), randn([70, 6])], (u, v) => T.matmul(u!, v!));
  add('matmul Aᵀ Bᵀ, broadcast batch', [randn([3, 1, 7, 5]), randn([4, 6, 7])], (u, v) => T.matmulTransposed(u!, v!, true, true));
  add('matmul (torch rules)', [randn([5, 9]), randn([9])], (u, v) => T.matmul(u!, v!));

  add('conv2d (groups 2, stride [2,1], padding [1,1], dilation 2)', [randn([2, 4, 9, 8]), randn([6, 2, 3, 3]), randn([6])],
    (u, w, bias) => T.conv2d(u!, w!, bias, { stride: [2, 1], padding: [1, 1], dilation: 2, groups: 2 }));
  add('conv2d 3×3, padding 1', [randn([1, 3, 8, 8]), randn([4, 3, 3, 3])], (u, w) => T.conv2d(u!, w!, null, { padding: 1 }));

  const n = randn([2, 6, 3, 4], 3), w = randn([6]), bias = randn([6]);
  add('groupNorm', [n, w, bias], (u, v, bb) => T.groupNorm(u!, 3, v, bb));
  add('groupNormSilu', [n, w, bias], (u, v, bb) => T.groupNormSilu(u!, 2, v, bb));
  add('silu', [n], T.silu);
  add('layerNorm', [n, randn([4]), randn([4])], (u, v, bb) => T.layerNorm(u!, [4], v, bb));
  add('attention', [randn([2, 2, 6, 4]), randn([2, 2, 6, 4]), randn([2, 2, 6, 4])], (q, k, v) => T.scaledDotProductAttention(q!, k!, v!));

  add('cast to int32', [randn([3, 5], 5)], (t) => t.to('int32'), { grad: false });
  const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, decoupled: true, maximize: false, step: 2 };
  const p = randn([4, 9]), grad = randn([4, 9]), m = randn([4, 9], 0.1), v = randn([4, 9]).abs();
  add("adamStep: θ' − θ", [p, grad, m, v], (pp, gg, mm, vv) => T.adamStep(pp!, gg!, mm!, vv!, h).param.sub(pp!), { grad: false });
  add('adamStep: m and v from null moments', [p, grad], (pp, gg) => {
    const r = T.adamStep(pp!, gg!, null, null, { ...h, step: 1, decoupled: false });
    return T.cat([r.expAvg, r.expAvgSq]);
  }, { grad: false });
  return cases;
}
