/** The current backend: where new tensors live. Tensors remember their own backend. */
import type { BackendName, Kernels } from './kernels.ts';
import { jsKernels } from './js/index.ts';

const builtIn: Partial<Record<BackendName, Kernels>> = { js: jsKernels as Kernels };
let current: Kernels = jsKernels as Kernels;

/** Make a backend available to `setBackend` by name (the wasm and gpu engines call this on import). */
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
  if (found === undefined) throw new Error(`${op}: backend '${name}' is not available; available: ${Object.keys(builtIn).join(', ')}`);
  return found;
}

export const getBackend = (): Kernels => current;
export const availableBackends = (): BackendName[] => Object.keys(builtIn) as BackendName[];
