/**
 * Worker threads over the engine's shared memory. Each worker instantiates the same module against
 * the same memory and then loops: sleep on its `seq` word (Atomics.wait), run the command list it is
 * pointed at, publish `done = seq`, wake the main thread. The main thread runs its own list in the
 * meantime and then waits on the workers' `done` words (Node allows Atomics.wait on its main thread).
 * Workers are unref'd, so an idle pool never keeps the process alive.
 */

import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

/** i32 words of control per thread (seq, done, list, failed), padded to a cache line. */
export const CONTROL_WORDS = 16;
const SEQ = 0, DONE = 1, LIST = 2, FAILED = 3;

/** The whole worker: plain JavaScript, so it needs no TypeScript loader in the worker thread. */
const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, port } = workerData;
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
const words = new Int32Array(memory.buffer, 0, control + ${CONTROL_WORDS});
let seen = 0;
for (;;) {
  Atomics.wait(words, control + ${SEQ}, seen);
  seen = Atomics.load(words, control + ${SEQ});
  try {
    exports.run(Atomics.load(words, control + ${LIST}));
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
  /** Index of this worker's first control word in the memory's i32 view. */
  readonly control: number;
  seq: number;
}

export class Pool {
  private readonly workers: PoolWorker[] = [];
  private readonly words: Int32Array;

  /**
   * @param threads total threads including the calling one (so `threads - 1` workers)
   * @param controlPtr byte address of `threads · CONTROL_WORDS` i32 words reserved for the pool
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, controlPtr: number, readonly threads: number) {
    this.words = new Int32Array(memory.buffer, 0, (controlPtr >> 2) + threads * CONTROL_WORDS);
    for (let t = 1; t < threads; t++) {
      const control = (controlPtr >> 2) + t * CONTROL_WORDS;
      this.words.fill(0, control, control + CONTROL_WORDS);
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(workerSource, {
        eval: true,
        workerData: { module, memory, control, port: port2 },
        transferList: [port2],
        name: `diffusion-ts wasm ${t}`,
      });
      worker.unref();
      port1.unref();
      this.workers.push({ worker, port: port1, control, seq: 0 });
    }
  }

  /**
   * Run `lists[t]` (byte address of a command list, or null for nothing) on thread t, thread 0
   * being this one via `runHere`; return once every thread has finished.
   */
  run(lists: readonly (number | null)[], runHere: (list: number) => void): void {
    const started: PoolWorker[] = [];
    for (let t = 1; t < this.threads; t++) {
      const list = lists[t];
      if (list === null || list === undefined) continue;
      const w = this.workers[t - 1]!;
      w.seq = (w.seq + 1) | 0;
      Atomics.store(this.words, w.control + LIST, list);
      Atomics.store(this.words, w.control + SEQ, w.seq);
      Atomics.notify(this.words, w.control + SEQ);
      started.push(w);
    }
    let failure: unknown = null;
    const own = lists[0];
    try {
      if (own !== null && own !== undefined) runHere(own);
    } catch (error) {
      failure = error;
    }
    for (const w of started) {
      for (;;) {
        const done = Atomics.load(this.words, w.control + DONE);
        if (done === w.seq) break;
        Atomics.wait(this.words, w.control + DONE, done);
      }
      if (Atomics.exchange(this.words, w.control + FAILED, 0) !== 0) {
        const message = receiveMessageOnPort(w.port)?.message;
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
