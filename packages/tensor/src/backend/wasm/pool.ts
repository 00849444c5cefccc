/**
 * Worker threads over the engine's shared memory (started by `threads.ts`: Node's worker_threads or
 * a browser's Web Workers). Each worker instantiates the same module against the same memory and
 * then loops: wait for a job on its job word (Atomics.wait, after an optional spin), take it, run
 * command lists, publish `done`, wake the calling thread. The calling thread runs its own share
 * meanwhile. Then, for each worker: if it has not taken its job yet, the caller takes the job back
 * and runs that share itself (a worker that another process keeps off its core, or that is slow to
 * wake, never holds the call up); otherwise it waits on the worker's `done` word (after an optional
 * spin) with Atomics.wait where this thread may block (Node's main thread, any worker), spinning
 * only where it may not (a browser page's main thread). Node's workers are unref'd, so an idle pool
 * never keeps the process alive.
 *
 * What a thread runs is a table of `count` command lists and a claim word: it takes list indices
 * with Atomics.add on the claim word until they run out. A private claim word means "run all of
 * my lists" (a static split); one claim word shared by every thread means "the next task goes to
 * whoever is free" (a dynamic split, where table t holds thread t's copy of each task).
 */

import { mayBlock, webWorkersShareMemory, workerThreads } from './platform.ts';
import { CLAIM, COUNT, DONE, FAILED, JOB, OWN_CLAIM, TABLE, startNodeThreads, startWebThreads } from './threads.ts';
import type { StartedThreads, WorkerThread } from './threads.ts';

/** i32 words of control per thread, padded to a cache line. */
export const CONTROL_WORDS = 16;

/**
 * Default spins, in microseconds: an idle worker's on its job word before it sleeps, and the
 * caller's on a worker's `done` word before it sleeps. A hand-over to a spinning worker costs ~2 µs,
 * one to a sleeping worker ~14 µs, and batch-1 sampling hands over ~190 times a call: where the
 * engine has its cores to itself, 50 µs spins made a batch-1 evaluation of the bench U-Net ~9% faster
 * (medians of seven alternating runs of 150 calls, 24.4 against 26.8 ms, load average 1.2–1.5, the
 * machine otherwise idle), as XNNPACK's pthreadpool and OpenMP runtimes spin by default. On a machine
 * whose other core is busy a spinning thread takes time that core's work needs (37.6 against 33 ms
 * at load average 4): there, `startWasmEngine({ spin: { worker: 0, caller: 0 } })` turns it off.
 * bench/README.md, "batch-1 latency".
 */
export const defaultSpin = { worker: 50, caller: 50 } as const;

interface PoolWorker {
  readonly thread: WorkerThread;
  /** The last job number posted to it (1 … 2³⁰, then again from 1; 0 and negatives mean idle). */
  job: number;
}

/** What thread t runs: `count` lists whose addresses are at `table`, claimed through word `claim`. */
export interface ThreadWork {
  readonly table: number;
  readonly count: number;
  /** Index (in i32 words) of the claim word; see `Pool.ownClaim` and `Pool.sharedClaim`. */
  readonly claim: number;
}

export class Pool {
  private readonly workers: PoolWorker[] = [];
  private readonly words: Int32Array;
  private readonly control: number;
  /** Whether this thread may sleep in Atomics.wait (else it spins while the workers finish). */
  private readonly block = mayBlock();
  private started = false;
  /** Resolves when every worker runs: at once on Node; a browser page awaits it before the first kernel. */
  readonly ready: Promise<void>;
  /** Jobs posted to workers so far, and how many of them the caller took back and ran itself (for benchmarks and tests). */
  posted = 0;
  takenBack = 0;

  /**
   * @param threads total threads including the calling one (so `threads - 1` workers)
   * @param controlPtr byte address of `(threads + 1) · CONTROL_WORDS` i32 words reserved for the pool
   * @param spin how long (µs) an idle worker spins before it sleeps, and the caller before it sleeps on a worker
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, controlPtr: number, readonly threads: number, private readonly spin: { readonly worker: number; readonly caller: number } = defaultSpin) {
    this.control = controlPtr >> 2;
    // The memory's first buffer: it covers the reserved low region (control words, tables, lists),
    // which never moves when the memory grows.
    this.words = new Int32Array(memory.buffer);
    this.words.fill(0, this.control, this.control + (threads + 1) * CONTROL_WORDS);
    const spec = { module, memory, controls: Array.from({ length: threads - 1 }, (_, i) => this.controlOf(i + 1)), spinMicros: spin.worker };
    const wt = workerThreads();
    let started: StartedThreads = { threads: [], ready: Promise.resolve() };
    if (threads > 1) {
      if (wt !== null) started = startNodeThreads(wt, spec);
      else if (webWorkersShareMemory()) started = startWebThreads(spec);
      else throw new Error('wasm engine: no worker threads can share its memory here (a browser page must be cross-origin isolated)');
    }
    for (const thread of started.threads) this.workers.push({ thread, job: 0 });
    this.ready = started.ready.then(() => {
      this.started = true;
    });
    if (wt !== null || threads === 1) this.started = true;
  }

  private controlOf(t: number): number {
    return this.control + t * CONTROL_WORDS;
  }

  /** Thread t's private claim word. */
  ownClaim(t: number): number {
    return this.controlOf(t) + OWN_CLAIM;
  }

  /** The claim word all threads share for dynamic splits. */
  get sharedClaim(): number {
    return this.controlOf(this.threads) + OWN_CLAIM;
  }

  /** Run `work[t]` on thread t (null: nothing), thread 0 being this one; return when all are done. */
  run(work: readonly (ThreadWork | null)[], runList: (list: number) => void): void {
    if (!this.started) throw new Error('wasm engine: its workers have not started yet; await startWasmEngine() before the first kernel');
    const words = this.words;
    for (const w of work) if (w) Atomics.store(words, w.claim, 0);
    const jobs: [PoolWorker, number, ThreadWork][] = [];
    for (let t = 1; t < this.threads; t++) {
      const w = work[t];
      if (!w) continue;
      const pw = this.workers[t - 1]!, control = this.controlOf(t);
      pw.job = pw.job >= 1 << 30 ? 1 : pw.job + 1;
      words[control + TABLE] = w.table;
      words[control + COUNT] = w.count;
      words[control + CLAIM] = w.claim;
      Atomics.store(words, control + JOB, pw.job);
      Atomics.notify(words, control + JOB);
      jobs.push([pw, control, w]);
    }
    this.posted += jobs.length;
    let failure: unknown = null;
    /** Run the lists of `w` that nobody has claimed yet, here. */
    const drain = (w: ThreadWork | null | undefined): void => {
      if (!w || failure !== null) return;
      try {
        for (let i = Atomics.add(words, w.claim, 1); i < w.count; i = Atomics.add(words, w.claim, 1)) runList(words[(w.table >> 2) + i]!);
      } catch (error) {
        failure = error;
        // Let the workers drain whatever is left of a shared claim quickly.
        Atomics.store(words, w.claim, w.count);
      }
    };
    drain(work[0]);
    for (const [pw, control, w] of jobs) {
      if (Atomics.compareExchange(words, control + JOB, pw.job, 0) === pw.job) {
        this.takenBack++;
        drain(w); // taken back before the worker took it: its share runs here (its scratch is free)
        continue;
      }
      this.waitDone(control, pw.job);
      if (Atomics.exchange(words, control + FAILED, 0) !== 0) {
        failure ??= new Error(`wasm worker failed: ${pw.thread.failure() ?? 'its message has not arrived'}`);
      }
    }
    if (failure !== null) throw failure;
  }

  /** Wait until the worker at `control` publishes `done = job`: spin a while, then sleep where this thread may. */
  private waitDone(control: number, job: number): void {
    const words = this.words;
    if (Atomics.load(words, control + DONE) === job) return;
    const until = performance.now() + this.spin.caller / 1000;
    while (performance.now() < until) if (Atomics.load(words, control + DONE) === job) return;
    for (;;) {
      const done = Atomics.load(words, control + DONE);
      if (done === job) return;
      if (this.block) Atomics.wait(words, control + DONE, done);
    }
  }

  /** Stop the workers (the pool is unusable afterwards). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.thread.terminate()));
    this.workers.length = 0;
  }
}
