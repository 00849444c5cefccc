/**
 * Worker threads over the engine's shared memory. Each worker instantiates the same module against
 * the same memory and then loops: sleep on its `seq` word (Atomics.wait), run command lists, publish
 * `done = seq`, wake the main thread. The main thread runs its own share meanwhile, then waits on
 * the workers' `done` words (Node allows Atomics.wait on its main thread). Workers are unref'd, so
 * an idle pool never keeps the process alive.
 *
 * What a thread runs is a table of `count` command lists and a claim word: it takes list indices
 * with Atomics.add on the claim word until they run out. A private claim word means "run all of
 * my lists" (a static split); one claim word shared by every thread means "the next task goes to
 * whoever is free" (a dynamic split, where table t holds thread t's copy of each task).
 */

import type { MessagePort, Worker } from 'node:worker_threads';
import { workerThreads } from './platform.ts';

/** i32 words of control per thread, padded to a cache line. */
export const CONTROL_WORDS = 16;
const SEQ = 0, DONE = 1, TABLE = 2, COUNT = 3, CLAIM = 4, FAILED = 5, OWN_CLAIM = 8;

/** The whole worker: plain JavaScript, so it needs no TypeScript loader in the worker thread. */
const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, port } = workerData;
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
const words = new Int32Array(memory.buffer);
let seen = 0;
for (;;) {
  Atomics.wait(words, control + ${SEQ}, seen);
  seen = Atomics.load(words, control + ${SEQ});
  try {
    const table = words[control + ${TABLE}] >> 2, count = words[control + ${COUNT}], claim = words[control + ${CLAIM}];
    for (let i = Atomics.add(words, claim, 1); i < count; i = Atomics.add(words, claim, 1)) exports.run(words[table + i]);
  } catch (error) {
    port.postMessage(String(error && error.stack || error));
    Atomics.store(words, control + ${FAILED}, 1);
  }
  Atomics.store(words, control + ${DONE}, seen);
  Atomics.notify(words, control + ${DONE});
}
`;

interface PoolWorker {
  readonly worker: Worker;
  readonly port: MessagePort;
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
    const wt = workerThreads();
    if (threads > 1 && wt === null) throw new Error('wasm engine: worker threads are not available on this platform');
    for (let t = 1; t < threads; t++) {
      const { port1, port2 } = new wt!.MessageChannel();
      const worker = new wt!.Worker(workerSource, {
        eval: true,
        workerData: { module, memory, control: this.controlOf(t), port: port2 },
        transferList: [port2],
        name: `diffusion-ts wasm ${t}`,
      });
      worker.unref();
      port1.unref();
      this.workers.push({ worker, port: port1, seq: 0 });
    }
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
        Atomics.wait(words, control + DONE, done);
      }
      if (Atomics.exchange(words, control + FAILED, 0) !== 0) {
        const message = workerThreads()?.receiveMessageOnPort(pw.port)?.message;
        failure ??= new Error(`wasm worker failed: ${String(message)}`);
      }
    }
    if (failure !== null) throw failure;
  }

  /** Stop the workers (the pool is unusable afterwards). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers.length = 0;
  }
}
