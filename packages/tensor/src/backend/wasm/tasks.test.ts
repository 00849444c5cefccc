import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RECORD_BYTES } from './commands.ts';
import { Engine } from './engine.ts';
import { gemmPackB } from './gemm-kernel.ts';
import { queueGemm } from './sgemm.ts';

/**
 * `addTask` records a task once and gives every thread a copy with its own addresses in place of
 * the placeholders of `here` (its scratch, and its entry of each `here.of` list).
 */
describe('wasm engine tasks', () => {
  it('each thread’s copy of a task names that thread’s scratch and buffers, at the offsets given', () => {
    const engine = new Engine({ threads: 3 });
    const mine = [1 << 20, 2 << 20, 3 << 20];
    engine.addTask((push, here) => {
      push(gemmPackB, { src: 640, colStride: 4, kStride: 64, nc: 16, kc: 1, dst: here.packB });
      push(gemmPackB, { src: here.of(mine) + 128, colStride: 4, kStride: 64, nc: 16, kc: 1, dst: here.tile + 64 });
    });
    const words = engine.heap.i32;
    engine.lists.forEach((list, t) => {
      const record = (r: number): number[] => [...words.subarray((list.ptr + r * RECORD_BYTES) >> 2, ((list.ptr + r * RECORD_BYTES) >> 2) + 7)];
      const op = record(0)[0]!;
      assert.deepEqual(record(0), [op, 640, 4, 64, 16, 1, engine.scratch[t]!.packB], `thread ${t}, first record`);
      assert.deepEqual(record(1), [op, mine[t]! + 128, 4, 64, 16, 1, engine.scratch[t]!.tile + 64], `thread ${t}, second record`);
      assert.equal(record(2)[0], 0, `thread ${t}: the task ends after two records`);
    });
    engine.runTasks(); // packs 16 floats from low memory into scratch: harmless
  });

  it('a task writes where the thread that runs it says: each product lands in exactly one thread’s buffer, and both threads run some', () => {
    const engine = new Engine({ threads: 2 });
    const heap = engine.heap, m = 4, n = 16, k = 8, tasks = 2, size = m * n;
    const a = heap.alloc(4 * m * k), b = heap.alloc(4 * k * n);
    // Thread t's buffer holds one product slot per task; a task writes its slot in the buffer of whoever runs it.
    const cs = [heap.alloc(4 * tasks * size), heap.alloc(4 * tasks * size)];
    heap.f32.set(Float32Array.from({ length: m * k }, (_, i) => (i % 5) - 2), a >> 2);
    heap.f32.set(Float32Array.from({ length: k * n }, (_, i) => (i % 3) - 1), b >> 2);
    const want = new Float32Array(size);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j]! += heap.f32[(a >> 2) + i * k + p]! * heap.f32[(b >> 2) + p * n + j]!;
    const ran = [0, 0];
    for (let call = 0; call < 5000 && (call < 50 || ran.some((r) => r === 0)); call++) {
      for (const c of cs) heap.f32.fill(Number.NaN, c >> 2, (c >> 2) + tasks * size);
      for (let i = 0; i < tasks; i++) {
        engine.addTask((push, here) => queueGemm(engine, push, here, { m, n, k, a, rsA: k, csA: 1, b, rsB: n, csB: 1, c: here.of(cs) + 4 * i * size, ldc: n, accumulate: false }, 0, m, 0, n));
      }
      engine.runTasks();
      for (let i = 0; i < tasks; i++) {
        const slots = cs.map((c) => [...heap.f32.subarray((c >> 2) + i * size, (c >> 2) + (i + 1) * size)]);
        const by = slots.map((v, t) => (v.some(Number.isNaN) ? -1 : t)).filter((t) => t >= 0);
        assert.equal(by.length, 1, `call ${call}, task ${i}: written by exactly one thread`);
        assert.deepEqual(slots[by[0]!], [...want], `call ${call}, task ${i}`);
        ran[by[0]!]!++;
      }
    }
    assert.ok(ran.every((r) => r > 0), `both threads ran tasks (${ran.join(' and ')})`);
  });

  it('a placeholder outside a task, or one that names no list of the task, is refused by name', () => {
    const engine = new Engine({ threads: 2 });
    let stray = 0;
    engine.addTask((push, here) => {
      stray = here.of([64, 128]);
      push(gemmPackB, { src: 640, colStride: 4, kStride: 64, nc: 16, kc: 1, dst: here.packB });
    });
    engine.runTasks();
    // A refused record after a valid one leaves the list as it was: the valid one runs, and only it.
    const heap = engine.heap, src = heap.alloc(64), dst = heap.alloc(64);
    heap.f32.set(Float32Array.from({ length: 16 }, (_, i) => i + 1), src >> 2);
    heap.f32.fill(0, dst >> 2, (dst >> 2) + 16);
    engine.push(0, gemmPackB, { src, colStride: 4, kStride: 64, nc: 16, kc: 1, dst });
    // (Had it been written, its dst, the placeholder cut to 32 bits, would be address 0: the 64 bytes the engine never uses.)
    assert.equal(stray % 2 ** 32, 0);
    assert.throws(() => engine.push(0, gemmPackB, { src, colStride: 4, kStride: 64, nc: 16, kc: 1, dst: stray }), /argument 5 is \d+, not a 32-bit value \(a thread-local placeholder outside a task\?\)/);
    assert.deepEqual(engine.lists.map((l) => l.length), [1, 0], 'the refused record was not added');
    engine.flush();
    assert.deepEqual([...heap.f32.subarray(dst >> 2, (dst >> 2) + 16)], Array.from({ length: 16 }, (_, i) => i + 1));
    assert.deepEqual([...heap.f32.subarray(0, 16)], new Array<number>(16).fill(0), 'the refused record did not run');
    assert.throws(() => engine.addTask((push) => push(gemmPackB, { src: 640, colStride: 4, kStride: 64, nc: 16, kc: 1, dst: stray + 4 * 2 ** 33 })),
      /wasm kernel gemm_pack_b: argument dst = \d+ is no thread-local address of this task/);
  });

  it('a product of depth 0 into a thread-local C is refused (it would be zeroed on this thread, at a placeholder)', () => {
    const engine = new Engine({ threads: 2 });
    const cs = [engine.heap.alloc(64), engine.heap.alloc(64)];
    assert.throws(() => engine.addTask((push, here) => queueGemm(engine, push, here, { m: 1, n: 16, k: 0, a: 0, rsA: 0, csA: 1, b: 0, rsB: 16, csB: 1, c: here.of(cs), ldc: 16, accumulate: false }, 0, 1, 0, 16)),
      /wasm gemm: a task cannot zero a thread-local C \(k = 0\)/);
    engine.runTasks();
  });

  it('a task whose recording throws is dropped; the tasks before it and after it run', () => {
    const engine = new Engine({ threads: 2 });
    const heap = engine.heap, out = heap.alloc(4 * 16 * 3), src = heap.alloc(4 * 16);
    heap.f32.set(Float32Array.from({ length: 16 }, (_, i) => i + 1), src >> 2);
    heap.f32.fill(0, out >> 2, (out >> 2) + 48);
    const copy = (slot: number) => engine.addTask((push) => push(gemmPackB, { src, colStride: 4, kStride: 64, nc: 16, kc: 1, dst: out + 64 * slot }));
    copy(0);
    assert.throws(() => engine.addTask((push) => {
      push(gemmPackB, { src, colStride: 4, kStride: 64, nc: 16, kc: 1, dst: out + 64 });
      throw new Error('recording failed');
    }), /recording failed/);
    copy(2);
    engine.runTasks();
    const got = (slot: number): number[] => [...heap.f32.subarray((out >> 2) + 16 * slot, (out >> 2) + 16 * slot + 16)];
    assert.deepEqual(got(0), Array.from({ length: 16 }, (_, i) => i + 1));
    assert.deepEqual(got(1), new Array<number>(16).fill(0), 'the dropped task did not run');
    assert.deepEqual(got(2), Array.from({ length: 16 }, (_, i) => i + 1));
  });
});
