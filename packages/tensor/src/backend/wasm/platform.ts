/**
 * What the engine needs from the platform, probed without starting anything: shared WebAssembly
 * memory (SharedArrayBuffer), SIMD-128, and worker threads with a blocking `Atomics.wait` on the
 * calling thread, which today means Node's `worker_threads`. Node's built-ins are looked up with
 * `process.getBuiltinModule` (Node ≥ 20.16) rather than imported, so importing the tensor package
 * stays cheap and loads in a browser, where the probe simply answers "no".
 */

import type * as WorkerThreads from 'node:worker_threads';
import { Code } from './emit/code.ts';
import { ModuleBuilder } from './emit/module.ts';

type Builtins = { getBuiltinModule?: (id: string) => unknown };

/** Node's `worker_threads`, or null where there is none. */
export function workerThreads(): typeof WorkerThreads | null {
  const proc = (globalThis as { process?: Builtins }).process;
  const mod = proc?.getBuiltinModule?.('node:worker_threads') as typeof WorkerThreads | undefined;
  return mod?.Worker ? mod : null;
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
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object' || typeof WebAssembly !== 'object') return false;
  if (workerThreads() === null) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return WebAssembly.validate(probeModule());
  } catch {
    return false;
  }
}
