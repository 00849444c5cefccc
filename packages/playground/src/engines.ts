/**
 * The engines the page can run on, read from the tensor package at run time: `availableBackends()`
 * (js everywhere; wasm where WebAssembly SIMD and shared memory exist; gpu once registered), with the
 * wasm engine offered twice where the page is cross-origin isolated: on one thread, and on Web Workers.
 */
import { availableBackends, setBackend, startWasmEngine, wasmMaxThreads, type BackendName } from '@diffusion-ts/tensor';

export interface Engine {
  /** Stable id, e.g. 'js', 'wasm-1', 'wasm-4', 'gpu'. */
  readonly id: string;
  readonly label: string;
  readonly backend: BackendName;
  /** wasm threads (the calling one included). */
  readonly threads?: number;
}

export function listEngines(): Engine[] {
  const engines: Engine[] = [];
  for (const backend of availableBackends()) {
    if (backend !== 'wasm') {
      engines.push({ id: backend, label: backend === 'js' ? 'js (reference loops)' : backend, backend });
      continue;
    }
    engines.push({ id: 'wasm-1', label: 'wasm SIMD, 1 thread', backend, threads: 1 });
    const max = wasmMaxThreads();
    if (max > 1) engines.push({ id: `wasm-${max}`, label: `wasm SIMD, ${max} threads (Web Workers)`, backend, threads: max });
  }
  return engines;
}

/** Make `engine` the one new tensors live on; for wasm, start its threads first. */
export async function useEngine(engine: Engine): Promise<void> {
  if (engine.backend === 'wasm') await startWasmEngine({ threads: engine.threads ?? 1 });
  setBackend(engine.backend);
}
