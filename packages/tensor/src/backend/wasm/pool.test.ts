import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from './engine.ts';
import { queueGemm } from './sgemm.ts';
import type { GemmProblem } from './sgemm.ts';

/**
 * The pool's hand-over, checked through a kernel that is not idempotent: C += A·B (a GEMM with
 * `accumulate`) on small integers, so a share that runs twice, or not at all, or is read before its
 * worker has finished, shows in exact values. Each call gives thread t (or task t) its own C.
 */
interface Case {
  readonly problems: GemmProblem[];
  /** A·B + 1 for each problem, computed here. */
  readonly want: Float32Array[];
}

function makeCase(engine: Engine, sizes: readonly number[], seed: number): Case {
  let state = seed >>> 0;
  const int = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 29) - 4; // −4 … 3
  const heap = engine.heap;
  const problems: GemmProblem[] = [], want: Float32Array[] = [];
  for (const m of sizes) {
    const n = 16, k = m >= 64 ? 64 : 8; // a long share is ~30 µs of work
    const A = Float32Array.from({ length: m * k }, int), B = Float32Array.from({ length: k * n }, int);
    const a = heap.alloc(4 * A.length), b = heap.alloc(4 * B.length), c = heap.alloc(4 * m * n);
    heap.f32.set(A, a >> 2);
    heap.f32.set(B, b >> 2);
    const C = new Float32Array(m * n).fill(1);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) C[i * n + j]! += A[i * k + p]! * B[p * n + j]!;
    problems.push({ m, n, k, a, rsA: k, csA: 1, b, rsB: n, csB: 1, c, ldc: n, accumulate: true });
    want.push(C);
  }
  return { problems, want };
}

function reset(engine: Engine, { problems }: Case): void {
  for (const p of problems) engine.heap.f32.fill(1, p.c >> 2, (p.c >> 2) + p.m * p.n);
}

function check(engine: Engine, { problems, want }: Case, label: string): void {
  problems.forEach((p, i) => {
    const got = engine.heap.f32.subarray(p.c >> 2, (p.c >> 2) + p.m * p.n);
    for (let j = 0; j < got.length; j++) {
      if (got[j] !== want[i]![j]) assert.fail(`${label}: share ${i} [${j}] = ${got[j]}, want ${want[i]![j]} (ran ${(got[j]! - 1) / (want[i]![j]! - 1)} times?)`);
    }
  });
}

const busy = (micros: number): void => {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until);
};

/**
 * Calls until both hand-over paths have been seen `enough` times (a worker took its job; the caller
 * took one back), at most `maxCalls`; `call(i)` runs and checks one call.
 */
function exercise(engine: Engine, call: (i: number) => void, { enough = 20, maxCalls = 20_000 } = {}): { posted: number; takenBack: number } {
  const posted0 = engine.pool.posted, takenBack0 = engine.pool.takenBack;
  for (let i = 0; i < maxCalls; i++) {
    call(i);
    const posted = engine.pool.posted - posted0, takenBack = engine.pool.takenBack - takenBack0;
    if (i >= 200 && takenBack >= enough && posted - takenBack >= enough) break;
  }
  return { posted: engine.pool.posted - posted0, takenBack: engine.pool.takenBack - takenBack0 };
}

function assertBothPaths({ posted, takenBack }: { posted: number; takenBack: number }): void {
  assert.ok(takenBack > 0, `the caller never took a job back (${posted} posted)`);
  assert.ok(posted - takenBack > 0, `no worker ever took its job (${posted} posted, all taken back: a lost wake?)`);
}

// Spins of 0 (the default) make every idle worker sleep in Atomics.wait at once, so every job needs a
// wake; spins of 50 µs let a worker catch the next job while it spins, and the caller its worker's done.
const settings = [
  { threads: 2, spin: { worker: 0, caller: 0 } },
  { threads: 3, spin: { worker: 0, caller: 0 } },
  { threads: 2, spin: { worker: 50, caller: 50 } },
  { threads: 3, spin: { worker: 50, caller: 50 } },
];

describe('wasm pool hand-over', { timeout: 120_000 }, () => {
  for (const { threads, spin } of settings) {
    const name = `${threads} threads, spin ${spin.worker}/${spin.caller} µs`;

    it(`static lists run exactly once each, by their worker or taken back by the caller (${name})`, () => {
      const engine = new Engine({ threads, spin });
      // Rows of thread 0's share (0: none) and of each worker's: 2 is tiny (taken back at once), 256
      // is ~30 µs, 2048 and 4096 are ~0.3 and ~0.6 ms (a woken worker takes its share while the
      // caller runs its own, and in the last mode is still running when the caller is done).
      const modes = [[0, 2], [2, 2], [2048, 256], [256, 4096]].map(([own, other], i) =>
        makeCase(engine, Array.from({ length: threads }, (_, t) => (t === 0 ? own! : other!)), 10 + i));
      const seen = exercise(engine, (i) => {
        const c = modes[i % modes.length]!;
        reset(engine, c);
        c.problems.forEach((p, t) => {
          if (p.m > 0) queueGemm(engine, (kernel, args) => engine.push(t, kernel, args), engine.views[t]!, p, 0, p.m, 0, p.n);
        });
        engine.flush();
        check(engine, c, `call ${i}`);
        if (i % 7 === 0) busy(200); // let idle workers fall asleep
      });
      assertBothPaths(seen);
    });

    it(`tasks run exactly once each, with fewer tasks than threads and more (${name})`, () => {
      const engine = new Engine({ threads, spin });
      const cases = [1, 2, 3, 5, 3 * threads + 1].map((count, i) => makeCase(engine, Array.from({ length: count }, (_, j) => 2 + 30 * ((i + j) % 3)), 20 + i));
      const seen = exercise(engine, (i) => {
        const c = cases[i % cases.length]!;
        reset(engine, c);
        for (const p of c.problems) engine.addTask((push, here) => queueGemm(engine, push, here, p, 0, p.m, 0, p.n));
        engine.runTasks();
        check(engine, c, `call ${i} (${c.problems.length} tasks)`);
        if (i % 5 === 0) busy(200 * (i % 3));
      });
      assertBothPaths(seen);
    });
  }

  it('a share that traps throws from the call, whoever ran it, and the next calls run normally', () => {
    const engine = new Engine({ threads: 2, spin: { worker: 0, caller: 0 } });
    const c = makeCase(engine, [8, 8], 5);
    const beyond = engine.heap.memory.buffer.byteLength; // no address there: the pack traps
    for (let i = 0; i < 40; i++) {
      const bad = i % 2; // the trapping share on the worker's list, or on the caller's
      reset(engine, c);
      c.problems.forEach((p, t) => queueGemm(engine, (kernel, args) => engine.push(t, kernel, args), engine.views[t]!, t === bad ? { ...p, a: beyond } : p, 0, p.m, 0, p.n));
      assert.throws(() => engine.flush(), /out of bounds|wasm worker failed/, `call ${i}`);
      reset(engine, c);
      c.problems.forEach((p, t) => queueGemm(engine, (kernel, args) => engine.push(t, kernel, args), engine.views[t]!, p, 0, p.m, 0, p.n));
      engine.flush();
      check(engine, c, `call ${i} after the trap`);
    }
  });
});
