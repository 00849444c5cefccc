/** Choosing the tensor backend from the command line. */
import { availableBackends, setBackend, type BackendName } from '@diffusion-ts/tensor';
import { UsageError } from '../args.ts';

export const backendNames = ['js', 'wasm'] as const satisfies readonly BackendName[];

export function chooseBackend(name: (typeof backendNames)[number]): void {
  if (!availableBackends().includes(name)) throw new UsageError(`--backend ${name} is not available here; available: ${availableBackends().join(', ')}`);
  setBackend(name);
}
