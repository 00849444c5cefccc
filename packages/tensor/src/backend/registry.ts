/** The current backend: where new tensors live. Tensors remember their own backend. */
import type { BackendName, Kernels } from './kernels.ts';
import { jsKernels } from './js/index.ts';
import { wasmEngineSupported } from './wasm/platform.ts';
import { wasmKernels } from './wasm/wasm-kernels.ts';

/**
 * The built-in backends present on this platform. `wasm` is listed where its engine can run
 * (shared WebAssembly memory and SIMD-128: Node, and current browsers, where it runs on one thread
 * unless `startWasmEngine` starts Web Workers); listing it builds nothing: the engine (module,
 * memory, workers) is created on the first kernel call.
 */
const builtIn: Partial<Record<BackendName, Kernels>> = {
  js: jsKernels as Kernels,
  ...(wasmEngineSupported() ? { wasm: wasmKernels as Kernels } : {}),
};
/**
 * The default: `wasm` where it runs (Node, browsers with WebAssembly SIMD), since it is the fastest
 * backend present there: the bench U-Net's training step measured 0.5 steps/s on it against 0.06
 * on `js` (bench/README.md); elsewhere `js`. Creating the first tensor builds nothing: the engine
 * starts at the first GEMM.
 */
let current: Kernels = builtIn.wasm ?? (jsKernels as Kernels);

/** Make a further backend (one not built in, e.g. a user's `Kernels`) available to `setBackend` by name. */
export function registerBackend(kernels: Kernels): void {
  builtIn[kernels.name] = kernels;
}

/** Choose where new tensors are created: `'js'` (reference), `'wasm'` or `'gpu'`, or a `Kernels` object. */
export function setBackend(backend: BackendName | Kernels): void {
  current = typeof backend === 'string' ? findBackend(backend, 'setBackend') : backend;
}

/** The registered backend called `name`, or an error (naming `op`) that lists the available ones. */
export function findBackend(name: string, op = 'findBackend'): Kernels {
  const found = builtIn[name as BackendName];
  if (found !== undefined) return found;
  const hint = name === 'gpu' ? ' (the gpu backend starts asynchronously: `await initGpu()` first; in Node, call installNodeWebGPU() from @diffusion-ts/tensor/webgpu-node before it)' : '';
  throw new Error(`${op}: backend '${name}' is not available${hint}; available: ${Object.keys(builtIn).join(', ')}`);
}

/** Withdraw a backend (the gpu backend after `shutdownGpu`); new tensors go to the default if it was current. */
export function unregisterBackend(name: BackendName): void {
  if (current === builtIn[name]) current = builtIn.wasm ?? (jsKernels as Kernels);
  delete builtIn[name];
}

export const getBackend = (): Kernels => current;
export const availableBackends = (): BackendName[] => Object.keys(builtIn) as BackendName[];
