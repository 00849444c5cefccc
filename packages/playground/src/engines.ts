/**
 * The engines the page can run on, read from the tensor package at run time: `availableBackends()`
 * (js everywhere; wasm where WebAssembly SIMD and shared memory exist; gpu once registered), with the
 * wasm engine offered twice where the page is cross-origin isolated: on one thread, and on Web Workers.
 */
import { availableBackends, initGpu, setBackend, startWasmEngine, wasmMaxThreads, type BackendName } from '@diffusion-ts/tensor';

export interface Engine {
  /** Stable id, e.g. 'js', 'wasm-1', 'wasm-4', 'gpu'. */
  readonly id: string;
  readonly label: string;
  readonly backend: BackendName;
  /** wasm threads (the calling one included). */
  readonly threads?: number;
}

/**
 * The engines this browser offers. The gpu backend is started here: on WebGPU where the browser has
 * an adapter, else on WebGL2 (`?gpu=webgl2` in the page's address asks for WebGL2 even where WebGPU
 * exists); its label names the engine and adapter, since a software one (SwiftShader) says nothing
 * about a GPU's speed.
 */
export async function listEngines(): Promise<Engine[]> {
  const asked = new URL(location.href).searchParams.get('gpu');
  const gpu = await initGpu(asked === 'webgl2' || asked === 'webgpu' ? { engine: asked } : {}).catch(() => null);
  const engines: Engine[] = [];
  for (const backend of availableBackends()) {
    if (backend !== 'wasm') {
      const label = backend === 'js' ? 'js (reference loops)' : backend === 'gpu' && gpu !== null ? `gpu (${gpu.engine}: ${gpu.adapter})` : backend;
      engines.push({ id: backend, label, backend });
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
