/**
 * SGEMM on the engine: C (+)= op(A) · op(B) for a batch of f32 matrices already in the heap.
 * The loops around the generated kernels are BLIS's five (Van Zee & van de Geijn 2015, Fig. 1):
 *   jc over NC columns → pc over KC depth (pack B) → ic over MC rows (pack A) → macro-kernel
 * written here as command lists; the macro-kernel holds the last two loops and the micro-kernel.
 * A batch of small products is shared out as whole products (one task each); a large product is
 * split inside: the threads pack each B block together, then take (row block × column range) tasks.
 */

import { LOCAL, type Push, type ThreadView } from './commands.ts';
import type { Engine } from './engine.ts';
import { gemmMacro, gemmPackA, gemmPackB } from './gemm-kernel.ts';

/** One matrix product C[m×n] (+)= A[m×k] · B[k×n] with arbitrary element strides (byte addresses). */
export interface GemmProblem {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** A[i, p] at a + 4·(i·rsA + p·csA). */
  readonly a: number;
  readonly rsA: number;
  readonly csA: number;
  /** B[p, j] at b + 4·(p·rsB + j·csB). */
  readonly b: number;
  readonly rsB: number;
  readonly csB: number;
  /** C[i, j] at c + 4·(i·ldc + j). */
  readonly c: number;
  readonly ldc: number;
  /** Add into C instead of overwriting it. */
  readonly accumulate: boolean;
}

/** Queue, with the scratch of the thread `here`, the part C[m0:m1, n0:n1] of problem p. */
export function queueGemm(engine: Engine, push: Push, here: ThreadView, p: GemmProblem, m0: number, m1: number, n0: number, n1: number): void {
  const { mc: MC, kc: KC, nc: NC } = engine.blocking;
  const { packA, packB, tile } = here;
  if (p.k === 0) {
    // Zeroed here, on this thread, so C must be a real address (not a task's thread-local placeholder).
    if (p.c >= LOCAL) throw new Error('wasm gemm: a task cannot zero a thread-local C (k = 0); zero it before adding the task');
    if (!p.accumulate) for (let i = m0; i < m1; i++) engine.heap.f32.fill(0, (p.c >> 2) + i * p.ldc + n0, (p.c >> 2) + i * p.ldc + n1);
    return;
  }
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = Math.min(NC, n1 - jc);
    for (let pc = 0; pc < p.k; pc += KC) {
      const kc = Math.min(KC, p.k - pc);
      // B[pc:pc+kc, jc:jc+nc] → NR-column panels.
      push(gemmPackB, { src: p.b + 4 * (pc * p.rsB + jc * p.csB), colStride: 4 * p.csB, kStride: 4 * p.rsB, nc, kc, dst: packB });
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = Math.min(MC, m1 - ic);
        // A[ic:ic+mc, pc:pc+kc] → MR-row panels, then every micro-tile of this block.
        push(gemmPackA, { src: p.a + 4 * (ic * p.rsA + pc * p.csA), rowStride: 4 * p.rsA, kStride: 4 * p.csA, mc, kc, dst: packA });
        const accumulate = p.accumulate || pc > 0 ? 1 : 0;
        push(gemmMacro, { mc, nc, kc, ap: packA, bp: packB, c: p.c + 4 * (ic * p.ldc + jc), ldc: 4 * p.ldc, accumulate, scratch: tile });
      }
    }
  }
}

/** Below this many multiply-adds a product runs on one thread (waking a worker costs ~10–50 µs). */
const PARALLEL_MIN_MACS = 1 << 19;
/** Up to this many multiply-adds, a batch of products is spread as whole products per task. */
const WHOLE_TASK_MAX_MACS = 1 << 24;

/** Split [0, n) into `parts` ranges whose boundaries are multiples of `unit`. */
export function splitRange(n: number, parts: number, unit: number): [number, number][] {
  const chunk = Math.ceil(n / parts / unit) * unit;
  const ranges: [number, number][] = [];
  for (let start = 0; start < n; start += chunk) ranges.push([start, Math.min(n, start + chunk)]);
  return ranges;
}

/**
 * One product on every thread, BLIS's third loop in parallel (Smith et al. 2014, "Anatomy of
 * High-Performance Many-Threaded Matrix Multiplication"): for each KC×NC block of B, the threads
 * pack it together into one shared buffer; then tasks (an MC-row block of A, packed by whoever runs
 * the task, times a range of B's panels) go to whichever thread is free, which keeps both cores
 * busy on a machine where another process may take one of them for a while.
 */
export function gemmParallel(engine: Engine, p: GemmProblem): void {
  const T = engine.threads;
  if (T === 1 || p.m * p.n * p.k < PARALLEL_MIN_MACS || p.k === 0) {
    queueGemm(engine, (kernel, args) => engine.push(0, kernel, args), engine.views[0]!, p, 0, p.m, 0, p.n);
    engine.flush();
    return;
  }
  const { mc: MC, kc: KC, nc: NC } = engine.blocking;
  const { nr } = engine.shape;
  const bp = engine.sharedPackB;
  for (let jc = 0; jc < p.n; jc += NC) {
    const nc = Math.min(NC, p.n - jc);
    for (let pc = 0; pc < p.k; pc += KC) {
      const kc = Math.min(KC, p.k - pc);
      // Pack B[pc:pc+kc, jc:jc+nc] together: thread t packs whole panels [n0, n1), which land at bp + n0·kc.
      splitRange(nc, T, nr).forEach(([n0, n1], t) => {
        engine.push(t, gemmPackB, { src: p.b + 4 * (pc * p.rsB + (jc + n0) * p.csB), colStride: 4 * p.csB, kStride: 4 * p.rsB, nc: n1 - n0, kc, dst: bp + 4 * n0 * kc });
      });
      engine.flush();
      // Tasks: row blocks × column ranges, at least 4 per thread when the shape allows.
      const rowBlocks = Math.ceil(p.m / MC);
      const colParts = Math.max(1, Math.min(Math.ceil(nc / (4 * nr)), Math.ceil((4 * T) / rowBlocks)));
      const accumulate = p.accumulate || pc > 0 ? 1 : 0;
      for (let ic = 0; ic < p.m; ic += MC) {
        const mc = Math.min(MC, p.m - ic);
        for (const [n0, n1] of splitRange(nc, colParts, nr)) {
          engine.addTask((push, { packA, tile }) => {
            push(gemmPackA, { src: p.a + 4 * (ic * p.rsA + pc * p.csA), rowStride: 4 * p.rsA, kStride: 4 * p.csA, mc, kc, dst: packA });
            push(gemmMacro, { mc, nc: n1 - n0, kc, ap: packA, bp: bp + 4 * n0 * kc, c: p.c + 4 * (ic * p.ldc + jc + n0), ldc: 4 * p.ldc, accumulate, scratch: tile });
          });
        }
      }
      engine.runTasks();
    }
  }
}

/**
 * Run independent products (their C regions must not overlap): small ones as whole-product tasks
 * shared out among the threads, large ones one after another, each across all threads.
 */
export function runGemms(engine: Engine, problems: readonly GemmProblem[]): void {
  const T = engine.threads;
  const small = problems.every((p) => p.m * p.n * p.k <= WHOLE_TASK_MAX_MACS);
  if (T > 1 && problems.length >= T && small) {
    for (const p of problems) engine.addTask((push, here) => queueGemm(engine, push, here, p, 0, p.m, 0, p.n));
    engine.runTasks();
  } else {
    for (const p of problems) gemmParallel(engine, p);
  }
}
