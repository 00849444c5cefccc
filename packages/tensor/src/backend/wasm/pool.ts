/**
 * Worker threads over the engine's shared memory (started by `threads.ts`: Node's worker_threads or
 * a browser's Web Workers). Each worker instantiates the same module against the same memory and
 * then loops: sleep on its `seq` word (Atomics.wait), run command lists, publish `done = seq`, wake
 * the calling thread. The calling thread runs its own share meanwhile, then waits on the workers'
 * `done` words: with Atomics.wait where this thread may block (Node's main thread, any worker), by
 * spinning on Atomics.load where it may not (a browser page's main thread). Node's workers are
 * unref'd, so an idle pool never keeps the process alive.
 *
 * What a thread runs is a table of `count` command lists and a claim word: it takes list indices
 * with Atomics.add on the claim word until they run out. A private claim word means "run all of
 * my lists" (a static split); one claim word shared by every thread means "the next task goes to
 * whoever is free" (a dynamic split, where table t holds thread t's copy of each task).
 */

import { mayBlock, webWorkersShareMemory, workerThreads } from './platform.ts';
import { CLAIM, COUNT, DONE, FAILED, OWN_CLAIM, SEQ, TABLE, startNodeThreads, startWebThreads } from './threads.ts';
import type { StartedThreads, WorkerThread } from './threads.ts';

/** i32 words of control per thread, padded to a cache line. */
export const CONTROL_WORDS = 16;

interface PoolWorker {
  readonly thread: WorkerThread;
  seq: number;
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

  /**
   * @param threads total threads including the calling one (so `threads - 1` workers)
   * @param controlPtr byte address of `(threads + 1) · CONTROL_WORDS` i32 words reserved for the pool
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, controlPtr: number, readonly threads: number) {
    this.control = controlPtr >> 2;
    // The memory's first buffer: it covers the reserved low region (control words, tables, lists),
    // which never moves when the memory grows.
    this.words = new Int32Array(memory.buffer);
    this.words.fill(0, this.control, this.control + (threads + 1) * CONTROL_WORDS);
    const spec = { module, memory, controls: Array.from({ length: threads - 1 }, (_, i) => this.controlOf(i + 1)) };
    const wt = workerThreads();
    let started: StartedThreads = { threads: [], ready: Promise.resolve() };
    if (threads > 1) {
      if (wt !== null) started = startNodeThreads(wt, spec);
      else if (webWorkersShareMemory()) started = startWebThreads(spec);
      else throw new Error('wasm engine: no worker threads can share its memory here (a browser page must be cross-origin isolated)');
    }
    for (const thread of started.threads) this.workers.push({ thread, seq: 0 });
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
    const started: [PoolWorker, number][] = [];
    for (let t = 1; t < this.threads; t++) {
      const w = work[t];
      if (!w) continue;
      const pw = this.workers[t - 1]!, control = this.controlOf(t);
      pw.seq = (pw.seq + 1) | 0;
      words[control + TABLE] = w.table;
      words[control + COUNT] = w.count;
      words[control + CLAIM] = w.claim;
      Atomics.store(words, control + SEQ, pw.seq);
      Atomics.notify(words, control + SEQ);
      started.push([pw, control]);
    }
    let failure: unknown = null;
    const own = work[0];
    try {
      if (own) for (let i = Atomics.add(words, own.claim, 1); i < own.count; i = Atomics.add(words, own.claim, 1)) runList(words[(own.table >> 2) + i]!);
    } catch (error) {
      failure = error;
      // Let the workers drain whatever is left of a shared claim quickly.
      if (own) Atomics.store(words, own.claim, own.count);
    }
    for (const [pw, control] of started) {
      for (;;) {
        const done = Atomics.load(words, control + DONE);
        if (done === pw.seq) break;
        if (this.block) Atomics.wait(words, control + DONE, done);
      }
      if (Atomics.exchange(words, control + FAILED, 0) !== 0) {
        failure ??= new Error(`wasm worker failed: ${pw.thread.failure() ?? 'its message has not arrived'}`);
      }
    }
    if (failure !== null) throw failure;
  }

  /** Stop the workers (the pool is unusable afterwards). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.thread.terminate()));
    this.workers.length = 0;
  }
}
