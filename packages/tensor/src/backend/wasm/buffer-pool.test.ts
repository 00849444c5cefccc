// The wasm engine's pool of output buffers: results equal a run with the pool off, and no buffer is
// handed out while a tensor can still read it through the public API (views made by reshape and
// detach, `data()` promises, tidy scopes, backward's early disposal), on programs drawn by fast-check.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { add, exp, Generator, matmul, mean, mul, randn, setBackend, getBackend, square, sub, tidy, keep, type Tensor } from '../../index.ts';
import { outputPool } from './buffer-pool.ts';

const DEFAULT_BYTES = outputPool.maxBytes; // the default, read before any test changes it
const onWasm = <R>(fn: () => R): R => {
  const previous = getBackend();
  setBackend('wasm');
  try { return fn(); } finally { setBackend(previous); }
};

type Step = { op: 'add' | 'mul' | 'exp' | 'matmul' | 'reshape' | 'detach' | 'dispose' | 'sub'; a: number; b: number };
const program = fc.array(fc.record({
  op: fc.constantFrom('add', 'mul', 'exp', 'matmul', 'reshape', 'detach', 'dispose', 'dispose', 'sub'),
  a: fc.nat(), b: fc.nat(),
}), { minLength: 5, maxLength: 60 }) as fc.Arbitrary<Step[]>;

/**
 * Run `steps` on a few [4, 4] tensors, disposing some along the way. Returns the values of every
 * tensor still alive at the end, and checks that each live tensor still holds what it held when it
 * was made (a recycled buffer still referenced would show here).
 */
function run(steps: readonly Step[]): number[][] {
  return onWasm(() => {
    const g = new Generator(7);
    const live: { t: Tensor; values: number[] }[] = [0, 1, 2].map(() => {
      const t = randn([4, 4], { generator: g });
      return { t, values: [...t.dataSync()] };
    });
    for (const { op, a, b } of steps) {
      const x = live[a % live.length]!.t, y = live[b % live.length]!.t;
      let t: Tensor;
      switch (op) {
        case 'dispose':
          if (live.length > 2) live.splice(a % live.length, 1)[0]!.t.dispose();
          continue;
        case 'add': t = add(x, y); break;
        case 'sub': t = sub(x, y); break;
        case 'mul': t = mul(x, y); break;
        case 'exp': t = exp(mul(x, 0.1)); break;
        case 'matmul': t = mul(matmul(x, y), 0.25); break;
        case 'reshape': t = x.reshape(2, 8).reshape(4, 4); break;
        case 'detach': t = x.detach(); break;
      }
      live.push({ t, values: [...t.dataSync()] });
      for (const l of live) assert.deepEqual([...l.t.dataSync()], l.values, 'a live tensor changed');
    }
    return live.map((l) => [...l.t.dataSync()]);
  });
}

describe('wasm output pool', () => {
  afterEach(() => outputPool.setMaxBytes(DEFAULT_BYTES));

  it('gives the same results as with the pool off, and never changes a live tensor (views included)', () => {
    fc.assert(fc.property(program, (steps) => {
      outputPool.setMaxBytes(0);
      const off = run(steps);
      outputPool.setMaxBytes(DEFAULT_BYTES);
      const reused = outputPool.reused;
      const on = run(steps);
      assert.deepEqual(on, off);
      return steps.every((s) => s.op !== 'dispose') || outputPool.reused >= reused;
    }), { numRuns: 40 });
  });

  it('reuses a disposed output for the next output of its size, and only when no view of it is left', () => {
    onWasm(() => {
      const x = randn([64, 64], { generator: new Generator(1) });
      const y = exp(x), buf = y.buf;
      const view = y.reshape(4096);
      y.dispose();
      assert.equal(outputPool.ownersOf(buf), 1, 'the reshape still owns it');
      const z = exp(x);
      assert.notEqual(z.buf, buf, 'a buffer a view still reads is not handed out');
      view.dispose();
      const w = exp(x);
      assert.equal(w.buf, buf, 'once the last owner is disposed it is reused');
      assert.deepEqual([...w.dataSync()], [...z.dataSync()]);
    });
  });

  it('a data() promise holds the values of the moment it was asked for', async () => {
    const pending = onWasm(() => {
      const x = randn([32, 32], { generator: new Generator(2) });
      const y = exp(x), expected = [...y.dataSync()];
      const promise = y.data();
      y.dispose();
      exp(mul(x, 3)); // takes y's buffer and overwrites it
      return { promise, expected };
    });
    assert.deepEqual([...await pending.promise], pending.expected);
  });

  it('stays within its bound', () => {
    onWasm(() => {
      outputPool.setMaxBytes(0); // empty it
      outputPool.setMaxBytes(5000);
      const x = randn([1000], { generator: new Generator(3) });
      const ts = Array.from({ length: 5 }, () => exp(x));
      for (const t of ts) t.dispose();
      assert.ok(outputPool.heldBytes <= 5000, `holds ${outputPool.heldBytes} bytes`);
      assert.equal(outputPool.heldBytes, 4000);
    });
  });

  it('by default holds a whole scope of large outputs (96 MiB here), so running the scope again makes no fresh buffer', () => {
    onWasm(() => {
      outputPool.setMaxBytes(0); // empty it
      outputPool.setMaxBytes(DEFAULT_BYTES);
      const x = randn([1024, 1024], { generator: new Generator(8) });
      const scope = () => tidy(() => {
        let y = x;
        for (let i = 0; i < 12; i++) y = exp(mul(y, 0.01)); // 24 outputs of 4 MiB
        return y.sum();
      }, { recycle: true });
      const value = (s: Tensor): number => { const v = s.item(); s.dispose(); return v; };
      const first = value(scope());
      const made = outputPool.made;
      assert.equal(value(scope()), first);
      assert.equal(outputPool.made, made, `${outputPool.made - made} outputs made fresh on the second run`);
    });
  });

  it('keeps what a scope released before its end for the next run of the scope, and drops a size no scope takes at the second trim', () => {
    onWasm(() => {
      outputPool.setMaxBytes(0); // empty it
      outputPool.setMaxBytes(DEFAULT_BYTES);
      const x = randn([64, 64], { generator: new Generator(9) });
      // A transient of a size nothing after it asks for, disposed inside the scope (as backward
      // disposes the gradients it consumes): the next run asks for it again.
      const scope = (length: number) => tidy(() => {
        exp(mul(x.reshape(4096).narrow(0, 0, length), 0.5)).dispose();
        return x.sum();
      }, { recycle: true });
      const value = (s: Tensor): number => { const v = s.item(); s.dispose(); return v; };
      const first = value(scope(1000));
      const made = outputPool.made;
      assert.equal(value(scope(1000)), first);
      assert.equal(outputPool.made, made, `${outputPool.made - made} outputs made fresh on the second run`);
      // Scopes that no longer ask for length 1000: its three buffers (narrow's, mul's, exp's) leave
      // the pool at the second trim; what stays is the 2000-float scope's three and the sum's one float.
      value(scope(2000));
      assert.equal(outputPool.heldBytes, 3 * 4 * 2000 + 2 * 4 * 1000 + 4, 'one trim later, only the buffer free for a whole scope is gone');
      value(scope(2000));
      assert.equal(outputPool.heldBytes, 3 * 4 * 2000 + 4, `held ${outputPool.heldBytes} bytes`);
    });
  });

  it('tidy with recycle: disposes what it made but not what it returns or keeps; a disposed tensor throws when used', () => {
    onWasm(() => {
      const x = randn([8, 8], { generator: new Generator(4) });
      let inner: Tensor | null = null, kept: Tensor | null = null;
      const y = tidy(() => {
        inner = exp(x);
        kept = keep(mul(x, 2));
        return add(inner, 1).reshape(64);
      }, { recycle: true });
      assert.equal(inner!.isDisposed, true);
      assert.equal(kept!.isDisposed, false);
      assert.equal(y.isDisposed, false);
      assert.throws(() => inner!.add(1), /disposed/);
      const expected = [...add(exp(x), 1).dataSync()];
      exp(mul(x, 5)); // would take a recycled buffer
      assert.deepEqual([...y.dataSync()], expected);
      // Without recycle, js and wasm tensors are left alone, as before.
      let plain: Tensor | null = null;
      tidy(() => { plain = exp(x); return null; });
      assert.equal(plain!.isDisposed, false);
    });
  });

  it('backward disposes each consumed gradient, so the next gradient of its size reuses the buffer; the gradients it stores stay', () => {
    onWasm(() => {
      const x = randn([64, 64], { generator: new Generator(6) }).requiresGrad_();
      let y = x;
      for (let i = 0; i < 8; i++) y = exp(mul(y, 0.1));
      const loss = mean(y);
      outputPool.setMaxBytes(0); // empty, so only what backward itself releases can be reused
      outputPool.setMaxBytes(DEFAULT_BYTES);
      const reused = outputPool.reused;
      loss.backward();
      assert.ok(outputPool.reused - reused >= 8, `backward reused ${outputPool.reused - reused} buffers`);
      const grad = [...x.grad!.dataSync()];
      // Against the same graph differentiated with createGraph, which disposes nothing.
      const x2 = x.detach().requiresGrad_();
      let y2 = x2;
      for (let i = 0; i < 8; i++) y2 = exp(mul(y2, 0.1));
      mean(y2).backward(undefined, { createGraph: true });
      assert.deepEqual(grad, [...x2.grad!.dataSync()]);
    });
  });

  it('training steps in a recycling scope give the same parameters and gradients, bit for bit, as without it', () => {
    const train = (recycle: boolean): number[][] => onWasm(() => {
      const g = new Generator(5);
      const w1 = randn([16, 32], { generator: g }).mul(0.2).requiresGrad_(), w2 = randn([32, 4], { generator: g }).mul(0.2).requiresGrad_();
      const x = randn([64, 16], { generator: g }), target = randn([64, 4], { generator: g });
      for (let step = 0; step < 5; step++) {
        tidy(() => {
          w1.grad = w2.grad = null;
          const h = matmul(x, w1), a = mul(h, exp(mul(h, -0.5)));
          const loss = mean(square(sub(matmul(add(a, h), w2), target)));
          loss.backward();
          for (const w of [w1, w2]) w.assign(sub(w, mul(w.grad!, 0.1)));
          return null;
        }, { recycle });
      }
      return [w1, w2].map((w) => [...w.dataSync()]);
    });
    assert.deepEqual(train(true), train(false));
  });
});
