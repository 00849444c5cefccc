/**
 * What the engine needs from the platform, probed without starting anything: shared WebAssembly
 * memory and SIMD-128 to run at all, and for more than one thread, workers that can share that
 * memory: Node's `worker_threads`, or a browser's Web Workers when the page is cross-origin isolated
 * (without isolation a page can still create a shared memory, but cannot post it to a worker).
 * Node's built-ins are looked up with `process.getBuiltinModule` (Node ≥ 20.16) rather than
 * imported, so importing the tensor package stays cheap and bundles for a browser unchanged.
 */

import { Code } from './emit/code.ts';
import { ModuleBuilder } from './emit/module.ts';

type Builtins = { getBuiltinModule?: (id: string) => unknown };

/**
 * The part of Node's `worker_threads` the pool uses, declared here rather than imported from
 * @types/node, so the package's declarations type-check in a project without Node's types.
 */
export interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown; transferList: unknown[]; name: string }) => { unref(): void; terminate(): Promise<number> };
  MessageChannel: new () => { port1: NodeMessagePort; port2: NodeMessagePort };
  receiveMessageOnPort(port: NodeMessagePort): { message: unknown } | undefined;
}
export interface NodeMessagePort {
  unref(): void;
}

/** Node's `worker_threads`, or null where there is none. */
export function workerThreads(): NodeWorkerThreads | null {
  const proc = (globalThis as { process?: Builtins }).process;
  const mod = proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
  return mod?.Worker ? mod : null;
}

/** Whether a browser's Web Workers can share the engine's memory here (the page is cross-origin isolated). */
export function webWorkersShareMemory(): boolean {
  const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean };
  return typeof g.Worker === 'function' && g.crossOriginIsolated === true;
}

/**
 * The most threads the engine may use here: the machine's logical processors, at most 8, where
 * workers can share its memory (Node; a cross-origin-isolated page), else 1.
 */
export function wasmMaxThreads(): number {
  return workerThreads() !== null || webWorkersShareMemory() ? Math.min(availableParallelism(), 8) : 1;
}

let blocking: boolean | undefined;

/** Whether this thread may sleep in `Atomics.wait`: Node's threads and workers may, a browser page's main thread may not. */
export function mayBlock(): boolean {
  blocking ??= (() => {
    try {
      const words = new Int32Array(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer);
      Atomics.wait(words, 0, 1, 0); // returns "not-equal" at once where waiting is allowed
      return true;
    } catch {
      return false;
    }
  })();
  return blocking;
}

/** Logical processors, from Node's `os` when present, else the browser's `navigator`. */
export function availableParallelism(): number {
  const proc = (globalThis as { process?: Builtins }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return os?.availableParallelism?.() ?? nav?.hardwareConcurrency ?? 1;
}

/** A module importing a shared memory, with one function that uses `f32x4.add`: it validates only where both work. */
function probeModule(): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder({ module: 'env', name: 'memory', initial: 1, maximum: 1, shared: true });
  const c = new Code([]);
  c.v128ConstF32([1, 2, 3, 4]).v128ConstF32([1, 2, 3, 4]).f32x4Add().drop();
  mod.declare('probe', c);
  return mod.toBytes();
}

let supported: boolean | undefined;

/** Whether the wasm engine can run here (checked once; builds no engine and starts no worker). */
export function wasmEngineSupported(): boolean {
  supported ??= probe();
  return supported;
}

function probe(): boolean {
  if (typeof Atomics !== 'object' || typeof WebAssembly !== 'object') return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return WebAssembly.validate(probeModule());
  } catch {
    return false;
  }
}
