/**
 * Starting the pool's worker threads: Node's `worker_threads`, or a browser's Web Workers. Both run
 * the same plain-JavaScript loop (`serve`, below): instantiate the engine's module against the shared
 * memory, then wait for a job on the thread's `JOB` word, run its command lists, publish `done` and
 * wake the caller. Only the bootstrap differs: a Node worker gets its module, memory and control words as
 * `workerData` and starts at once; a Web Worker gets them in its first message and reports when it
 * runs, so a page awaits `ready` before the first kernel (a browser starts a worker asynchronously).
 *
 * The job word: 0 or −s while the thread is idle, s > 0 when job s has been posted. The worker takes
 * job s by compare-and-swap s → −s; the caller may take it back first by s → 0 (`Pool.run` does, and
 * runs that thread's share itself, when the worker has not started by the time the caller's own
 * share is done: a worker whose core another process holds then costs nothing). Exactly one of the
 * two swaps succeeds. An idle worker may spin on the word for `spinMicros` before it sleeps in
 * Atomics.wait, so that a job posted soon after the last one (the next kernel of a network) starts
 * without a wake-up, as XNNPACK's pthreadpool spins; 50 µs by default (`defaultSpin` in pool.ts).
 */

import type { NodeWorkerThreads } from './platform.ts';

/** Offsets (in i32 words) inside one thread's control block. */
export const JOB = 0, DONE = 1, TABLE = 2, COUNT = 3, CLAIM = 4, FAILED = 5, OWN_CLAIM = 8;

/** The loop every worker runs; `report(message)` carries a failure's stack to the pool's thread. */
const serveSource = `
function serve(module, memory, control, spinMicros, report, onReady) {
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const words = new Int32Array(memory.buffer);
  onReady();
  for (;;) {
    let job = Atomics.load(words, control + ${JOB});
    if (job <= 0) {
      const until = performance.now() + spinMicros / 1000;
      while ((job = Atomics.load(words, control + ${JOB})) <= 0 && performance.now() < until);
      if (job <= 0) {
        Atomics.wait(words, control + ${JOB}, job);
        continue;
      }
    }
    if (Atomics.compareExchange(words, control + ${JOB}, job, -job) !== job) continue; // taken back
    try {
      const table = words[control + ${TABLE}] >> 2, count = words[control + ${COUNT}], claim = words[control + ${CLAIM}];
      for (let i = Atomics.add(words, claim, 1); i < count; i = Atomics.add(words, claim, 1)) exports.run(words[table + i]);
    } catch (error) {
      report(String(error && error.stack || error));
      Atomics.store(words, control + ${FAILED}, 1);
    }
    Atomics.store(words, control + ${DONE}, job);
    Atomics.notify(words, control + ${DONE});
  }
}
`;

const nodeWorkerSource = `${serveSource}
const { workerData } = require('node:worker_threads');
serve(workerData.module, workerData.memory, workerData.control, workerData.spinMicros, (m) => workerData.port.postMessage(m), () => {});
`;

const webWorkerSource = `${serveSource}
onmessage = ({ data }) => {
  onmessage = null;
  serve(data.module, data.memory, data.control, data.spinMicros, (m) => postMessage({ failure: m }), () => postMessage({ ready: true }));
};
`;

/** One started worker, as the pool sees it. */
export interface WorkerThread {
  /** The failure message the worker reported, if it has arrived (the pool reads it after `FAILED`). */
  failure(): string | undefined;
  terminate(): Promise<unknown>;
}

export interface StartedThreads {
  readonly threads: readonly WorkerThread[];
  /** Resolves when every worker has instantiated the module and waits for work. */
  readonly ready: Promise<void>;
}

/** What the threads need: the compiled module, the shared memory, and each worker's control word index. */
export interface ThreadSpec {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly controls: readonly number[];
  /** How long an idle worker spins on its job word before it sleeps, in microseconds. */
  readonly spinMicros: number;
}

/** Node's workers: started synchronously (they boot in parallel and the caller may block on them). */
export function startNodeThreads(wt: NodeWorkerThreads, { module, memory, controls, spinMicros }: ThreadSpec): StartedThreads {
  const threads = controls.map((control, i): WorkerThread => {
    const { port1, port2 } = new wt.MessageChannel();
    const worker = new wt.Worker(nodeWorkerSource, {
      eval: true,
      workerData: { module, memory, control, spinMicros, port: port2 },
      transferList: [port2],
      name: `diffusion-ts wasm ${i + 1}`,
    });
    worker.unref();
    port1.unref();
    return {
      failure: () => {
        const message: unknown = wt.receiveMessageOnPort(port1)?.message;
        return message === undefined ? undefined : String(message);
      },
      terminate: () => worker.terminate(),
    };
  });
  return { threads, ready: Promise.resolve() };
}

/** A browser's Web Workers over the shared memory (the page must be cross-origin isolated to share it). */
export function startWebThreads({ module, memory, controls, spinMicros }: ThreadSpec): StartedThreads {
  const url = URL.createObjectURL(new Blob([webWorkerSource], { type: 'text/javascript' }));
  const started: Promise<void>[] = [];
  const threads = controls.map((control, i): WorkerThread => {
    const worker = new Worker(url, { name: `diffusion-ts wasm ${i + 1}` });
    let failure: string | undefined;
    started.push(
      new Promise<void>((resolve, reject) => {
        worker.onmessage = ({ data }: MessageEvent<{ ready?: true; failure?: string }>) => {
          if (data.ready) resolve();
          else failure = data.failure;
        };
        worker.onerror = (event) => reject(new Error(`wasm engine: worker ${i + 1} failed to start: ${event.message}`));
      }),
    );
    worker.postMessage({ module, memory, control, spinMicros });
    return { failure: () => failure, terminate: async () => worker.terminate() };
  });
  const ready = Promise.all(started).then(
    () => URL.revokeObjectURL(url),
    (error: unknown) => {
      URL.revokeObjectURL(url);
      for (const t of threads) void t.terminate();
      throw error;
    },
  );
  return { threads, ready };
}
