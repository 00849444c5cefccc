// `backward` sums the gradients of a tensor with several consumers in place (`Kernels.accumulate`)
// when only the walk can see the gradient waiting: these tests hold the in-place sums to the
// out-of-place ones bit for bit, to finite differences in float64, and check that no tensor anyone
// else can see (a retained gradient, a view of one, the caller's `gradient`, a leaf's `.grad`, the
// forward's values) ever changes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { add, detectAnomaly, exp, getBackend, mul, randn, setBackend, sub, sum, type Tensor } from './index.ts';
import type { Kernels, TypedArray, View } from './backend/kernels.ts';
import { jsKernels } from './backend/js/index.ts';
import { wasmKernels } from './backend/wasm/wasm-kernels.ts';
import { gradcheck, Generator, broadcastableShapes, seedArb } from './testing/index.ts';
import { broadcastShapes as broadcast } from './shape.ts';

const broadcastShapes = (a: readonly number[], b: readonly number[]): number[] => [...broadcast('test', a, b)];

const on = <R>(kernels: Kernels, fn: () => R): R => {
  const previous = getBackend();
  setBackend(kernels);
  try { return fn(); } finally { setBackend(previous); }
};

/** `kernels` with `accumulate` counted (calls that added in place), or removed. */
function variant(kernels: Kernels, mode: 'counted' | 'out of place'): { kernels: Kernels; inPlace: () => number } {
  let n = 0;
  const accumulate = kernels.accumulate;
  if (mode === 'out of place' || accumulate === undefined) return { kernels: { ...kernels, accumulate: undefined }, inPlace: () => n };
  return { kernels: { ...kernels, accumulate: (acc, x) => { const done = accumulate(acc, x); if (done) n++; return done; } }, inPlace: () => n };
}

/**
 * The js reference with `accumulate`, counting owners as the wasm pool does (every kernel output has
 * one owner, `share` adds one, `dispose` takes one; uploads are never counted, so never added into):
 * the in-place walk in float64, where finite differences can check it.
 */
function countingJs(): { kernels: Kernels<TypedArray>; inPlace: () => number } {
  const owners = new WeakMap<TypedArray, number>();
  let n = 0;
  const own = (b: unknown): unknown => { if (ArrayBuffer.isView(b)) owners.set(b as TypedArray, 1); return b; };
  const k: Record<string, unknown> = { ...jsKernels };
  for (const [name, f] of Object.entries(jsKernels)) {
    if (typeof f !== 'function' || ['upload', 'readSync', 'read', 'dispose', 'share'].includes(name)) continue;
    k[name] = (...args: unknown[]) => { const r = (f as (...a: unknown[]) => unknown)(...args); return Array.isArray(r) ? r.map(own) : own(r); };
  }
  const kernels = {
    ...(k as unknown as Kernels<TypedArray>),
    share: (b: TypedArray) => { const c = owners.get(b); if (c !== undefined) owners.set(b, c + 1); return b; },
    dispose: (b: TypedArray) => { const c = owners.get(b); if (c !== undefined) owners.set(b, c - 1); },
    accumulate: (acc: View<TypedArray>, x: View<TypedArray>) => {
      const A = acc.buf, X = x.buf;
      if (owners.get(A) !== 1 || A === X) return false;
      for (let i = 0; i < A.length; i++) A[i] = A[i]! + X[i]!;
      n++;
      return true;
    },
  };
  return { kernels, inPlace: () => n };
}

type Step = { op: 'add' | 'mul' | 'sub' | 'exp' | 'view' | 'twice' | 'retain'; a: number; b: number };
const program = fc.array(fc.record({
  op: fc.constantFrom<Step['op']>('add', 'mul', 'sub', 'exp', 'view', 'twice', 'retain'),
  a: fc.nat(), b: fc.nat(),
}), { minLength: 1, maxLength: 12 });

/**
 * The tensors `steps` make from x and w, starting [x, x·w]; 'retain' calls `onRetain` with its
 * operand (except x) instead of making a tensor.
 */
function interpret(x: Tensor, w: Tensor, steps: readonly Step[], onRetain: (t: Tensor) => void): Tensor[] {
  const ts: Tensor[] = [x, mul(x, w)];
  for (const { op, a, b } of steps) {
    const p = ts[a % ts.length]!, q = ts[b % ts.length]!;
    switch (op) {
      case 'add': ts.push(add(p, q)); break;
      case 'mul': ts.push(mul(p, q)); break;
      case 'sub': ts.push(sub(p, q)); break;
      case 'exp': ts.push(exp(mul(p, 0.25))); break;
      case 'view': ts.push(p.reshape([-1]).reshape(p.shape)); break; // shares p's storage
      case 'twice': ts.push(add(p, p)); break; // one backward hands the same gradient to both inputs
      case 'retain': if (p !== x) onRetain(p); break;
      default: { const never: never = op; throw new Error(String(never)); }
    }
  }
  return ts;
}

/**
 * Run `steps` from leaves x (shape `sx`) and w (`sw`, broadcast against x), every tensor made feeding
 * later ones and the root, then backward (with a caller's gradient when `seeded`). Returns every
 * gradient and every value anyone can see, read after the walk.
 */
function run(kernels: Kernels, sx: number[], sw: number[], steps: readonly Step[], seed: number, seeded: boolean, dtype: 'float32' | 'float64') {
  return on(kernels, () => {
    const g = new Generator(seed);
    const x = randn(sx, { generator: g, dtype }).mul(0.5).requiresGrad_(), w = randn(sw, { generator: g, dtype }).mul(0.5).requiresGrad_();
    const retained: Tensor[] = [];
    const ts = interpret(x, w, steps, (p) => { p.retainGrad(); retained.push(p); });
    const y = ts.slice(1).reduce((s, t) => add(s, t));
    // The caller's gradient as a kernel output (on wasm a pooled buffer with one owner, as a gradient made by the walk has).
    const gradient = seeded ? mul(randn(y.shape, { generator: g, dtype }), 1) : undefined;
    const before = { gradient: gradient && [...gradient.dataSync()], values: ts.map((t) => [...t.dataSync()]) };
    (seeded ? y : sum(y)).backward(gradient);
    const read = (t: Tensor | null) => (t === null ? null : [...t.dataSync()]);
    return {
      grads: [read(x.grad), read(w.grad)],
      retained: retained.map((t) => read(t.grad)),
      gradient: gradient && [...gradient.dataSync()], gradientBefore: before.gradient,
      values: ts.map((t) => [...t.dataSync()]), valuesBefore: before.values,
    };
  });
}

describe('backward: gradient sums in place', () => {
  it('wasm float32: the same gradients, bit for bit, as out-of-place sums; nothing visible changes (small and engine-sized tensors)', () => {
    const counted = variant(wasmKernels, 'counted'), plain = variant(wasmKernels, 'out of place');
    fc.assert(fc.property(broadcastableShapes(2), fc.boolean(), program, seedArb, fc.boolean(), ([sa, sb], large, steps, seed, seeded) => {
      // Large: x of 3·4096 elements, past the size where the engine's SIMD kernels take over.
      const sx = large ? [3, 4096] : broadcastShapes(sa!, sb!), sw = large ? [4096] : sb!;
      const got = run(counted.kernels, sx, sw, steps, seed, seeded, 'float32');
      const want = run(plain.kernels, sx, sw, steps, seed, seeded, 'float32');
      assert.deepEqual(got.grads, want.grads);
      assert.deepEqual(got.retained, want.retained);
      assert.deepEqual(got.gradient, got.gradientBefore);
      assert.deepEqual(got.values, got.valuesBefore);
    }), { seed: 21, numRuns: 60 });
    assert.ok(counted.inPlace() > 50, `only ${counted.inPlace()} sums were in place`);
  });

  it('float64 with owner counts (the wasm pool\'s rule on the js reference): gradients agree with finite differences', () => {
    const counting = countingJs();
    fc.assert(fc.property(broadcastableShapes(2), program, seedArb, ([sa, sb], steps, seed) => {
      const sx = broadcastShapes(sa!, sb!);
      on(counting.kernels, () => {
        const g = new Generator(seed);
        const x = randn(sx, { generator: g, dtype: 'float64' }).mul(0.5).requiresGrad_(), w = randn(sb!, { generator: g, dtype: 'float64' }).mul(0.5).requiresGrad_();
        gradcheck((x, w) => interpret(x!, w!, steps, () => {}).slice(1).reduce((s, t) => add(s, t)), [x, w], { generator: g });
      });
      // And the same values as the plain reference, in place or not.
      const got = run(counting.kernels, sx, sb!, steps, seed, true, 'float64'), want = run(jsKernels, sx, sb!, steps, seed, true, 'float64');
      assert.deepEqual(got.grads, want.grads);
      assert.deepEqual(got.retained, want.retained);
      assert.deepEqual(got.values, got.valuesBefore);
    }), { seed: 22, numRuns: 40 });
    assert.ok(counting.inPlace() > 20, `only ${counting.inPlace()} sums were in place`);
  });

  it('createGraph sums out of place and stays differentiable: second derivatives through a tensor with three consumers', () => {
    const counted = variant(wasmKernels, 'counted');
    on(counted.kernels, () => {
      const x = randn([3, 4096], { generator: new Generator(3) }).mul(0.5).requiresGrad_();
      // f = Σ x³ + eˣ + x, each term a consumer of x: f' = 3x² + eˣ + 1, f'' = 6x + eˣ.
      const f = () => sum(add(add(mul(mul(x, x), x), exp(x)), x));
      f().backward(undefined, { createGraph: true });
      const first = x.grad!;
      assert.equal(counted.inPlace(), 0);
      x.grad = null;
      f().backward(); // without createGraph: in place
      assert.ok(counted.inPlace() > 0);
      assert.deepEqual([...first.dataSync()], [...x.grad!.dataSync()]);
      x.grad = null;
      sum(first).backward();
      const xs = x.dataSync(), second = x.grad!.dataSync();
      for (let i = 0; i < xs.length; i++) {
        const want = 6 * xs[i]! + Math.exp(xs[i]!);
        assert.ok(Math.abs(second[i]! - want) <= 1e-5 * (1 + Math.abs(want)), `[${i}] ${second[i]} vs ${want}`);
      }
    });
  });

  it('anomaly mode sums out of place, so a gradient sum that overflows is named', () => {
    const counted = variant(wasmKernels, 'counted');
    on(counted.kernels, () => {
      const x = randn([64], { generator: new Generator(4) }).mul(1e-3).requiresGrad_();
      // Each consumer sends 3e38 (finite in float32); their sum is +∞.
      const loss = () => sum(add(mul(x, 3e38), mul(x, 3e38)));
      detectAnomaly(true);
      try {
        assert.throws(() => loss().backward(), /^OpError: add: produced Infinity/);
      } finally {
        detectAnomaly(false);
      }
      assert.equal(counted.inPlace(), 0);
    });
  });

  it('wasm accumulate declines buffers it cannot prove are held alone: uploads, shared storage, the same buffer', () => {
    const n = 10_000;
    const acc = wasmKernels.binary('add', { buf: new Float32Array(n).fill(1), shape: [n], dtype: 'float32' }, { buf: new Float32Array(n).fill(2), shape: [n], dtype: 'float32' }, [n]);
    const x = { buf: new Float32Array(n).fill(0.5), shape: [n], dtype: 'float32' } as const;
    const view = { buf: acc, shape: [n], dtype: 'float32' } as const;
    assert.equal(wasmKernels.accumulate!({ buf: new Float32Array(n), shape: [n], dtype: 'float32' }, x), false); // an upload
    assert.equal(wasmKernels.accumulate!(view, view), false);
    wasmKernels.share(acc); // a second owner (a reshape)
    assert.equal(wasmKernels.accumulate!(view, x), false);
    assert.equal(acc[0], 3);
    wasmKernels.dispose(acc);
    assert.equal(wasmKernels.accumulate!(view, x), true);
    assert.deepEqual([acc[0], acc[n - 1], x.buf[0]], [3.5, 3.5, 0.5]);
  });
});
